"""Forms of routing's pages: they parse and check input; the services decide and write."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from karcis.core.models import Channel, Organisation
from karcis.core.selectors import teams_of
from karcis.desk.selectors import categories_of
from karcis.messaging.selectors import mailboxes_of
from karcis.routing.models import AgentStatus, Mode
from karcis.routing.services import split_values

LANGUAGE_CHOICES = [("id", "Bahasa Indonesia"), ("en", "English")]


def _team_choices(organisation: Organisation) -> list[tuple[str, str]]:
    return [(str(team.pk), team.name) for team in teams_of(organisation=organisation)]


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    team = forms.TypedChoiceField(label=_("Send to team"), coerce=int)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    categories = forms.TypedMultipleChoiceField(
        label=_("Category is any of"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("Channel is any of"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mailboxes = forms.TypedMultipleChoiceField(
        label=_("Came in by any of these mailboxes"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Language is any of"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    keywords = forms.CharField(
        label=_("Subject or first message contains any of these words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line, or separated by commas. Whole words, without regard to case: "
            "“internet mati” matches “Internet  MATI” but not “internet matikan”."
        ),
    )
    companies = forms.CharField(
        label=_("The requester's organisation is any of"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, as written on the contact (case does not matter)."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = _team_choices(organisation)  # type: ignore[attr-defined]
        self.fields["categories"].choices = [  # type: ignore[attr-defined]
            (str(c.pk), c.path) for c in categories_of(organisation=organisation)
        ]
        self.fields["mailboxes"].choices = [  # type: ignore[attr-defined]
            (str(m.pk), m.address) for m in mailboxes_of(organisation_id=organisation.pk)
        ]

    @classmethod
    def initial_for(cls, rule: Any) -> dict[str, Any]:
        return {
            "name": rule.name,
            "team": rule.team_id,
            "is_active": rule.is_active,
            "categories": [str(c) for c in rule.categories],
            "channels": rule.channels,
            "mailboxes": [str(m) for m in rule.mailboxes],
            "languages": rule.languages,
            "keywords": "\n".join(rule.keywords),
            "companies": "\n".join(rule.companies),
        }

    def clean_keywords(self) -> list[str]:
        return split_values(self.cleaned_data["keywords"])

    def clean_companies(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["companies"].splitlines() if line.strip()
        ]


class ModeForm(forms.Form):
    mode = forms.ChoiceField(label=_("Assignment"), choices=Mode.choices)


class AgentForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=0,
        max_value=500,
        help_text=_("How many unsolved tickets the agent may hold before others get new ones."),
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        help_text=_("Short words, separated by commas (pajak, bahasa-inggris)."),
    )

    def clean_skills(self) -> list[str]:
        return split_values(self.cleaned_data["skills"])


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AgentStatus.choices)


class PreviewForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), required=False, max_length=30)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=200)
    text = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "—"), *Channel.choices], required=False
    )
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None
    )
    company = forms.CharField(label=_("Requester's organisation"), required=False, max_length=150)
    language = forms.ChoiceField(
        label=_("Requester's account language"),
        choices=[("", _("— Guess from the text —")), *LANGUAGE_CHOICES],
        required=False,
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((str(c.pk), c.path) for c in categories_of(organisation=organisation)),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("number") or data.get("subject") or data.get("text")):
            raise forms.ValidationError(_("Type a ticket number, or a subject or message."))
        return data
