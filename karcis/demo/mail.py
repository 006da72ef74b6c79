"""The demo organisation's mailbox and a few e-mails received through the real pipeline, so that
Settings → Incoming mail and e-mail tickets have something to show."""

import io
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from django.utils import timezone

from karcis.core.models import Organisation
from karcis.desk import selectors as desk_selectors
from karcis.messaging import services

CUSTOMER = "siti@example.com"  # the demo's customer account (core/demo/data.py)


def _modem_photo() -> bytes:
    """A small drawn "photo" of a modem with a red light, for the sample message."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 280), (236, 239, 243))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((60, 90, 420, 200), radius=18, fill=(48, 54, 63))
    for index, colour in enumerate([(34, 197, 94), (34, 197, 94), (239, 68, 68), (71, 85, 105)]):
        x = 120 + index * 80
        draw.ellipse((x - 11, 134, x + 11, 156), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _mail(
    *, sender: str, to: str, subject: str, text: str, message_id: str, **headers
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}>"
    message["Date"] = format_datetime(timezone.now())
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message


def demo_mail_load(*, organisation: Organisation) -> dict[str, Any]:
    """Create bantuan@ as the organisation's mailbox and receive a handful of messages;
    returns the tickets they opened, by the sample's key ("modem", "pindah")."""
    mailbox = services.mailbox_create(
        organisation=organisation,
        address=organisation.support_email or f"bantuan@{organisation.slug}.test",
        name="Bantuan NusaNet",
    )
    to = mailbox.address
    new_request = _mail(
        sender="Yohanes Manurung <yohanes.manurung@example.net>",
        to=to,
        subject="Modem berkedip merah sejak hujan semalam",
        text=(
            "Selamat pagi,\n\nModem di rumah lampunya berkedip merah sejak hujan semalam dan "
            "internet mati total. Sudah saya cabut-pasang, tetap sama. Foto lampunya terlampir.\n\n"
            "Salam,\nYohanes\nJl. Sisingamangaraja 12, Medan"
        ),
        message_id="demo-modem-1@mail.example.net",
        Cc="Rosa Manurung <rosa.manurung@example.net>",
    )
    new_request.add_attachment(
        _modem_photo(), maintype="image", subtype="png", filename="lampu-modem.png"
    )
    with_history = _mail(
        sender="Dewi Anggraini <dewi.anggraini@example.org>",
        to=to,
        subject="Re: Pindah alamat pemasangan",
        text=(
            "Baik, jadwal Kamis jam 10 cocok untuk kami.\n\nTerima kasih,\nDewi\n\n"
            "Pada Sen, 23 Nov 2026 pukul 14.02, Tim Bantuan <bantuan@nusantara.test> menulis:\n"
            "> Bu Dewi, teknisi kami bisa datang Kamis jam 10 atau Jumat jam 13.\n"
            "> Mohon pilih salah satu.\n"
        ),
        message_id="demo-pindah-2@mail.example.org",
    )
    # The demo customer adds to her latest ticket by writing its number in the subject.
    her_ticket = desk_selectors.ticket_latest_of_requester(
        organisation=organisation, email=CUSTOMER
    )
    tagged = _mail(
        sender=f"Siti Rahmawati <{CUSTOMER}>",
        to=to,
        subject=f"Tambahan untuk [{her_ticket.number}]" if her_ticket else "Tambahan",
        text="Satu lagi: nomor pelanggan saya 8800-1234-5678. Terima kasih.",
        message_id="demo-tambahan-3@example.com",
    )
    loop = _mail(
        sender=to,
        to=to,
        subject="[KRC-000001] Permintaan Anda sudah kami terima",
        text="Pesan yang kembali ke alamat kami sendiri.",
        message_id="demo-loop-4@nusantara.test",
    )
    opened = {}
    for key, message in (
        ("modem", new_request),
        ("pindah", with_history),
        ("tambahan", tagged),
        ("loop", loop),
    ):
        inbound = services.inbound_receive(
            mailbox=mailbox, raw=message.as_bytes(), source="mailgate"
        )
        if inbound.action == "ticket_created" and inbound.ticket_id is not None:
            opened[key] = desk_selectors.ticket_get(ticket_id=inbound.ticket_id)
    return opened
