"""The language of a ticket, for routing rules and required skills.

The rule, kept simple on purpose and documented in docs/routing.md:

1. the requester's own account language, when they have an account and chose one;
2. otherwise a guess from the subject and the first message: the words are compared with a
   short list of Indonesian and of English function words ("yang", "tidak", "mohon" …;
   "the", "not", "please" …), and the language with more of them wins;
3. when neither wins (a tie, or no such word at all), the organisation's default language.
"""

import re

LANGUAGES = ("id", "en")

INDONESIAN_WORDS = frozenset(
    """
    yang dan di ke dari ini itu tidak tak untuk dengan saya kami kita anda ada akan
    sudah belum mohon tolong bisa dapat apakah apa juga atau karena pada sejak terima
    kasih selamat pagi siang sore malam bapak ibu sudah masih lagi saat sampai agar
    jika kalau bagaimana kenapa mengapa mau ingin harus sangat hari bulan tahun rumah
    sedang
    """.split()  # noqa: SIM905 (a list of words, read as one)
)
ENGLISH_WORDS = frozenset(
    """
    the and is are was were to of for with my our we you your not no have has had
    please can could would should this that these those from since thank thanks hello
    hi dear it its be been will there what why how when yesterday today morning evening
    """.split()  # noqa: SIM905 (a list of words, read as one)
)
_WORD = re.compile(r"[^\W\d_]+")


def language_guess(text: str) -> str | None:
    """ "id" or "en" when the text's function words say so; None when they do not."""
    indonesian = english = 0
    for word in _WORD.findall(text.lower()):
        if word in INDONESIAN_WORDS:
            indonesian += 1
        elif word in ENGLISH_WORDS:
            english += 1
    if indonesian > english:
        return "id"
    if english > indonesian:
        return "en"
    return None


def ticket_language(*, account_language: str, text: str, default: str) -> str:
    """The ticket's language by the rule above."""
    if account_language in LANGUAGES:
        return account_language
    return language_guess(text) or (default if default in LANGUAGES else "id")
