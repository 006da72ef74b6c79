"""The e-mail screens: Settings → E-mail and → Incoming mail, the original of a message, and
how e-mail shows on the ticket page and the portal (folded quotes, inline images, delivery)."""

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import PNG_BYTES, email_bytes
from karcis.core import services as core_services
from karcis.core.content import body_from
from karcis.core.models import Event, Role
from karcis.desk import services as desk_services
from karcis.desk.models import Message, MessageKind
from karcis.desk.selectors import tracking_token
from karcis.desk.templatetags.message_content import _inline, portal_inline
from karcis.messaging import services
from karcis.messaging.models import InboundAction, InboundEmail, InboundState, Mailbox

pytestmark = pytest.mark.django_db

SETTINGS_URLS = ["messaging:mailboxes", "messaging:mailbox_create", "messaging:inbound_list"]


# --- building state -----------------------------------------------------------------------


def receive(mailbox, raw):
    return services.inbound_receive(mailbox=mailbox, raw=raw, source="mailgate")


def reply_with_photo_and_quote(
    *, message_id="<b2@mail.example.com>", cc="Joko Widodo <joko@example.com>"
) -> bytes:
    """A Gmail-style reply: new words with a pasted photo (cid:), the history quoted below."""
    message = EmailMessage()
    message["From"] = "Siti Aminah <siti@example.com>"
    message["To"] = "bantuan@nusantara.test"
    if cc:
        message["Cc"] = cc
    message["Subject"] = "Modem berkedip merah"
    message["Message-ID"] = message_id
    message.set_content(
        "Ini fotonya.\n\nOn Mon, 23 Nov 2026 at 10:00, Bantuan <bantuan@nusantara.test> wrote:\n"
        "> Mohon kirim foto modem.\n"
    )
    message.add_alternative(
        '<div>Ini fotonya: <img src="cid:foto1@siti" alt="modem"></div>'
        '<div class="gmail_quote"><div>On Mon, 23 Nov 2026 at 10:00, Bantuan '
        "&lt;bantuan@nusantara.test&gt; wrote:</div>"
        "<blockquote>Mohon kirim foto modem Ibu.</blockquote></div>",
        subtype="html",
    )
    message.get_payload()[1].add_related(
        PNG_BYTES, "image", "png", cid="<foto1@siti>", filename="modem.png"
    )
    return message.as_bytes()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def other_admin(other_org):
    return core_services.staff_user_create(
        organisation=other_org,
        email="admin@lain.test",
        name="Admin Lain",
        role=Role.ADMIN,
        password="rahasia-123",
    )


@pytest.fixture
def rejected(mailbox):
    """A message without a sender: kept, rejected."""
    inbound = receive(mailbox, email_bytes(sender=None, message_id="<nosender@x.test>"))
    assert inbound.state == InboundState.REJECTED
    return inbound


@pytest.fixture
def email_ticket(mailbox):
    """A ticket opened by an e-mail with an inline photo, a quoted history and a CC."""
    inbound = receive(mailbox, reply_with_photo_and_quote())
    assert inbound.action == InboundAction.TICKET_CREATED
    return inbound.ticket


def in_indonesian(msgid: str, context: str = "") -> str:
    """What the (Indonesian by default) page says for an English msgid."""
    with translation.override("id"):
        return translation.pgettext(context, msgid) if context else translation.gettext(msgid)


def inbound_of(ticket) -> InboundEmail:
    return InboundEmail.objects.get(ticket=ticket)


# --- who may see the settings screens -------------------------------------------------------


@pytest.mark.parametrize("name", SETTINGS_URLS)
def test_visitors_are_sent_to_sign_in(client, name):
    url = reverse(name)
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("name", SETTINGS_URLS)
def test_agents_get_the_friendly_forbidden_page(client, agent, name):
    client.force_login(agent)
    response = client.get(reverse(name))

    assert response.status_code == 403
    assert "workspace/forbidden.html" in [t.name for t in response.templates]


def test_agents_cannot_create_mailboxes_or_rerun_mail(client, agent, rejected):
    client.force_login(agent)

    create = client.post(reverse("messaging:mailbox_create"), {"address": "x@nusantara.test"})
    rerun = client.post(reverse("messaging:inbound_rerun", args=[rejected.pk]))
    download = client.get(reverse("messaging:inbound_download", args=[rejected.pk]))

    assert (create.status_code, rerun.status_code, download.status_code) == (403, 403, 403)
    assert not Mailbox.objects.filter(address="x@nusantara.test").exists()
    assert InboundEmail.objects.get(pk=rejected.pk).attempts == 1


def test_customers_go_to_their_portal(client, customer):
    client.force_login(customer)
    response = client.get(reverse("messaging:inbound_list"))

    assert response.status_code == 302
    assert "/portal/" in response["Location"]


def test_another_organisations_mail_and_mailboxes_are_not_found(client, other_admin, rejected):
    client.force_login(other_admin)
    urls = [
        reverse("messaging:inbound_detail", args=[rejected.pk]),
        reverse("messaging:inbound_download", args=[rejected.pk]),
        reverse("messaging:mailbox_edit", args=[rejected.mailbox_id]),
    ]

    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    assert client.post(reverse("messaging:inbound_rerun", args=[rejected.pk])).status_code == 404
    assert InboundEmail.objects.get(pk=rejected.pk).attempts == 1


def test_another_organisations_mail_is_not_listed(client, other_admin, rejected):
    client.force_login(other_admin)
    response = client.get(reverse("messaging:inbound_list"))

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "nosender@x.test" not in response.content.decode()


def test_the_settings_navigation_links_the_email_screens(admin_client):
    response = admin_client.get(reverse("workspace:settings"))

    html = response.content.decode()
    assert reverse("messaging:mailboxes") in html
    assert reverse("messaging:inbound_list") in html


# --- mailboxes ------------------------------------------------------------------------------


def mailbox_post(**overrides) -> dict:
    data = {
        "address": "Pengaduan@Nusantara.test",
        "name": "Pengaduan",
        "is_active": "on",
        "auto_reply": "on",
        "imap_host": "imap.nusantara.test",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_username": "pengaduan",
        "imap_password": "s3cret-imap",
        "imap_folder": "INBOX",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_an_admin_creates_a_mailbox(admin_client, admin_user, org):
    response = admin_client.post(reverse("messaging:mailbox_create"), mailbox_post())

    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:mailboxes")
    mailbox = Mailbox.objects.get(address="pengaduan@nusantara.test")
    assert mailbox.organisation == org
    assert (mailbox.name, mailbox.imap_host, mailbox.imap_password) == (
        "Pengaduan",
        "imap.nusantara.test",
        "s3cret-imap",
    )
    assert mailbox.is_default  # the organisation's first mailbox sends by default
    assert Event.objects.filter(type="messaging.mailbox.created", actor=admin_user).exists()

    listing = admin_client.get(response["Location"])
    assert "pengaduan@nusantara.test" in listing.content.decode()


def test_the_services_refusal_shows_on_the_form_in_indonesian(admin_client):
    with translation.override("id"):
        response = admin_client.post(
            reverse("messaging:mailbox_create"),
            mailbox_post(address="bantuan+tiket@nusantara.test"),
            HTTP_ACCEPT_LANGUAGE="id",
        )

    assert response.status_code == 400
    errors = response.context["form"].errors["address"]
    assert errors and "+" in errors[0]
    assert not Mailbox.objects.exists()
    # The password typed is not sent back into the page.
    assert "s3cret-imap" not in response.content.decode()


def test_an_address_of_another_organisation_is_refused_on_the_form(admin_client, other_org):
    services.mailbox_create(organisation=other_org, address="pengaduan@nusantara.test")

    response = admin_client.post(reverse("messaging:mailbox_create"), mailbox_post())

    assert response.status_code == 400
    assert response.context["form"].errors["address"]
    assert Mailbox.objects.filter(address="pengaduan@nusantara.test").count() == 1


def test_an_imap_server_needs_a_user_name(admin_client):
    response = admin_client.post(
        reverse("messaging:mailbox_create"), mailbox_post(imap_username="")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["imap_username"]


def test_the_stored_password_never_reaches_the_page(admin_client, mailbox):
    services.mailbox_update(
        mailbox=mailbox, imap_host="imap.x.test", imap_username="u", imap_password="very-secret-pw"
    )

    response = admin_client.get(reverse("messaging:mailbox_edit", args=[mailbox.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "very-secret-pw" not in html
    assert 'name="imap_password"' in html
    assert 'name="imap_password_clear"' in html  # a password is stored: it can be removed


def test_a_blank_password_keeps_the_stored_one(admin_client, mailbox):
    services.mailbox_update(
        mailbox=mailbox, imap_host="imap.x.test", imap_username="u", imap_password="very-secret-pw"
    )
    url = reverse("messaging:mailbox_edit", args=[mailbox.pk])

    response = admin_client.post(
        url,
        mailbox_post(
            address=mailbox.address,
            name="Bantuan Pelanggan",
            imap_password="",
            imap_host="imap.x.test",
            imap_username="u",
        ),
    )

    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.name == "Bantuan Pelanggan"
    assert mailbox.imap_password == "very-secret-pw"


def test_a_new_password_replaces_the_stored_one_and_can_be_removed(admin_client, mailbox):
    url = reverse("messaging:mailbox_edit", args=[mailbox.pk])
    admin_client.post(url, mailbox_post(address=mailbox.address, imap_password="new-one"))
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "new-one"

    admin_client.post(
        url,
        mailbox_post(
            address=mailbox.address,
            imap_host="",
            imap_username="",
            imap_password="",
            imap_password_clear="on",
        ),
    )

    mailbox.refresh_from_db()
    assert (mailbox.imap_host, mailbox.imap_password) == ("", "")


def test_the_list_shows_each_mailboxs_imap_state_and_the_mta_commands(admin_client, mailbox):
    services.mailbox_update(mailbox=mailbox, imap_host="imap.x.test", imap_username="bantuan")
    services.mailbox_poll_recorded(mailbox_id=mailbox.pk, error="LOGIN failed: bad credentials")

    response = admin_client.get(reverse("messaging:mailboxes"))

    html = response.content.decode()
    assert "LOGIN failed: bad credentials" in html
    assert 'class="error-text"' in html
    assert "karcis mailgate --recipient ${recipient}" in html
    assert "<code>bantuan@nusantara.test</code>" in html
    assert "karcis mailserver --lmtp" in html


# --- incoming mail --------------------------------------------------------------------------


def test_the_list_shows_newest_first_with_counts_per_state(admin_client, mailbox, rejected):
    processed = receive(mailbox, email_bytes(message_id="<later@x.test>", subject="Lampu mati"))

    response = admin_client.get(reverse("messaging:inbound_list"))

    rows = list(response.context["page"].object_list)
    assert [row.pk for row in rows] == [processed.pk, rejected.pk]
    counts = {f["value"]: f["count"] for f in response.context["filters"]}
    assert counts == {"": 2, "pending": 0, "processed": 1, "rejected": 1, "failed": 0}
    html = response.content.decode()
    assert processed.ticket.number in html
    assert "Lampu mati" in html


def test_the_list_filters_by_state(admin_client, mailbox, rejected):
    receive(mailbox, email_bytes(message_id="<later@x.test>"))

    response = admin_client.get(reverse("messaging:inbound_list"), {"state": "rejected"})

    assert [row.pk for row in response.context["page"].object_list] == [rejected.pk]


def test_an_unknown_state_shows_everything(admin_client, rejected):
    response = admin_client.get(reverse("messaging:inbound_list"), {"state": "<script>"})

    assert response.status_code == 200
    assert response.context["state"] == ""
    assert response.context["page"].paginator.count == 1


def test_the_list_takes_the_same_queries_for_many_messages(
    admin_client, mailbox, django_assert_num_queries
):
    def fill(start, count):
        for number in range(start, start + count):
            receive(
                mailbox, email_bytes(message_id=f"<m{number}@x.test>", sender=f"s{number}@x.test")
            )

    url = reverse("messaging:inbound_list")
    fill(0, 2)
    admin_client.get(url)  # warm: session, user
    # session, user, the counts per state, the page of rows (with mailbox and ticket)
    with django_assert_num_queries(4):
        admin_client.get(url)
    fill(2, 20)
    with django_assert_num_queries(4):
        response = admin_client.get(url)
    assert len(response.context["page"].object_list) == 22


def test_the_detail_shows_the_headers_as_text_never_the_mail_as_html(admin_client, mailbox):
    message = EmailMessage()
    message["From"] = "=?utf-8?q?Bu_S=C3=BCti?= <suti@example.com>"
    message["To"] = "bantuan@nusantara.test"
    message["Cc"] = "joko@example.com"
    message["Subject"] = "=?utf-8?b?VGFnaWhhbiBzYWxhaCDinJM=?="
    message["Message-ID"] = "<h1@x.test>"
    message["In-Reply-To"] = "<krc.1@nusantara.test>"
    message["References"] = "<a@x.test> <krc.1@nusantara.test>"
    message["Date"] = "Tue, 24 Nov 2026 08:00:00 +0700"
    message.set_content(
        '<script>alert("x")</script><img src="https://tracker.test/p.gif">', subtype="html"
    )
    inbound = receive(mailbox, message.as_bytes())

    response = admin_client.get(reverse("messaging:inbound_detail", args=[inbound.pk]))

    headers = dict(response.context["headers"])
    assert headers["From"] == "Bu Süti <suti@example.com>"
    assert headers["Subject"] == "Tagihan salah ✓"
    assert headers["In-Reply-To"] == "<krc.1@nusantara.test>"
    assert headers["References"] == "<a@x.test> <krc.1@nusantara.test>"
    assert headers["Cc"] == "joko@example.com"
    html = response.content.decode()
    assert '<script>alert("x")' not in html
    assert '<img src="https://tracker.test' not in html
    assert "&lt;script&gt;" in html  # the source is shown, as text
    assert inbound.ticket.number in html


def test_the_detail_survives_any_bytes(admin_client, mailbox):
    inbound = receive(mailbox, b"\xff\xfe\x00garbage\r\nSubject: =?x?q?broken\xe9\r\n\r\n\x00")

    response = admin_client.get(reverse("messaging:inbound_detail", args=[inbound.pk]))

    assert response.status_code == 200


def test_the_original_downloads_as_an_inert_file(admin_client, email_ticket):
    inbound = inbound_of(email_ticket)

    response = admin_client.get(reverse("messaging:inbound_download", args=[inbound.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        f'filename="{email_ticket.number}-email-{inbound.pk}.eml"'
        in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == bytes(inbound_of(email_ticket).raw)


def test_rerun_of_a_rejected_message_says_how_it_went(admin_client, admin_user, rejected):
    url = reverse("messaging:inbound_rerun", args=[rejected.pk])

    response = admin_client.post(url, follow=True)

    rejected.refresh_from_db()
    assert rejected.attempts == 2
    assert rejected.state == InboundState.REJECTED
    assert response.redirect_chain[-1][0] == reverse("messaging:inbound_detail", args=[rejected.pk])
    notices = [str(m) for m in response.context["messages"]]
    assert len(notices) == 1 and rejected.reason in notices[0]
    assert Event.objects.filter(type="messaging.inbound.rerun", actor=admin_user).exists()


def test_rerun_lets_a_held_back_message_through(admin_client, mailbox, settings):
    settings.KARCIS_MAIL_SENDER_LIMIT = 1
    receive(mailbox, email_bytes(message_id="<first@x.test>"))
    held = receive(mailbox, email_bytes(message_id="<second@x.test>", subject="Masih mati"))
    assert held.state == InboundState.REJECTED

    detail = admin_client.get(reverse("messaging:inbound_detail", args=[held.pk]))
    assert reverse("messaging:inbound_rerun", args=[held.pk]) in detail.content.decode()
    response = admin_client.post(reverse("messaging:inbound_rerun", args=[held.pk]), follow=True)

    held.refresh_from_db()
    assert held.state == InboundState.PROCESSED
    assert held.ticket is not None
    html = response.content.decode()
    assert held.ticket.number in html
    # Processed now: no second rerun button.
    assert reverse("messaging:inbound_rerun", args=[held.pk]) not in html


def test_a_processed_message_is_not_run_again(admin_client, email_ticket):
    inbound = inbound_of(email_ticket)

    response = admin_client.post(reverse("messaging:inbound_rerun", args=[inbound.pk]), follow=True)

    inbound.refresh_from_db()
    assert inbound.attempts == 1
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_rerun_only_accepts_post(admin_client, rejected):
    response = admin_client.get(reverse("messaging:inbound_rerun", args=[rejected.pk]))

    assert response.status_code == 405


# --- the original of a message on the ticket page -------------------------------------------


def original_url(ticket) -> str:
    message = Message.objects.filter(ticket=ticket).order_by("id").first()
    return reverse("messaging:message_original", args=[message.pk])


def test_an_agent_who_sees_the_ticket_downloads_its_original(client, agent, email_ticket):
    client.force_login(agent)  # an unrouted ticket is in every agent's triage pool

    response = client.get(original_url(email_ticket))

    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == bytes(inbound_of(email_ticket).raw)


def test_an_agent_outside_the_tickets_team_gets_no_original(
    client, tech_agent, team_billing, email_ticket, admin_user
):
    desk_services.ticket_update(ticket=email_ticket, actor=admin_user, team=team_billing)
    client.force_login(tech_agent)

    assert client.get(original_url(email_ticket)).status_code == 404


def test_customers_and_strangers_never_get_an_original(
    client, customer, other_org_agent, email_ticket
):
    url = original_url(email_ticket)

    assert client.get(url).status_code == 302  # visitors: sign in first
    client.force_login(customer)
    assert client.get(url).status_code == 404
    client.force_login(other_org_agent)
    assert client.get(url).status_code == 404


def test_a_message_that_did_not_come_by_email_has_no_original(client, agent, make_ticket):
    ticket = make_ticket()
    client.force_login(agent)

    assert client.get(original_url(ticket)).status_code == 404


# --- the ticket page ------------------------------------------------------------------------


def test_the_ticket_page_shows_the_email_as_sent(client, agent, email_ticket):
    client.force_login(agent)

    response = client.get(reverse("desk:ticket", args=[email_ticket.number]))

    html = response.content.decode()
    message = Message.objects.get(ticket=email_ticket)
    photo = message.attachments.get()
    photo_url = reverse("desk:attachment", args=[photo.token])
    # the pasted photo in place, not as a cid: link
    assert f'<img src="{photo_url}" alt="modem">' in html
    assert "cid:" not in html
    # shown once: not again among the attachments
    assert html.count(photo_url) == 1
    # the history folded away, kept
    summary = f"<summary>{in_indonesian('Show quoted text')}</summary>"
    assert summary in html
    assert html.index(summary) < html.index("Mohon kirim foto modem Ibu.")
    # the original, for staff
    assert reverse("messaging:message_original", args=[message.pk]) in html
    assert in_indonesian("View original e-mail") in html
    # the CC'd colleague follows the ticket
    assert "Joko Widodo" in html and "joko@example.com" in html


def test_the_ticket_page_shows_each_replys_delivery_state(client, agent, email_ticket):
    client.force_login(agent)
    replies = [
        desk_services.message_add(
            ticket=email_ticket,
            body=body_from(text=f"Balasan {n}"),
            author_user=agent,
            channel=email_ticket.channel,
        )
        for n in range(3)
    ]
    note = desk_services.message_add(
        ticket=email_ticket,
        body=body_from(text="Catatan"),
        author_user=agent,
        kind=MessageKind.NOTE,
    )
    desk_services.message_delivery_set(message=replies[0], state="queued")
    desk_services.message_delivery_set(message=replies[1], state="sent")
    desk_services.message_delivery_set(
        message=replies[2], state="failed", detail="550 5.1.1 Mailbox unavailable"
    )

    response = client.get(reverse("desk:ticket", args=[email_ticket.number]))

    html = response.content.decode()
    assert in_indonesian("Queued", "e-mail delivery") in html
    assert in_indonesian("Sent", "e-mail delivery") in html
    failed = in_indonesian("Not delivered: %(detail)s", "e-mail delivery")
    assert failed % {"detail": "550 5.1.1 Mailbox unavailable"} in html
    # in words for screen readers too, not only a colour
    assert html.count(f'<span class="sr-only">{in_indonesian("E-mail:")} </span>') == 3
    assert html.count("badge delivery delivery-") == 3
    note_html = html[html.index(f'id="message-{note.pk}"') :]
    note_html = note_html[: note_html.index("</article>")]
    assert "delivery-" not in note_html
    # agents' replies have no original to download
    assert reverse("messaging:message_original", args=[replies[0].pk]) not in html


def test_the_originals_of_a_conversation_cost_one_query(
    client, agent, mailbox, email_ticket, django_assert_max_num_queries
):
    for n in range(5):
        receive(
            mailbox,
            email_bytes(message_id=f"<more{n}@x.test>", In_Reply_To="<b2@mail.example.com>"),
        )
    assert Message.objects.filter(ticket=email_ticket).count() == 6
    client.force_login(agent)
    url = reverse("desk:ticket", args=[email_ticket.number])

    with django_assert_max_num_queries(60) as captured:
        response = client.get(url)

    inbound_queries = [q for q in captured.captured_queries if "inboundemail" in q["sql"]]
    assert len(inbound_queries) == 1
    linked = [message for message in response.context["conversation"] if message.extra_links]
    assert len(linked) == 6


# --- the portal -----------------------------------------------------------------------------


def test_the_portal_shows_inline_photos_by_its_own_url_and_folds_the_quote(
    client, org, email_ticket
):
    token = tracking_token(ticket=email_ticket)

    response = client.get(reverse("portal:ticket", kwargs={"org": org.slug, "token": token}))

    html = response.content.decode()
    photo = Message.objects.get(ticket=email_ticket).attachments.get()
    file_url = reverse(
        "portal:ticket_file", kwargs={"org": org.slug, "token": token, "file_token": photo.token}
    )
    assert f'<img src="{file_url}" alt="modem">' in html
    assert reverse("desk:attachment", args=[photo.token]) not in html
    assert f"<summary>{in_indonesian('Show quoted text')}</summary>" in html
    assert in_indonesian("View original e-mail") not in html
    assert "original.eml" not in html


# --- cid: images ----------------------------------------------------------------------------


class _File:
    def __init__(self, content_id, is_image=True):
        self.content_id, self.is_image = content_id, is_image


def test_cid_images_take_the_url_of_their_part():
    files = [(_File("Foto1@Siti"), "/portal/x/files/abc/"), (_File("doc@x", False), "/doc/")]
    body = (
        '<p>a <img src="cid:foto1@siti"> b <img src="cid:%3Cfoto1@siti%3E"> '
        '<img src="cid:doc@x"> <img src="cid:unknown@x"></p>'
    )

    out = str(portal_inline(body, files))

    assert out.count('src="/portal/x/files/abc/"') == 2
    assert '<img src="cid:doc@x">' in out  # not an image: no inline preview
    assert '<img src="cid:unknown@x">' in out  # unmatched: stays broken, never remote


def test_only_img_src_is_rewritten():
    body = '<p>src="cid:a@b"</p><a href="cid:a@b">x</a>'

    assert str(_inline(body, {"a@b": "/f/1/"})) == body


def test_a_url_with_quotes_cannot_break_out_of_the_attribute():
    out = str(_inline('<img src="cid:a@b">', {"a@b": '/f/"onerror="x/'}))

    assert out == '<img src="/f/&quot;onerror=&quot;x/">'


def test_no_html_gives_no_html():
    assert str(_inline("", {"a": "/b/"})) == ""
    assert str(portal_inline(None, [])) == ""


def test_the_time_zone_is_the_organisations(admin_client, org, rejected):
    InboundEmail.objects.filter(pk=rejected.pk).update(
        received_at=datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    )

    response = admin_client.get(reverse("messaging:inbound_detail", args=[rejected.pk]))

    assert "24 Nov 2026, 08:00 WIB" in response.content.decode()
