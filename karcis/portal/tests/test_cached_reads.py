"""The portal's cached reads (portal.selectors): what a submission costs in statements, and
that a change to the organisation or its form's settings shows at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karcis.core import services as core_services
from karcis.desk import services as desk_services
from karcis.desk.models import Ticket
from karcis.messaging.models import Delivery
from karcis.portal.tests.conftest import portal_url
from karcis.portal.tests.test_submit import form_data

pytestmark = pytest.mark.django_db

# A ticket from an anonymous visitor who types a new address, once the portal's reads are
# cached (an earlier page of the portal filled them), in the test's transaction (so the
# atomic blocks are savepoints; the automatic reply is sent after the commit, elsewhere):
#
#   1  SAVEPOINT                      web_ticket_submit's transaction
#   2  SELECT contact identity        contact_resolve: is the address known?
#   3  INSERT contact                   no: a new contact
#   4  INSERT contact identity          and its address, unless a parallel request has it
#   5  UPDATE sequence … RETURNING    ticket_create: the ticket's number
#   6  INSERT ticket                   (with its search document)
#   7  INSERT message
#   8  INSERT event                    desk.ticket.created, handed to messaging with the
#                                     ticket and its requester in hand (nothing read again)
#   9  INSERT delivery                messaging's automatic reply in the outbox, from the
#                                     default mailbox (cached with the organisation's
#                                     addresses: messaging.selectors)
#  10  INSERT e-mail Message-ID         its Message-ID, for threading the answer
#  11  RELEASE SAVEPOINT
#
# Nothing about the organisation, its categories or custom fields: they were 3 more.
SUBMISSION_STATEMENTS = 11
# SQLite (the default test database) has no UPDATE … RETURNING here and keeps the search
# document in a separate table: a SELECT of the number, an INSERT of the search row.
SQLITE_EXTRA = {"sqlite": 2}


def test_a_visitor_s_ticket_costs_pinned_statements(client, org, mailbox):
    desk_services.category_create(organisation=org, name="Tagihan")
    desk_services.custom_field_create(
        organisation=org, key="meter", label="Nomor meter", kind="text", visible_to_customer=True
    )
    # The first ticket fills the cached reads (and makes the number sequence's row).
    first = client.post(
        portal_url(org, "new/"), form_data(email="pertama@example.com", cf_meter="1")
    )
    assert first.status_code == 302
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            portal_url(org, "new/"),
            form_data(email="baru@example.com", phone=None, cf_meter="123"),
        )
    assert response.status_code == 302
    ticket = Ticket.objects.get(requester__identities__value="baru@example.com")
    assert Delivery.objects.filter(ticket=ticket).count() == 1
    expected = SUBMISSION_STATEMENTS + SQLITE_EXTRA.get(connection.vendor, 0)
    assert len(queries) == expected, "\n".join(q["sql"][:120] for q in queries)


def test_a_renamed_organisation_is_found_by_its_new_slug_only(client, org):
    assert client.get(portal_url(org)).status_code == 200  # cached under "nusantara"
    org.slug = "nusantara-baru"
    org.save()  # as the Django admin does: the services never change a slug
    assert client.get("/portal/nusantara/").status_code == 404
    assert client.get("/portal/nusantara-baru/").status_code == 200


def test_an_overlong_slug_is_404_without_a_query(client, org, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/portal/" + "a" * 61 + "/").status_code == 404


def test_a_changed_organisation_shows_at_once(client, org, admin_user):
    client.get(portal_url(org))
    core_services.organisation_update(organisation=org, actor=admin_user, name="PT Baru Jaya")
    assert "PT Baru Jaya" in client.get(portal_url(org)).content.decode()


def test_a_removed_organisation_is_404_at_once(client, other_org):
    assert client.get(portal_url(other_org)).status_code == 200
    other_org.delete()
    assert client.get(portal_url(other_org)).status_code == 404


def test_categories_changed_in_settings_show_at_once(client, org, admin_user):
    billing = desk_services.category_create(organisation=org, name="Tagihan")
    assert ">Tagihan<" in client.get(portal_url(org, "new/")).content.decode()
    desk_services.category_create(organisation=org, name="Gangguan", actor=admin_user)
    desk_services.category_update(category=billing, is_active=False, actor=admin_user)
    html = client.get(portal_url(org, "new/")).content.decode()
    assert ">Gangguan<" in html and ">Tagihan<" not in html


def test_custom_fields_changed_in_settings_show_at_once(client, org, admin_user):
    field = desk_services.custom_field_create(
        organisation=org, key="meter", label="Nomor meter", kind="text", visible_to_customer=True
    )
    assert 'name="cf_meter"' in client.get(portal_url(org, "new/")).content.decode()
    desk_services.custom_field_update(field=field, visible_to_customer=False, actor=admin_user)
    assert 'name="cf_meter"' not in client.get(portal_url(org, "new/")).content.decode()


def test_a_deployment_may_raise_the_limit_per_client(client, org, settings):
    from karcis.portal.throttle import SUBMISSIONS_PER_CLIENT

    settings.KARCIS_PORTAL_LIMITS = {"submit": SUBMISSIONS_PER_CLIENT.limit + 2}
    for number in range(SUBMISSIONS_PER_CLIENT.limit + 2):
        response = client.post(portal_url(org, "new/"), form_data(email=f"o{number}@example.com"))
        assert response.status_code == 302
    response = client.post(portal_url(org, "new/"), form_data(email="lagi@example.com"))
    assert response.status_code == 429
