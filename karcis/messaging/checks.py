"""`karcis check --deploy`: outgoing mail that goes nowhere is worth a warning."""

from django.conf import settings
from django.core.checks import Warning, register

_NOT_SENDING = {
    "django.core.mail.backends.console.EmailBackend": "printed to the log",
    "django.core.mail.backends.filebased.EmailBackend": "written to files",
    "django.core.mail.backends.locmem.EmailBackend": "kept in memory",
    "django.core.mail.backends.dummy.EmailBackend": "thrown away",
}


@register(deploy=True)
def outgoing_mail_is_delivered(app_configs, **kwargs):
    fate = _NOT_SENDING.get(settings.EMAIL_BACKEND)
    if fate is None:
        return []
    return [
        Warning(
            f"Outgoing e-mail is {fate}, not sent: replies will show as sent, yet nobody "
            "receives them.",
            hint="Set KARCIS_SMTP_URL, e.g. smtp://user:password@smtp.example.go.id:587?starttls=1",
            id="karcis.W001",
        )
    ]
