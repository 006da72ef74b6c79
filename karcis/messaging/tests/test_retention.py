"""Raw mail is kept for a retention period, then purged by a daily job per organisation;
what an admin flagged stays; the tickets and messages made from the mail stay."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from conftest import email_bytes
from karcis.core import schedule
from karcis.core.models import Event, ScheduledRun
from karcis.messaging import services
from karcis.messaging.models import InboundEmail, InboundState


def received(mailbox, *, days_ago, subject="Tagihan salah", message_id=None):
    inbound = services.inbound_receive(
        mailbox=mailbox,
        raw=email_bytes(subject=subject, message_id=message_id or f"<{subject}.{days_ago}@x>"),
        source="smtp",
    )
    InboundEmail.objects.filter(pk=inbound.pk).update(
        received_at=timezone.now() - timedelta(days=days_ago)
    )
    return InboundEmail.objects.get(pk=inbound.pk)


def test_old_raw_mail_is_purged_and_the_ticket_stays(org, mailbox, settings):
    settings.KARCIS_MAIL_RAW_RETENTION_DAYS = 90
    old = received(mailbox, days_ago=91, subject="Lama")
    recent = received(mailbox, days_ago=10, subject="Baru")
    assert old.state == InboundState.PROCESSED and old.ticket is not None

    assert services.inbound_raw_purge(organisation=org) == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert bytes(old.raw) == b"" and old.raw_purged_at is not None
    assert old.size > 0 and old.subject == "Lama"  # what was parsed out stays
    assert old.ticket.messages.count() == 1
    assert bytes(recent.raw) != b"" and recent.raw_purged_at is None
    event = Event.objects.get(type="messaging.inbound.raw_purged")
    assert event.payload["count"] == 1
    # Run again: nothing more to do, and no event
    assert services.inbound_raw_purge(organisation=org) == 0
    assert Event.objects.filter(type="messaging.inbound.raw_purged").count() == 1


def test_kept_and_unprocessed_mail_stay(org, mailbox, admin_user, settings):
    settings.KARCIS_MAIL_RAW_RETENTION_DAYS = 30
    kept = received(mailbox, days_ago=40, subject="Bukti")
    services.inbound_keep_set(inbound=kept, actor=admin_user, keep=True)
    waiting = received(mailbox, days_ago=40, subject="Menunggu")
    InboundEmail.objects.filter(pk=waiting.pk).update(state=InboundState.PENDING)

    assert services.inbound_raw_purge(organisation=org) == 0

    assert bytes(InboundEmail.objects.get(pk=kept.pk).raw) != b""
    assert bytes(InboundEmail.objects.get(pk=waiting.pk).raw) != b""
    assert Event.objects.filter(type="messaging.inbound.keep_changed").count() == 1


def test_zero_days_keeps_everything(org, mailbox, settings):
    settings.KARCIS_MAIL_RAW_RETENTION_DAYS = 0
    received(mailbox, days_ago=3650)

    assert services.inbound_raw_purge(organisation=org) == 0


def test_each_organisation_purges_only_its_own(org, other_org, mailbox, settings):
    settings.KARCIS_MAIL_RAW_RETENTION_DAYS = 90
    theirs = services.mailbox_create(organisation=other_org, address="cs@other.test", name="CS")
    mine = received(mailbox, days_ago=100, subject="Milik kami")
    other = received(theirs, days_ago=100, subject="Milik mereka")

    assert services.inbound_raw_purge(organisation=other_org) == 1

    assert InboundEmail.objects.get(pk=mine.pk).raw_purged_at is None
    assert InboundEmail.objects.get(pk=other.pk).raw_purged_at is not None


def test_the_daily_job_runs_it_per_organisation(org, mailbox, settings):
    settings.KARCIS_MAIL_RAW_RETENTION_DAYS = 90
    assert "purge-raw-mail" in schedule.calendar_jobs()
    old = received(mailbox, days_ago=120)
    # 03:30 in Jakarta
    now = datetime(2026, 12, 1, 20, 31, tzinfo=UTC)

    schedule.calendar_jobs_run_due(now=now)

    run = ScheduledRun.objects.get(job="purge-raw-mail", organisation=org)
    assert run.error == ""
    assert InboundEmail.objects.get(pk=old.pk).raw_purged_at is not None


def test_a_purged_message_cannot_be_kept_or_run_again(org, mailbox, admin_user, settings):
    from django.core.exceptions import ValidationError

    settings.KARCIS_MAIL_RAW_RETENTION_DAYS = 90
    old = received(mailbox, days_ago=100)
    InboundEmail.objects.filter(pk=old.pk).update(state=InboundState.FAILED)
    services.inbound_raw_purge(organisation=org)
    old.refresh_from_db()

    with pytest.raises(ValidationError):
        services.inbound_keep_set(inbound=old, actor=admin_user, keep=True)
    with pytest.raises(ValidationError):
        services.inbound_rerun(inbound=old, actor=admin_user)


# --- Settings → Incoming mail --------------------------------------------------------------


def test_an_admin_flags_a_message_to_keep_and_unflags_it(client, admin_user, mailbox):
    inbound = received(mailbox, days_ago=1)
    client.force_login(admin_user)
    url = f"/settings/incoming-mail/{inbound.pk}/"

    page = client.get(url).content.decode()
    assert "Simpan sumber asli" in page and "Disimpan 90 hari sejak diterima" in page

    response = client.post(url + "keep/", {"keep": "1"})
    assert response.status_code == 302
    assert InboundEmail.objects.get(pk=inbound.pk).keep
    assert "Disimpan melewati masa simpan" in client.get(url).content.decode()

    client.post(url + "keep/", {"keep": "0"})
    assert not InboundEmail.objects.get(pk=inbound.pk).keep


def test_the_keep_flag_is_for_admins_of_the_organisation(client, agent, other_org_agent, mailbox):
    inbound = received(mailbox, days_ago=1)
    url = f"/settings/incoming-mail/{inbound.pk}/keep/"

    client.force_login(agent)
    assert client.post(url, {"keep": "1"}).status_code == 403
    client.force_login(other_org_agent)
    assert client.post(url, {"keep": "1"}).status_code in (403, 404)
    assert client.get(url).status_code in (403, 405)
    assert not InboundEmail.objects.get(pk=inbound.pk).keep


def test_the_pages_say_the_source_was_purged(client, admin_user, agent, mailbox, settings):
    settings.KARCIS_MAIL_RAW_RETENTION_DAYS = 90
    inbound = received(mailbox, days_ago=100, subject="Sudah lama")
    services.inbound_raw_purge(organisation=mailbox.organisation)
    client.force_login(admin_user)

    detail = client.get(f"/settings/incoming-mail/{inbound.pk}/").content.decode()
    assert "Sumber pesan ini sudah dihapus setelah masa simpan" in detail
    assert "original.eml" not in detail and "Simpan sumber asli" not in detail
    assert "Sumber dihapus" in client.get("/settings/incoming-mail/").content.decode()
    assert client.get(f"/settings/incoming-mail/{inbound.pk}/original.eml").status_code == 404
    # The ticket page no longer offers the original
    message = inbound.desk_message
    assert client.get(f"/desk/messages/{message.pk}/original.eml").status_code == 404
    ticket_page = client.get(f"/desk/tickets/{inbound.ticket.number}/").content.decode()
    assert f"/desk/messages/{message.pk}/original.eml" not in ticket_page
