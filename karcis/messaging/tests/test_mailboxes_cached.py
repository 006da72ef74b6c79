"""The organisation's mailboxes, cached for every new ticket's automatic reply
(messaging.selectors): read once, and any change to a mailbox seen at once."""

import pytest

from karcis.messaging import services
from karcis.messaging.models import Mailbox
from karcis.messaging.selectors import (
    default_mailbox,
    mailbox_addresses_of,
    mailbox_for_recipient,
    mailbox_for_recipient_cached,
)

pytestmark = pytest.mark.django_db


def test_read_once_then_from_the_cache(org, mailbox, django_assert_num_queries):
    default_mailbox(organisation_id=org.pk)
    with django_assert_num_queries(0):
        assert default_mailbox(organisation_id=org.pk) == mailbox
        assert mailbox_addresses_of(organisation_id=org.pk) == {"bantuan@nusantara.test"}


def test_every_change_to_a_mailbox_shows_at_once(org, mailbox):
    assert default_mailbox(organisation_id=org.pk) == mailbox
    other = services.mailbox_create(organisation=org, address="pengaduan@nusantara.test")
    assert mailbox_addresses_of(organisation_id=org.pk) == {
        "bantuan@nusantara.test",
        "pengaduan@nusantara.test",
    }
    services.mailbox_update(mailbox=mailbox, is_active=False)
    assert default_mailbox(organisation_id=org.pk) is None
    # as the Django admin or a shell would
    Mailbox.objects.get(pk=other.pk).delete()
    assert mailbox_addresses_of(organisation_id=org.pk) == {"bantuan@nusantara.test"}


# --- the recipient the mail server accepts (mailbox_for_recipient) ------------------------


def test_a_known_recipient_is_answered_from_the_cache(mailbox, django_assert_num_queries):
    # given the address looked up once (the organisation's mailboxes read with it)
    assert mailbox_for_recipient("Bantuan@Nusantara.test") == mailbox
    with django_assert_num_queries(0):
        assert mailbox_for_recipient("<bantuan+krc-000001.0123456789@nusantara.test>") == mailbox
        assert mailbox_for_recipient_cached("bantuan@nusantara.test") == mailbox


def test_without_the_cache_the_event_loop_path_says_nothing(mailbox, django_assert_num_queries):
    # The mail server asks mailbox_for_recipient_cached on its event loop: never the database.
    with django_assert_num_queries(0):
        assert mailbox_for_recipient_cached("bantuan@nusantara.test") is None
        assert mailbox_for_recipient_cached("not an address") is None


def test_unknown_recipients_are_always_looked_up(mailbox, org, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert mailbox_for_recipient("nobody@nusantara.test") is None
    # a new mailbox receives from its first message
    added = services.mailbox_create(organisation=org, address="pengaduan@nusantara.test")
    assert mailbox_for_recipient("pengaduan@nusantara.test") == added


def test_a_mailbox_switched_off_renamed_or_deleted_stops_receiving_at_once(mailbox, other_org):
    assert mailbox_for_recipient("bantuan@nusantara.test") == mailbox
    services.mailbox_update(mailbox=mailbox, is_active=False)
    assert mailbox_for_recipient("bantuan@nusantara.test") is None
    assert mailbox_for_recipient_cached("bantuan@nusantara.test") is None

    services.mailbox_update(mailbox=mailbox, is_active=True)
    assert mailbox_for_recipient("bantuan@nusantara.test") == mailbox
    services.mailbox_update(mailbox=mailbox, address="layanan@nusantara.test")
    assert mailbox_for_recipient("bantuan@nusantara.test") is None
    assert mailbox_for_recipient("layanan@nusantara.test") == mailbox

    # the address deleted in one organisation and taken by another: the cached hint
    # (which organisation it was) is checked, not believed
    Mailbox.objects.get(pk=mailbox.pk).delete()
    assert mailbox_for_recipient_cached("layanan@nusantara.test") is None
    moved = services.mailbox_create(organisation=other_org, address="layanan@nusantara.test")
    assert mailbox_for_recipient("layanan@nusantara.test") == moved
    assert mailbox_for_recipient("layanan@nusantara.test").organisation_id == other_org.pk
