"""Forms of the agent workspace: inbox filters, bulk actions, the composer, ticket
properties and new tickets.

Forms parse and check what the browser sent; the rules about tickets stay in the
services, whose ValidationErrors the views put back onto these forms
(core.forms.service_errors_to_form).
"""

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Model, Q, QuerySet
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from karcis.core.forms import AttachmentsField, CustomFieldsMixin, QuickSelect, field_of
from karcis.core.models import MAX_ID, Channel, Team, User
from karcis.core.selectors import team_ids_of
from karcis.core.services import validate_phone
from karcis.desk.models import (
    STATUS_TRANSITIONS,
    UNSOLVED_STATUSES,
    Category,
    CustomField,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketType,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from karcis.desk.selectors import Agent

# --- inbox ------------------------------------------------------------------------------

INBOX_VIEWS = {
    "mine": _("Assigned to me"),
    "unassigned": _("Unassigned"),
    "teams": _("My teams"),
    "all": _("All tickets"),
}
UNSOLVED = "unsolved"
ANY = "any"
NONE = "none"  # "no assignee" / "no team" in filters and bulk actions

# Sort keys and their columns; the last column breaks ties so pages never overlap.
SORTS = {
    "updated": ("updated_at", "id"),
    "created": ("created_at", "id"),
    "priority": ("priority_rank", "updated_at", "id"),
    "number": ("number",),
    # Tickets without a running SLA clock come last either way (forms.InboxFilterForm).
    "due": ("sla_due_at", "id"),
}
SORT_LABELS = {
    "updated": _("Updated"),
    "created": _("Created"),
    "priority": _("Priority"),
    "number": pgettext_lazy("ticket number", "Number"),
    "due": _("Due soonest"),
}
PER_PAGE = 25
_ID_OR_NONE = r"^(none|[1-9][0-9]{0,17})$"


class InboxFilterForm(forms.Form):
    """The inbox's view, filters and sort, read from the query string (bookmarkable).

    Invalid values are reported and ignored: the other filters still apply.
    """

    view = forms.ChoiceField(label=_("View"), choices=list(INBOX_VIEWS.items()), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(UNSOLVED, _("Unsolved")), (ANY, _("Any status")), *Status.choices],
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[("", _("Any priority")), *Priority.choices], required=False
    )
    category = forms.IntegerField(
        label=_("Category"), min_value=1, max_value=MAX_ID, required=False
    )
    tag = forms.CharField(label=_("Tag"), max_length=50, required=False)
    assignee = forms.RegexField(label=_("Assignee"), regex=_ID_OR_NONE, required=False)
    team = forms.RegexField(label=_("Team"), regex=_ID_OR_NONE, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any channel")), *Channel.choices], required=False
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=list(SORT_LABELS.items()), required=False)
    dir = forms.ChoiceField(
        label=_("Order"),
        choices=[("desc", _("Descending")), ("asc", _("Ascending"))],
        required=False,
    )

    FILTERS = ("priority", "category", "tag", "assignee", "team", "channel")

    def __init__(self, data=None, *, default_view: str = "all", **kwargs):
        super().__init__(data, **kwargs)
        self.default_view = default_view
        self.is_valid()  # fills cleaned_data with the valid fields, errors for the rest

    @property
    def values(self) -> dict[str, Any]:
        """Every field with its default filled in; invalid input counts as not given."""
        data = getattr(self, "cleaned_data", {})
        values = {name: data.get(name) or "" for name in self.fields}
        values["category"] = data.get("category")
        values["view"] = values["view"] or self.default_view
        values["status"] = values["status"] or UNSOLVED
        values["sort"] = values["sort"] or "updated"
        values["dir"] = values["dir"] or ("asc" if values["sort"] == "due" else "desc")
        return values

    @property
    def is_plain_view(self) -> bool:
        """Only a view's unsolved tickets: the inbox counts already know how many."""
        values = self.values
        return values["status"] == UNSOLVED and not any(values[name] for name in self.FILTERS)

    @property
    def active_count(self) -> int:
        """How many filters or sort settings differ from the defaults (shown on the panel)."""
        values = self.values
        changed = [values[name] for name in self.FILTERS]
        changed += [
            values["status"] != UNSOLVED,
            (values["sort"], values["dir"]) != ("updated", "desc"),
        ]
        return sum(1 for value in changed if value)

    def filter_tickets(self, tickets: QuerySet[Ticket], *, user: User) -> QuerySet[Ticket]:
        values = self.values
        view = values["view"]
        if view == "mine":
            tickets = tickets.filter(assignee=user)
        elif view == "unassigned":
            tickets = tickets.filter(assignee__isnull=True)
        elif view == "teams":
            tickets = tickets.filter(team_id__in=team_ids_of(user=user))
        if values["status"] == UNSOLVED:
            tickets = tickets.filter(status__in=UNSOLVED_STATUSES)
        elif values["status"] != ANY:
            tickets = tickets.filter(status=values["status"])
        if values["priority"]:
            tickets = tickets.filter(priority=values["priority"])
        if values["channel"]:
            tickets = tickets.filter(channel=values["channel"])
        if values["category"]:
            tickets = tickets.filter(_category_subtree(values["category"]))
        if values["tag"]:
            tickets = tickets.filter(tags__name=slugify(values["tag"], allow_unicode=True))
        for name in ("assignee", "team"):
            if values[name] == NONE:
                tickets = tickets.filter(**{f"{name}__isnull": True})
            elif values[name]:
                tickets = tickets.filter(**{f"{name}_id": int(values[name])})
        if values["sort"] == "due":
            due = F("sla_due_at")
            first = (
                due.desc(nulls_last=True) if values["dir"] == "desc" else due.asc(nulls_last=True)
            )
            return tickets.order_by(first, "-id" if values["dir"] == "desc" else "id")
        columns = SORTS[values["sort"]]
        if values["dir"] == "desc":
            columns = tuple(f"-{column}" for column in columns)
        return tickets.order_by(*columns)


def _category_subtree(category_id: int) -> Q:
    # A category and everything below it: children's paths start with "<path> › ".
    category = Category.objects.filter(pk=category_id).only("path").first()
    if category is None:
        return Q(category_id=category_id)
    return Q(category_id=category_id) | Q(category__path__startswith=f"{category.path} › ")


# --- bulk actions -----------------------------------------------------------------------

TICKET_NUMBER = re.compile(r"^[A-Z][A-Z0-9]{1,7}-[0-9]{1,12}$")
BULK_LIMIT = 200


class TicketNumbersField(forms.Field):
    """The ticket numbers of the checked rows (several values under one name)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one ticket."),
        "invalid": _("“%(value)s” is not a ticket number."),
        "too_many": _("Select at most %(limit)d tickets at once."),
    }

    def to_python(self, value):
        numbers = []
        for raw in value or []:
            number = str(raw).strip().upper()
            if not TICKET_NUMBER.match(number):
                raise ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": raw}
                )
            if number not in numbers:
                numbers.append(number)
        if len(numbers) > BULK_LIMIT:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"limit": BULK_LIMIT}
            )
        return numbers


class BulkActionForm(forms.Form):
    """One change applied to the selected tickets: assignee, team, status, or an added tag."""

    tickets = TicketNumbersField(label=_("Tickets"))
    action = forms.ChoiceField(
        choices=[("change", _("Apply")), ("tag", _("Add tag"))], widget=forms.HiddenInput
    )
    change = forms.ChoiceField(label=_("Change"), required=False)
    tag = forms.CharField(label=_("Tag"), max_length=50, required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, agents: "Sequence[User | Agent]", teams: list[Team], **kwargs):
        """`agents`: accounts to assign (a submission), or the cached Agents (a page shown)."""
        super().__init__(*args, **kwargs)
        self.agents = {str(agent.pk): agent for agent in agents}
        self.teams = {str(team.pk): team for team in teams}
        # Grouped options, also rendered by hand in the inbox (a widget renders per option).
        self.change_groups = [
            (
                _("Assign to"),
                [
                    ("assignee:none", _("— Nobody (unassign)")),
                    *[(f"assignee:{a.pk}", a.name) for a in agents],
                ],
            ),
            (
                _("Move to team"),
                [("team:none", _("— No team")), *[(f"team:{t.pk}", t.name) for t in teams]],
            ),
            (_("Set status"), [(f"status:{value}", label) for value, label in Status.choices]),
        ]
        field_of(self, "change", forms.ChoiceField).choices = [
            ("", _("Choose a change…")),
            *self.change_groups,
        ]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        action = data.get("action")
        if action == "change" and not data.get("change"):
            self.add_error("change", _("Choose the change to apply."))
        if action == "tag" and not (data.get("tag") or "").strip():
            self.add_error("tag", _("Type the tag to add."))
        return data

    def ticket_changes(self) -> dict[str, Any]:
        """The keyword arguments for desk.services.tickets_bulk_update."""
        field, _sep, value = self.cleaned_data["change"].partition(":")
        if field == "assignee":
            return {"assignee": None if value == NONE else self.agents[value]}
        if field == "team":
            return {"team": None if value == NONE else self.teams[value]}
        return {"status": value}


# --- selects ------------------------------------------------------------------------------


class ObjectChoiceField(forms.ChoiceField):
    """One of a list of objects the view already loaded (teams, agents, categories).

    A ModelChoiceField queries its queryset to render and again to validate; this one
    offers and accepts exactly the objects it is given (`objects`), by primary key, and
    cleans to the object itself (None when left empty).
    """

    widget = QuickSelect
    default_error_messages = {
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]
    }

    def __init__(self, *, empty_label: str = "—", **kwargs):
        super().__init__(choices=[], **kwargs)
        self.empty_label = empty_label
        self.objects: dict[str, Any] = {}

    def set_objects(self, objects: Iterable[Any]) -> None:
        """Models, or what stands for them on a page shown (anything with a pk and a str())."""
        self.objects = {str(obj.pk): obj for obj in objects}
        self.choices = [("", self.empty_label), *[(k, str(o)) for k, o in self.objects.items()]]

    def to_python(self, value) -> Model | None:
        if value in self.empty_values:
            return None
        try:
            return self.objects[str(value)]
        except KeyError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None

    def validate(self, value) -> None:
        forms.Field.validate(self, value)  # `required`; to_python checked the choice


# --- attachments, custom fields, tags ------------------------------------------------------


def tag_names(value: str) -> list[str]:
    return [name.strip() for name in re.split(r"[,\n]", value or "") if name.strip()]


def _status_choices(status: str) -> list[tuple[str, "StrPromise"]]:
    """The ticket's status first, then the ones it may move to, in the usual order."""
    allowed = STATUS_TRANSITIONS[status]
    return [(status, Status(status).label)] + [
        (value, label) for value, label in Status.choices if value in allowed
    ]


# --- the ticket page ----------------------------------------------------------------------


class ComposerForm(forms.Form):
    """A public reply or an internal note, with files, and the status to submit the ticket as."""

    kind = forms.ChoiceField(
        label=_("Type"),
        choices=MessageKind.choices,
        initial=MessageKind.REPLY,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = AttachmentsField()
    status = forms.ChoiceField(label=_("Submit as"), widget=QuickSelect)

    def __init__(
        self,
        *args,
        ticket: Ticket,
        kinds: list[str] | None = None,
        may_change_status: bool = True,
        **kwargs,
    ):
        """`kinds`: the kinds of message offered (those the agent's role allows; all by
        default); `may_change_status`: whether the ticket may be submitted as another status."""
        super().__init__(*args, **kwargs)
        if kinds is not None:
            field_of(self, "kind", forms.ChoiceField).choices = [
                (value, label) for value, label in MessageKind.choices if value in kinds
            ]
            self.fields["kind"].initial = kinds[0] if kinds else None
        field_of(self, "status", forms.ChoiceField).choices = (
            _status_choices(ticket.status)
            if may_change_status
            else [(ticket.status, Status(ticket.status).label)]
        )
        # Answering a new ticket opens it (as in Zendesk): the agent is working on it now.
        self.fields["status"].initial = (
            Status.OPEN if ticket.status == Status.NEW and may_change_status else ticket.status
        )


class TicketPropertiesForm(CustomFieldsMixin, forms.Form):
    """The properties panel; its changes go to desk.services.ticket_update in one call."""

    status = forms.ChoiceField(label=_("Status"), widget=QuickSelect)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, widget=QuickSelect)
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices, widget=QuickSelect)
    category = ObjectChoiceField(label=_("Category"), required=False)
    team = ObjectChoiceField(label=_("Team"), required=False)
    assignee = ObjectChoiceField(label=_("Assignee"), required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate tags with commas."),
    )
    # What the page showed when it was opened: only the fields the agent changed since are
    # saved, so a stale page never undoes a colleague's changes to the other fields.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        ticket: Ticket,
        categories: Iterable[Category],
        teams: Iterable[Team],
        agents: "Iterable[User | Agent]",
        custom_fields: list[CustomField],
        **kwargs,
    ):
        """`categories`: all of the organisation's, inactive ones too; `agents`: the active
        staff (see desk.services.assignable_agents): accounts to validate a submission,
        the cached Agents (desk.selectors.page_options_of) to show the form."""
        kwargs.setdefault(
            "initial",
            {
                "status": ticket.status,
                "priority": ticket.priority,
                "type": ticket.type,
                "category": ticket.category_id,
                "team": ticket.team_id,
                "assignee": ticket.assignee_id,
                "tags": ", ".join(tag.name for tag in ticket.tags.all()),
                **{self.PREFIX + key: value for key, value in ticket.custom_fields.items()},
            },
        )
        kwargs["initial"]["seen"] = json.dumps(
            {key: value for key, value in kwargs["initial"].items() if key != "seen"}
        )
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        field_of(self, "status", forms.ChoiceField).choices = _status_choices(ticket.status)
        # An inactive category stays selectable on the tickets that already carry it.
        field_of(self, "category", ObjectChoiceField).set_objects(
            c for c in categories if c.is_active or c.pk == ticket.category_id
        )
        field_of(self, "team", ObjectChoiceField).set_objects(teams)
        # A deactivated assignee stays shown (and kept) until someone picks another.
        agents = list(agents)
        if (
            ticket.assignee_id
            and all(agent.pk != ticket.assignee_id for agent in agents)
            and ticket.assignee is not None  # always, with an assignee_id
        ):
            agents.append(ticket.assignee)
        field_of(self, "assignee", ObjectChoiceField).set_objects(agents)
        self.add_custom_fields(custom_fields, required=False)

    def changes(self) -> dict[str, Any]:
        """What ticket_update should change: only what differs from the ticket, so a field
        nobody touched (a required custom field added later, a deactivated assignee) blocks
        nothing else. Status first: the agent's explicit choice wins over the automatic
        New → Open of an assignment. Tags always go: the service compares the sets."""
        data = self.cleaned_data
        touched = self._touched_on_page
        changes: dict[str, Any] = {}
        if data["status"] != self.ticket.status and touched("status", data["status"]):
            changes["status"] = data["status"]
        for name in ("priority", "type"):
            if data[name] != getattr(self.ticket, name) and touched(name, data[name]):
                changes[name] = data[name]
        for name in ("category", "team", "assignee"):
            chosen = data[name].pk if data[name] else None
            if chosen != getattr(self.ticket, f"{name}_id") and touched(name, chosen):
                changes[name] = data[name]
        if touched("tags", ", ".join(tag_names(data["tags"]))):
            changes["tags"] = tag_names(data["tags"])
        custom = {
            key: value
            for key, value in self.custom_values().items()
            if value != str(self.ticket.custom_fields.get(key) or "")
            and touched(self.PREFIX + key, value)
        }
        if custom:
            changes["custom_fields"] = custom
        return changes

    def _touched_on_page(self, name: str, value: Any) -> bool:
        """Whether the agent changed this field on the page. Without a snapshot (an old page,
        an API-like post), every field counts as changed."""
        try:
            seen = json.loads(self.cleaned_data.get("seen") or "{}")
        except (ValueError, RecursionError):  # RecursionError: a snapshot nested too deeply
            seen = {}
        if not isinstance(seen, dict) or name not in seen:
            return True
        before = seen[name]
        if name == "tags":
            before = ", ".join(tag_names(before or ""))
        return str("" if before is None else before) != str("" if value is None else value)


# --- new ticket ---------------------------------------------------------------------------

AGENT_CHANNELS = [
    (value, label)
    for value, label in Channel.choices
    if value in ("phone", "walk_in", "email", "web", "whatsapp", "chat")
]


class NewTicketForm(CustomFieldsMixin, forms.Form):
    """A ticket an agent opens on behalf of a caller or a walk-in."""

    requester_name = forms.CharField(label=_("Name"), max_length=150)
    requester_email = forms.EmailField(label=_("E-mail address"), required=False)
    requester_phone = forms.CharField(
        label=_("Phone / WhatsApp"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=AGENT_CHANNELS, initial="phone", widget=QuickSelect
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=100_000, widget=forms.Textarea(attrs={"rows": 7})
    )
    category = ObjectChoiceField(label=_("Category"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial="normal", widget=QuickSelect
    )
    type = forms.ChoiceField(
        label=_("Type"), choices=TicketType.choices, initial="question", widget=QuickSelect
    )
    team = ObjectChoiceField(label=_("Team"), required=False)
    assignee = ObjectChoiceField(label=_("Assignee"), required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate tags with commas."),
    )
    attachments = AttachmentsField()

    def __init__(
        self,
        *args,
        categories: Iterable[Category],
        teams: Iterable[Team],
        agents: Iterable[User],
        custom_fields: list[CustomField],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        field_of(self, "category", ObjectChoiceField).set_objects(categories)
        field_of(self, "team", ObjectChoiceField).set_objects(teams)
        field_of(self, "assignee", ObjectChoiceField).set_objects(agents)
        self.add_custom_fields(custom_fields, required=True)

    def clean_requester_phone(self) -> str:
        return validate_phone(self.cleaned_data["requester_phone"])

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if (
            not data.get("requester_email")
            and not data.get("requester_phone")
            and not (self.has_error("requester_email") or self.has_error("requester_phone"))
        ):
            self.add_error(
                "requester_email", _("Give an e-mail address or a phone number (or both).")
            )
        return data

    def ticket_fields(self) -> dict[str, Any]:
        """The keyword arguments for desk.services.ticket_create_for_caller (body aside)."""
        data = self.cleaned_data
        return {
            "requester_name": data["requester_name"],
            "requester_email": data["requester_email"],
            "requester_phone": data["requester_phone"],
            "channel": data["channel"],
            "subject": data["subject"],
            "category": data["category"],
            "priority": data["priority"],
            "type": data["type"],
            "team": data["team"],
            "assignee": data["assignee"],
            "tags": tag_names(data["tags"]),
            "custom_fields": {k: v for k, v in self.custom_values().items() if v},
            "attachments": data["attachments"],
        }


# --- merge, split, links, CC and contacts ---------------------------------------------------


class MergeForm(forms.Form):
    """Merge this ticket into another, chosen by its number; `confirm` comes from the
    confirmation page, so a first submission only shows both tickets."""

    into = forms.CharField(label=_("Merge into ticket number"), max_length=40)
    notify = forms.BooleanField(
        label=_("Tell the requester (a public reply on the ticket it goes into)"),
        required=False,
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SplitForm(forms.Form):
    message = forms.IntegerField(min_value=1)
    subject = forms.CharField(label=_("Subject of the new ticket"), required=False, max_length=200)


LINK_KINDS = [
    ("related", _("Related")),
    ("parent", _("Its parent (the problem)")),
    ("child", _("Its child (an incident)")),
]


class LinkForm(forms.Form):
    ticket = forms.CharField(label=_("Ticket number"), max_length=40)
    kind = forms.ChoiceField(
        label=_("Link as"), choices=LINK_KINDS, initial="related", required=False
    )
    action = forms.ChoiceField(
        choices=[("add", "add"), ("remove", "remove")], initial="add", required=False
    )

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or "related"

    def clean_action(self) -> str:
        return self.cleaned_data.get("action") or "add"


class ParticipantForm(forms.Form):
    """Add someone to the CC by e-mail address, or (`remove`: a contact's id) take them off."""

    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    name = forms.CharField(label=_("Name"), required=False, max_length=150)
    remove = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("remove") and not data.get("email") and not self.errors:
            raise ValidationError(_("An e-mail address is required."))
        return data


class ContactMergeForm(forms.Form):
    address = forms.CharField(label=_("E-mail or phone of the duplicate contact"), max_length=254)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
