"""Quoted history in e-mail replies: find it and fold it away from the new words.

Mail clients append the whole conversation below every reply. The desk shows only the new
part; the history is kept (shown folded). Only TRAILING history is folded: a reply written
below a quote, or between quoted lines, keeps everything, because there the quote is part
of what the person wrote. Folding never leaves the new part empty.

Forwarded messages are not history: what someone forwards is the content of their request.
"""

import re
from dataclasses import dataclass, field
from html import escape, unescape
from html.parser import HTMLParser

import nh3

# --- shared patterns ----------------------------------------------------------------------

# "On Mon, 5 Feb 2024 at 10:02, Budi <budi@example.com> wrote:" and its translations.
_ATTRIBUTION = re.compile(
    r"""(?isx)
    ^\s*(
        (on|pada|am|le|el|op|il)\b .{0,300}? \b(wrote|menulis|schrieb|a\s+écrit|escribió|schreef|ha\s+scritto)\b .{0,200}? :
      | .{0,300}? <[^<>@\s]+@[^<>\s]+> \s* (wrote|menulis|schrieb|a\s+écrit|escribió)\s*:
      | \d{4}[-/.]\d{1,2}[-/.]\d{1,2} .{0,200}? (wrote|menulis|schrieb|のメッセージ)\s*:?
    )\s*$
    """
)
# Outlook and Android separators: everything below them is the previous message.
_ORIGINAL_SEPARATOR = re.compile(
    r"(?i)^\s*(-{2,}\s*(original\s+message|pesan\s+asli|ursprüngliche\s+nachricht|"
    r"message\s+d'origine|mensaje\s+original|oorspronkelijk\s+bericht|pesan\s+orisinal)\s*-{2,})"
)
_FORWARD_MARKER = re.compile(
    r"(?i)^\s*(-{2,}\s*(forwarded\s+message|pesan\s+yang\s+diteruskan|pesan\s+terusan|"
    r"weitergeleitete\s+nachricht|message\s+transféré)\s*-{2,}|begin\s+forwarded\s+message\s*:|"
    r"mulai\s+pesan\s+terusan\s*:)"
)
# The header block Outlook writes above the quoted message (English, Indonesian, German, Dutch).
_HEADER_FROM = r"(from|dari|von|van|de)\s*:"
_HEADER_SENT = r"(sent|dikirim|terkirim|gesendet|verzonden|envoyé|date|tanggal)\s*:"
_HEADER_OTHER = r"(to|kepada|ke|an|aan|subject|perihal|subjek|betreff|onderwerp|objet|cc)\s*:"
_OUTLOOK_HEADER_START = re.compile(rf"(?i)^\s*\**\s*{_HEADER_FROM}")
_OUTLOOK_HEADER_SENT = re.compile(rf"(?i)^\s*\**\s*{_HEADER_SENT}")
_OUTLOOK_HEADER_TEXT = re.compile(
    rf"(?is)^\s*{_HEADER_FROM}.{{1,300}}?\b{_HEADER_SENT}.{{1,300}}?\b{_HEADER_OTHER}"
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")


@dataclass(frozen=True)
class Folded:
    new: str
    quoted: str = ""

    @property
    def has_quote(self) -> bool:
        return bool(self.quoted)


# --- plain text ---------------------------------------------------------------------------


def _is_blank(line: str) -> bool:
    return not line.strip()


def _trailing_quote_start(lines: list[str]) -> int | None:
    """Index where a trailing block of '>' lines (with its attribution) begins, if any."""
    end = len(lines)
    while end > 0 and _is_blank(lines[end - 1]):
        end -= 1
    start = end
    while start > 0 and (lines[start - 1].lstrip().startswith(">") or _is_blank(lines[start - 1])):
        start -= 1
    while start < end and _is_blank(lines[start]):
        start += 1
    if start >= end or not lines[start].lstrip().startswith(">"):
        return None
    # The attribution line just above, possibly wrapped over two lines by the client.
    above = start
    while above > 0 and _is_blank(lines[above - 1]):
        above -= 1
    if above > 0 and _ATTRIBUTION.match(lines[above - 1]):
        return above - 1
    if above > 1 and _ATTRIBUTION.match(lines[above - 2] + " " + lines[above - 1]):
        return above - 2
    return start


def _outlook_header_at(lines: list[str], index: int) -> bool:
    if not _OUTLOOK_HEADER_START.match(lines[index]):
        return False
    return any(_OUTLOOK_HEADER_SENT.match(line) for line in lines[index + 1 : index + 5])


def _separator_start(lines: list[str], *, forwarded: bool) -> int | None:
    """First line of an Outlook/Android 'original message' block; all below it is history."""
    for index, line in enumerate(lines):
        if _FORWARD_MARKER.match(line):
            return None  # what follows is a forwarded message, which is content
        if forwarded:
            continue
        if _ORIGINAL_SEPARATOR.match(line):
            return index
        if _outlook_header_at(lines, index):
            if index > 0 and _UNDERSCORES.match(lines[index - 1]):
                return index - 1
            return index
    return None


def fold_text(text: str, *, forwarded: bool = False) -> Folded:
    """Split plain text into the new words and the trailing quoted history."""
    lines = text.splitlines()
    candidates = [
        position
        for position in (
            _trailing_quote_start(lines),
            _separator_start(lines, forwarded=forwarded),
        )
        if position is not None
    ]
    if not candidates:
        return Folded(new=text.strip())
    cut = min(candidates)
    new = "\n".join(lines[:cut]).strip()
    if not new:
        return Folded(new=text.strip())
    return Folded(new=new, quoted="\n".join(lines[cut:]).strip())


# --- HTML ---------------------------------------------------------------------------------

_VOID = {"br", "hr", "img", "wbr", "col", "area"}
_BLOCK = {"p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table"}
_NORMALISE_TAGS = set(nh3.ALLOWED_TAGS) | {"font", "section", "main"}


@dataclass
class Node:
    tag: str  # "" for a text node
    attrs: dict[str, str] = field(default_factory=dict)
    children: list["Node"] = field(default_factory=list)
    text: str = ""  # escaped HTML of a text node
    parent: "Node | None" = None

    def plain(self) -> str:
        if not self.tag:
            return _unescape(self.text)
        if self.tag == "br":
            return "\n"
        inner = "".join(child.plain() for child in self.children)
        return f"\n{inner}\n" if self.tag in _BLOCK else inner

    def has_image(self) -> bool:
        return self.tag == "img" or any(child.has_image() for child in self.children)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def html(self) -> str:
        if not self.tag:
            return self.text
        attributes = "".join(f' {name}="{escape(value)}"' for name, value in self.attrs.items())
        if self.tag in _VOID:
            return f"<{self.tag}{attributes}>"
        inner = "".join(child.html() for child in self.children)
        return f"<{self.tag}{attributes}>{inner}</{self.tag}>"


def _unescape(value: str) -> str:
    return unescape(value)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.root = Node(tag="root")
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag=tag, attrs={k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag=tag, attrs={k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(node)

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(
            Node(tag="", text=escape(data, quote=False), parent=self.current)
        )

    def handle_entityref(self, name: str) -> None:
        self.current.children.append(Node(tag="", text=f"&{name};", parent=self.current))

    def handle_charref(self, name: str) -> None:
        self.current.children.append(Node(tag="", text=f"&#{name};", parent=self.current))


def _normalise(html: str) -> str:
    """Well-formed HTML with only the attributes that mark quotes (class, id, type, style)."""
    return nh3.clean(
        html,
        tags=_NORMALISE_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes={"*": {"class", "id", "type", "style"}, "img": {"src", "alt"}, "a": {"href"}},
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        link_rel=None,
        strip_comments=True,
    )


def parse_tree(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(_normalise(html))
    builder.close()
    return builder.root


def _preorder(node: Node):
    yield node
    for child in node.children:
        yield from _preorder(child)


def _following(node: Node):
    """Every node after `node` in document order, outside its own subtree."""
    current = node
    while current.parent is not None:
        siblings = current.parent.children
        yield from siblings[siblings.index(current) + 1 :]
        current = current.parent


def _meaningful(nodes) -> bool:
    return any(n.plain().strip() or n.has_image() for n in nodes)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


# Where a marker is found decides how much goes: "history" markers take everything after them
# (Outlook puts nothing of the new reply below its header block); "quote" markers only fold
# when nothing meaningful follows them (else the person replied below or between quotes).
_EVERYTHING_AFTER = "history"
_TRAILING_ONLY = "quote"


def _marker_kind(node: Node, *, forwarded: bool) -> str | None:
    if not node.tag:
        return None
    text = _squash(node.plain())
    if _FORWARD_MARKER.match(text) or "moz-forward-container" in node.classes():
        return "forward"
    classes = node.classes()
    element_id = node.attrs.get("id", "")
    if node.tag == "blockquote" and node.attrs.get("type", "").lower() == "cite":
        return _TRAILING_ONLY
    if classes & {"gmail_quote", "gmail_quote_container", "yahoo_quoted", "moz-cite-prefix"}:
        return _TRAILING_ONLY
    if classes & {"protonmail_quote", "zmail_extra", "ms-outlook-mobile-reference-message"}:
        return _TRAILING_ONLY
    if forwarded:
        return None
    if element_id in {"divRplyFwdMsg", "appendonsend", "mail-editor-reference-message-container"}:
        return _EVERYTHING_AFTER
    if node.tag in {"div", "p"}:
        if _ORIGINAL_SEPARATOR.match(text):
            return _EVERYTHING_AFTER
        style = node.attrs.get("style", "").replace(" ", "").lower()
        if "border-top:solid" in style and _OUTLOOK_HEADER_TEXT.match(text):
            return _EVERYTHING_AFTER
    if node.tag == "hr":
        after = [n for n in _following(node)]
        following_text = _squash("".join(n.plain() for n in after[:6]))
        if _OUTLOOK_HEADER_TEXT.match(following_text):
            return _EVERYTHING_AFTER
    return None


def _attribution_before(node: Node) -> Node:
    """Move the cut up to include an 'On … wrote:' line just above a quote."""
    current = node
    while current.parent is not None:
        siblings = current.parent.children
        index = siblings.index(current)
        previous = [s for s in siblings[:index] if s.plain().strip() or s.has_image()]
        if previous:
            candidate = previous[-1]
            if _ATTRIBUTION.match(_squash(candidate.plain())):
                return candidate
            return node
        current = current.parent
        if current.tag == "root":
            break
    return node


def _find_cut(root: Node, *, forwarded: bool) -> Node | None:
    skip: set[int] = set()
    for node in _preorder(root):
        if id(node.parent) in skip:
            skip.add(id(node))
            continue
        kind = _marker_kind(node, forwarded=forwarded)
        if kind == "forward":
            return None  # a forwarded message below: it is content, and so is all after it
        if kind == _EVERYTHING_AFTER:
            return node
        if kind == _TRAILING_ONLY:
            if not _meaningful(list(_following(node))):
                return _attribution_before(node)
            skip.add(id(node))  # a quote the person answered below: part of the new words
    return None


def _split_at(cut: Node) -> list[Node]:
    """Detach `cut` and everything after it; return them in document order."""
    removed: list[Node] = []
    current = cut
    first = True
    while current.parent is not None:
        siblings = current.parent.children
        index = siblings.index(current)
        start = index if first else index + 1
        removed.extend(siblings[start:])
        del siblings[start:]
        first = False
        current = current.parent
    return removed


def _trim_trailing(node: Node) -> None:
    """Drop the blank lines and empty paragraphs a client leaves above the quote."""
    while node.children and not _meaningful(node.children[-1:]):
        node.children.pop()
    if node.children and node.children[-1].tag:
        _trim_trailing(node.children[-1])


def fold_html(html: str, *, forwarded: bool = False) -> Folded:
    """Split HTML into the new part and the trailing quoted history (both still unsanitised
    in the sense of the desk: the caller runs the desk's sanitiser over each)."""
    root = parse_tree(html)
    cut = _find_cut(root, forwarded=forwarded)
    if cut is None:
        return Folded(new=root.html()[len("<root>") : -len("</root>")])
    removed = _split_at(cut)
    if not _meaningful(root.children):
        return Folded(new=_normalise(html))
    _trim_trailing(root)
    new = "".join(child.html() for child in root.children)
    return Folded(new=new, quoted="".join(node.html() for node in removed))
