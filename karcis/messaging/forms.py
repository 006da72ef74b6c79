"""Forms of the e-mail settings screens. They parse and check input; the services decide and
write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from karcis.messaging.models import ImapSecurity, InboundState, Mailbox

# The fields the form hands to services.mailbox_create / mailbox_update as they are.
PLAIN_FIELDS = (
    "name",
    "address",
    "is_default",
    "is_active",
    "auto_reply",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_folder",
)
IMAP_FIELDS = (
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_password",
    "imap_folder",
)


class MailboxForm(forms.Form):
    """A mailbox. The IMAP password is write-only: the page never contains the stored one,
    and leaving the field blank keeps it."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("Shown as the sender's name, e.g. “Bantuan PT Nusantara”."),
    )
    address = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    is_default = forms.BooleanField(
        label=_("Default sender"),
        required=False,
        help_text=_("Replies to tickets that did not come by e-mail are sent from this address."),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive mailbox receives no mail and sends none."),
    )
    auto_reply = forms.BooleanField(
        label=_("Send an automatic reply"),
        required=False,
        initial=True,
        help_text=_("A new ticket gets a reply with its number and tracking link."),
    )
    imap_host = forms.CharField(
        label=_("IMAP server"),
        max_length=200,
        required=False,
        help_text=_("Leave empty when an MTA delivers the mail to Karcis (see below)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    imap_port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=993)
    imap_security = forms.ChoiceField(
        label=_("Security"), choices=ImapSecurity.choices, initial=ImapSecurity.SSL
    )
    imap_username = forms.CharField(
        label=_("User name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    imap_password = forms.CharField(
        label=_("Password"),
        max_length=200,
        required=False,
        strip=False,
        # render_value=False: a form shown again after an error does not echo it either.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    imap_password_clear = forms.BooleanField(label=_("Remove the stored password"), required=False)
    imap_folder = forms.CharField(label=_("Folder"), max_length=200, initial="INBOX")

    def __init__(self, *args, mailbox: Mailbox | None = None, **kwargs):
        self.mailbox = mailbox
        if mailbox is not None:
            kwargs.setdefault("initial", {name: getattr(mailbox, name) for name in PLAIN_FIELDS})
        super().__init__(*args, **kwargs)
        has_password = mailbox is not None and bool(mailbox.imap_password)
        if has_password:
            self.fields["imap_password"].help_text = _(
                "A password is stored. Leave this empty to keep it."
            )
        else:
            del self.fields["imap_password_clear"]

    @property
    def imap_fields(self):
        return [self[name] for name in (*IMAP_FIELDS, "imap_password_clear") if name in self.fields]

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_address(self) -> str:
        return self.cleaned_data["address"].strip().lower()

    def clean_imap_host(self) -> str:
        return self.cleaned_data["imap_host"].strip()

    def clean_imap_username(self) -> str:
        return self.cleaned_data["imap_username"].strip()

    def clean_imap_folder(self) -> str:
        return self.cleaned_data["imap_folder"].strip()

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("imap_host") and not data.get("imap_username"):
            self.add_error("imap_username", _("The IMAP server needs a user name."))
        return data

    def mailbox_fields(self) -> dict:
        """The keyword arguments for the mailbox services; the password only when it changes."""
        data = self.cleaned_data
        fields = {name: data[name] for name in PLAIN_FIELDS}
        if data.get("imap_password_clear"):
            fields["imap_password"] = ""
        elif data["imap_password"]:
            fields["imap_password"] = data["imap_password"]
        return fields


STATE_FILTERS = [("", _("All"))] + [(state.value, state.label) for state in InboundState]


class InboundFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=STATE_FILTERS, required=False)

    def state_or_all(self) -> str:
        """The state asked for, or "" (all) when the query string holds anything else."""
        return self.cleaned_data["state"] if self.is_valid() else ""
