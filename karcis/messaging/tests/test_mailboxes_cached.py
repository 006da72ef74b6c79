"""The organisation's mailboxes, cached for every new ticket's automatic reply
(messaging.selectors): read once, and any change to a mailbox seen at once."""

import pytest

from karcis.messaging import services
from karcis.messaging.models import Mailbox
from karcis.messaging.selectors import default_mailbox, mailbox_addresses_of

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
