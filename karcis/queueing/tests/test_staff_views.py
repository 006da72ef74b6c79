"""The staff's queue pages through HTTP: the overview at /queue/ and a counter's console with
its actions; who may open them; their statements stay flat as the lines grow.

The service point here keeps no calendar (and the organisation has none): it is open around
the clock, so the pages, which work at the real present moment, always find it open."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import login
from karcis.core.models import Event
from karcis.core.services import custom_role_create, staff_user_create
from karcis.queueing import services
from karcis.queueing.models import QueueStatus, QueueTicket
from karcis.workspace.navigation import sections_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def point(org, admin_user):
    return services.point_create(
        organisation=org, actor=admin_user, name="Puskesmas Melati", slug="melati"
    )


@pytest.fixture
def general(point, admin_user):
    return services.service_create(point=point, actor=admin_user, name="Poli Umum", prefix="A")


@pytest.fixture
def dental(point, admin_user):
    return services.service_create(point=point, actor=admin_user, name="Poli Gigi", prefix="B")


@pytest.fixture
def counter(point, admin_user, general, dental):
    return services.counter_create(
        point=point, actor=admin_user, name="Loket 1", code="1", services=[general.pk, dental.pk]
    )


@pytest.fixture
def counter2(point, admin_user, general, dental):
    return services.counter_create(
        point=point, actor=admin_user, name="Loket 2", code="2", services=[dental.pk]
    )


def take(service, **person):
    return services.ticket_take(service=service, channel="kiosk", person=services.Person(**person))


def console_url(counter, action=None):
    if action is None:
        return reverse("queueing:counter_console", kwargs={"pk": counter.pk})
    return reverse("queueing:counter_action", kwargs={"pk": counter.pk, "action": action})


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


HTMX = {"HTTP_HX_REQUEST": "true"}


# --- who may see what ------------------------------------------------------------------------


def test_the_queue_section_is_offered_to_queue_staff_only(org, agent, admin_user, customer):
    assert "queue" in [section["key"] for section in sections_for(agent)]
    assert "queue" in [section["key"] for section in sections_for(admin_user)]
    analyst_role = custom_role_create(
        organisation=org,
        name="Analis",
        capabilities=["queueing.analytics.view"],
        actor=admin_user,
    )
    analyst = staff_user_create(
        organisation=org, email="analis@nusantara.test", name="Analis", role=analyst_role.key
    )
    assert "queue" in [section["key"] for section in sections_for(analyst)]
    desk_only = custom_role_create(
        organisation=org, name="Meja", capabilities=["desk.ticket.view"], actor=admin_user
    )
    clerk = staff_user_create(
        organisation=org, email="meja@nusantara.test", name="Meja", role=desk_only.key
    )
    assert "queue" not in [section["key"] for section in sections_for(clerk)]


@pytest.mark.parametrize("url", ["/queue/", "/queue/counters/{pk}/", "/queue/counters/{pk}/lines/"])
def test_visitors_sign_in_and_customers_go_to_their_portal(client, customer, counter, url):
    url = url.format(pk=counter.pk)
    answer = client.get(url)
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    login(client, customer)
    answer = client.get(url)
    assert answer.status_code == 302 and "/portal/" in answer["Location"]


def test_actions_refuse_visitors_and_customers(client, customer, counter):
    answer = client.post(console_url(counter, "call-next"))
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    login(client, customer)
    assert client.post(console_url(counter, "open")).status_code == 302
    counter.refresh_from_db()
    assert not counter.is_open


def test_staff_without_the_capability_are_refused(client, org, admin_user, counter):
    role = custom_role_create(
        organisation=org,
        name="Analis",
        capabilities=["queueing.analytics.view"],
        actor=admin_user,
    )
    analyst = staff_user_create(
        organisation=org, email="analis@nusantara.test", name="Analis", role=role.key
    )
    login(client, analyst)
    assert client.get("/queue/").status_code == 200  # the overview, without consoles
    assert client.get(console_url(counter)).status_code == 403
    assert client.post(console_url(counter, "open")).status_code == 403
    counter.refresh_from_db()
    assert not counter.is_open


def test_another_organisations_counter_is_not_found(client, other_org_agent, counter):
    login(client, other_org_agent)
    assert client.get(console_url(counter)).status_code == 404
    assert client.get(f"/queue/counters/{counter.pk}/lines/").status_code == 404
    assert client.post(console_url(counter, "open")).status_code == 404
    assert "Puskesmas Melati" not in client.get("/queue/").content.decode()


def test_an_unknown_action_is_not_found(client, agent, counter):
    login(client, agent)
    assert client.post(console_url(counter, "explode")).status_code == 404
    assert client.get(console_url(counter, "open")).status_code == 405


# --- the overview ------------------------------------------------------------------------------


def test_the_overview_shows_counters_lines_and_links(client, agent, admin_user, counter, general):
    take(general)
    take(general)
    services.counter_open(counter=counter, actor=agent)
    called = services.counter_call_next(counter=counter, actor=agent)
    take(general)
    login(client, agent)
    page = client.get("/queue/").content.decode()
    assert "Puskesmas Melati" in page and "Loket 1" in page and "Budi Santoso" in page
    assert called.number in page
    assert "2 menunggu" in page
    assert console_url(counter) in page
    assert "/antrean/nusantara/melati/" in page  # the public page, with online booking
    assert point_settings_url(counter) not in page  # agents do not manage
    login(client, admin_user)
    assert point_settings_url(counter) in client.get("/queue/").content.decode()


def point_settings_url(counter):
    return reverse("queueing:settings_point", kwargs={"pk": counter.point_id})


def test_the_overview_keeps_its_statement_count_as_points_and_lines_grow(
    client, agent, admin_user, org, counter, general, django_assert_num_queries
):
    take(general)
    login(client, agent)
    count = queries_of(client, "/queue/")
    for index in range(3):
        other = services.point_create(
            organisation=org, actor=admin_user, name=f"Kantor {index}", slug=f"kantor-{index}"
        )
        service = services.service_create(point=other, actor=admin_user, name="KTP", prefix="K")
        other_counter = services.counter_create(
            point=other, actor=admin_user, name="Loket", code="1", services=[service.pk]
        )
        for _ in range(3):
            take(service)
        services.counter_open(counter=other_counter, actor=admin_user)
        services.counter_call_next(counter=other_counter, actor=admin_user)
    with django_assert_num_queries(count):
        client.get("/queue/")


def test_an_empty_overview_invites_a_manager_to_create_a_point(client, admin_user, agent):
    login(client, admin_user)
    page = client.get("/queue/").content.decode()
    assert reverse("queueing:settings_point_create") in page
    login(client, agent)
    assert reverse("queueing:settings_point_create") not in client.get("/queue/").content.decode()


# --- the console ---------------------------------------------------------------------------------


def test_the_console_signs_in_calls_starts_and_finishes(client, agent, counter, general):
    first = take(general, name="Siti Aminah", phone="0812 3456 7890")
    second = take(general)
    login(client, agent)
    page = client.get(console_url(counter)).content.decode()
    assert "Masuk ke loket ini" in page and first.number in page
    assert client.post(console_url(counter, "open")).status_code == 302
    counter.refresh_from_db()
    assert counter.is_open and counter.staff == agent
    # With htmx: the console comes back as it now is, its buttons ready.
    client.post(console_url(counter, "close"), **HTMX)
    page = client.post(console_url(counter, "open"), **HTMX).content.decode()
    assert "Anda sudah masuk ke Loket 1." in page and 'data-action="call-next"' in page
    assert "Keluar dari loket" in page

    answer = client.post(console_url(counter, "call-next"), {"seen": "0"}, **HTMX)
    assert answer.status_code == 200
    page = answer.content.decode()
    assert f"{first.number} dipanggil." in page
    assert "Siti Aminah" in page and "••• 7890" in page and "3456" not in page
    assert 'id="console"' in page and "<html" not in page  # the fragment only

    assert client.post(console_url(counter, "start"), **HTMX).status_code == 200
    first.refresh_from_db()
    assert first.status == QueueStatus.SERVING
    assert client.post(console_url(counter, "finish"), **HTMX).status_code == 200
    first.refresh_from_db()
    assert first.status == QueueStatus.DONE

    # Without JavaScript: a redirect back to the console, the message on the next page.
    answer = client.post(console_url(counter, "call-next"), {"seen": "0"})
    assert answer.status_code == 302 and answer["Location"] == console_url(counter)
    assert f"{second.number} dipanggil." in client.get(console_url(counter)).content.decode()


def test_a_double_click_on_call_next_calls_one_person(client, agent, counter, general):
    first, second = take(general), take(general)
    services.counter_open(counter=counter, actor=agent)
    login(client, agent)
    # Both clicks were sent from a console that showed nobody at the counter.
    for _ in range(2):
        answer = client.post(console_url(counter, "call-next"), {"seen": "0"}, **HTMX)
        assert answer.status_code == 200
        assert f"{first.number} dipanggil." in answer.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == QueueStatus.CALLED and second.status == QueueStatus.WAITING
    assert Event.objects.filter(type="queueing.ticket.called").count() == 1
    # The console now shows the first person: its next press finishes them and calls on.
    client.post(console_url(counter, "call-next"), {"seen": str(first.pk)}, **HTMX)
    second.refresh_from_db()
    assert second.status == QueueStatus.CALLED


def test_recall_no_show_and_an_empty_line(client, agent, counter, general):
    ticket = take(general)
    services.counter_open(counter=counter, actor=agent)
    login(client, agent)
    client.post(console_url(counter, "call-next"), {"seen": "0"}, **HTMX)
    answer = client.post(console_url(counter, "recall"), **HTMX)
    assert f"{ticket.number} dipanggil lagi." in answer.content.decode()
    client.post(console_url(counter, "no-show"), **HTMX)
    ticket.refresh_from_db()
    assert ticket.status == QueueStatus.NO_SHOW and ticket.calls == 2
    answer = client.post(console_url(counter, "call-next"), {"seen": "0"}, **HTMX)
    assert "Tidak ada yang menunggu loket ini." in answer.content.decode()


def test_park_and_resume(client, agent, counter, general):
    one, two = take(general), take(general)
    services.counter_open(counter=counter, actor=agent)
    login(client, agent)
    client.post(console_url(counter, "call-next"), {"seen": "0"}, **HTMX)
    client.post(console_url(counter, "start"), **HTMX)
    page = client.post(console_url(counter, "park"), **HTMX).content.decode()
    assert "Lanjutkan " + one.number in page
    client.post(console_url(counter, "call-next"), {"seen": "0"}, **HTMX)
    # Resuming while another person is at the counter is refused, and said so.
    answer = client.post(console_url(counter, "resume"), {"ticket": one.pk}, **HTMX)
    assert answer.status_code == 409
    assert f"Selesaikan atau tunda {two.number} dulu." in answer.content.decode()
    client.post(console_url(counter, "finish"), **HTMX)
    assert (
        client.post(console_url(counter, "resume"), {"ticket": one.pk}, **HTMX).status_code == 200
    )
    one.refresh_from_db()
    assert one.status == QueueStatus.SERVING


def test_transfer_to_another_service_and_counter(client, agent, counter, counter2, general, dental):
    ticket = take(general, name="Siti Aminah")
    services.counter_open(counter=counter, actor=agent)
    login(client, agent)
    client.post(console_url(counter, "call-next"), {"seen": "0"}, **HTMX)
    answer = client.post(
        console_url(counter, "transfer"),
        {"service": dental.pk, "to_counter": counter2.pk},
        **HTMX,
    )
    assert answer.status_code == 200
    moved = QueueTicket.objects.get(transferred_from=ticket)
    assert moved.service == dental and moved.counter == counter2 and moved.name == "Siti Aminah"
    assert f"{moved.number}" in answer.content.decode()


def test_refusals_are_said_clearly(client, agent, admin_user, org, counter, general, dental):
    take(general)
    login(client, agent)
    # A closed counter calls nobody: 409 for htmx, a redirect with the message otherwise.
    answer = client.post(console_url(counter, "call-next"), {"seen": "0"}, **HTMX)
    assert answer.status_code == 409
    assert "Buka loket dulu (masuk ke loket)." in answer.content.decode()
    answer = client.post(console_url(counter, "start"))
    assert answer.status_code == 302
    assert "Buka loket dulu" in client.get(console_url(counter)).content.decode()
    # Nothing called: nothing to start, finish or transfer.
    services.counter_open(counter=counter, actor=agent)
    answer = client.post(console_url(counter, "start"), **HTMX)
    assert answer.status_code == 409
    answer = client.post(console_url(counter, "transfer"), {"service": dental.pk}, **HTMX)
    assert answer.status_code == 409
    # A bad choice of service or counter: 400, nothing moved.
    client.post(console_url(counter, "call-next"), {"seen": "0"}, **HTMX)
    other = services.point_create(organisation=org, actor=admin_user, name="Lain", slug="lain")
    elsewhere = services.service_create(point=other, actor=admin_user, name="X", prefix="X")
    for data in (
        {"service": elsewhere.pk},
        {"service": "abc"},
        {"service": dental.pk, "to_counter": "999999"},
    ):
        answer = client.post(console_url(counter, "transfer"), data, **HTMX)
        assert answer.status_code == 400, data
    assert not QueueTicket.objects.filter(status=QueueStatus.TRANSFERRED).exists()
    answer = client.post(console_url(counter, "resume"), {"ticket": "x"}, **HTMX)
    assert answer.status_code == 409


def test_signing_out_and_taking_over(client, agent, admin_user, counter):
    services.counter_open(counter=counter, actor=admin_user)
    login(client, agent)
    page = client.get(console_url(counter)).content.decode()
    assert "Ambil alih loket ini" in page and "Rina Admin" in page
    assert 'data-action="call-next"' not in page  # not theirs: no buttons to act with
    client.post(console_url(counter, "open"), **HTMX)
    counter.refresh_from_db()
    assert counter.staff == agent
    page = client.post(console_url(counter, "close"), **HTMX).content.decode()
    counter.refresh_from_db()
    assert not counter.is_open and counter.staff is None
    assert "Masuk ke loket ini" in page and 'data-action="call-next"' not in page


def test_the_console_shows_lines_in_the_counters_order_with_early_arrivals(
    client, agent, counter, general, dental
):
    b1 = take(dental)
    a1 = take(general)
    login(client, agent)
    page = client.get(console_url(counter)).content.decode()
    assert page.index("Poli Umum") < page.index("Poli Gigi")
    assert page.index(a1.number) < page.index(b1.number)
    lines = client.get(f"/queue/counters/{counter.pk}/lines/")
    assert lines.status_code == 200 and 'id="console-lines"' in lines.content.decode()
    # An early arrival (checked in before the slot) is marked.
    QueueTicket.objects.filter(pk=a1.pk).update(
        status=QueueStatus.ARRIVED, queued_at=a1.queued_at + timedelta(hours=2)
    )
    assert "Datang awal" in client.get(f"/queue/counters/{counter.pk}/lines/").content.decode()


def test_the_console_has_shortcuts_on_its_buttons(client, agent, counter, general):
    take(general)
    services.counter_open(counter=counter, actor=agent)
    services.counter_call_next(counter=counter, actor=agent)
    login(client, agent)
    page = client.get(console_url(counter)).content.decode()
    for action, key in (
        ("call-next", "N"),
        ("recall", "R"),
        ("no-show", "X"),
        ("start", "S"),
        ("finish", "F"),
        ("park", "P"),
        ("transfer", "T"),
    ):
        assert (
            f'data-action="{action}" data-shortcut="{key.lower()}" aria-keyshortcuts="{key}"'
            in page
        )
    assert f'data-socket="/ws/queue/counters/{counter.pk}/"' in page
    assert 'hx-trigger="every 20s, queue-changed from:body"' in page


def test_the_console_keeps_its_statement_count_as_the_lines_grow(
    client, agent, counter, general, dental, django_assert_num_queries
):
    take(general, name="Siti")
    services.counter_open(counter=counter, actor=agent)
    services.counter_call_next(counter=counter, actor=agent)
    services.counter_park(counter=counter, actor=agent)
    take(general)
    services.counter_call_next(counter=counter, actor=agent)
    login(client, agent)
    url = console_url(counter)
    count = queries_of(client, url)
    lines = queries_of(client, f"{url}lines/")
    for _ in range(5):
        take(general)
        take(dental)
    with django_assert_num_queries(count):
        client.get(url)
    with django_assert_num_queries(lines):
        client.get(f"{url}lines/")


def test_the_kiosk_link_carries_its_key_and_is_for_managers_only(rf, point, monkeypatch):
    from karcis.queueing import staff_views

    def reverse(name, kwargs):
        if name == "queueing:board":
            raise staff_views.NoReverseMatch  # a page not routed leaves no link
        return "/" + "/".join([name.split(":")[1], *kwargs.values()]) + "/"

    monkeypatch.setattr(staff_views, "reverse", reverse)
    request = rf.get("/queue/")
    manager = staff_views.public_links(request, point, kiosk=True)
    assert manager == {
        "booking": "http://testserver/point/nusantara/melati/",
        "kiosk": f"http://testserver/kiosk/nusantara/melati/{point.kiosk_key}/",
    }
    assert staff_views.public_links(request, point, kiosk=False) == {
        "booking": "http://testserver/point/nusantara/melati/"
    }
