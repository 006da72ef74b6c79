"""The SLA through the real services: clocks follow the ticket's history, the scan announces
once, escalations act, policies are managed with clear refusals."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karcis.core.content import body_from
from karcis.core.eventlog import events_dispatch
from karcis.core.models import Event, Notification, Role
from karcis.core.services import staff_user_create
from karcis.desk import services as desk
from karcis.desk.models import Ticket
from karcis.sla import services
from karcis.sla.models import SlaClock

WIB = ZoneInfo("Asia/Jakarta")
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=WIB)  # a Monday


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def policies(org, admin_user):
    """Urgent: 30/60/240 minutes; everything else: 60/120/480; calendar time (every minute
    counts) so that the answers do not depend on a business calendar."""
    urgent = services.policy_create(
        organisation=org,
        actor=admin_user,
        name="Urgent",
        priorities=["urgent"],
        first_response_minutes=30,
        next_response_minutes=60,
        resolution_minutes=240,
        business_time=False,
        on_breach={"notify": True, "raise_priority": False, "team": None, "tag": "sla-dilanggar"},
    )
    normal = services.policy_create(
        organisation=org,
        actor=admin_user,
        name="Standar",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=480,
        business_time=False,
        on_warning={"notify": True},
    )
    return urgent, normal


def clocks_of(ticket) -> dict[str, SlaClock]:
    return {clock.target: clock for clock in SlaClock.objects.filter(ticket=ticket)}


def test_a_new_ticket_gets_the_first_matching_policys_due_times(policies, make_ticket):
    urgent, normal = policies
    ticket = make_ticket(priority="urgent", created_at=T0)
    clocks = clocks_of(ticket)
    assert clocks["first_response"].policy == urgent
    assert clocks["first_response"].due_at == T0 + minutes(30)
    assert clocks["resolution"].due_at == T0 + minutes(240)
    assert "next_response" not in clocks  # nothing waits for a next answer yet
    ticket.refresh_from_db()
    assert ticket.sla_due_at == T0 + minutes(30)

    other = make_ticket(priority="normal", created_at=T0)
    assert clocks_of(other)["first_response"].policy == normal


def test_no_policy_no_clocks(org, make_ticket):
    ticket = make_ticket(created_at=T0)
    assert not SlaClock.objects.filter(ticket=ticket).exists()
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.sla_due_at) == ("", None)


def test_a_public_agent_reply_answers_a_note_does_not(policies, make_ticket, agent):
    ticket = make_ticket(created_at=T0, team=agent.teams.first())
    desk.message_add(
        ticket=ticket,
        body=body_from(text="Catatan internal"),
        kind="note",
        author_user=agent,
        at=T0 + minutes(10),
    )
    assert clocks_of(ticket)["first_response"].met_at is None
    desk.message_add(
        ticket=ticket, body=body_from(text="Kami cek."), author_user=agent, at=T0 + minutes(20)
    )
    clock = clocks_of(ticket)["first_response"]
    assert (clock.state, clock.met_at) == ("met", T0 + minutes(20))


def test_an_automatic_message_does_not_start_a_next_response(policies, make_ticket, agent):
    ticket = make_ticket(created_at=T0, team=agent.teams.first())
    desk.message_add(
        ticket=ticket, body=body_from(text="Kami cek."), author_user=agent, at=T0 + minutes(5)
    )
    desk.message_add(
        ticket=ticket,
        body=body_from(text="Saya sedang cuti."),
        author_contact=ticket.requester,
        automatic=True,
        at=T0 + minutes(6),
    )
    assert "next_response" not in clocks_of(ticket)
    desk.message_add(
        ticket=ticket,
        body=body_from(text="Masih error."),
        author_contact=ticket.requester,
        at=T0 + minutes(7),
    )
    clock = clocks_of(ticket)["next_response"]
    assert (clock.cycle, clock.due_at) == (1, T0 + minutes(7 + 120))


def test_pending_pauses_resolution_and_the_customers_reply_resumes_it(policies, make_ticket, agent):
    ticket = make_ticket(created_at=T0, team=agent.teams.first())
    desk.message_add(
        ticket=ticket,
        body=body_from(text="Mohon kirim nomor meter."),
        author_user=agent,
        status="pending",
        at=T0 + minutes(60),
    )
    clock = clocks_of(ticket)["resolution"]
    assert (clock.state, clock.due_at, clock.remaining_seconds) == ("paused", None, 420 * 60)
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.sla_due_at) == ("paused", None)
    # The requester answers three hours later: the ticket reopens and the clock resumes.
    desk.message_add(
        ticket=ticket,
        body=body_from(text="Nomor meter 1234."),
        author_contact=ticket.requester,
        at=T0 + minutes(240),
    )
    clock = clocks_of(ticket)["resolution"]
    assert clock.due_at == T0 + minutes(240 + 420)


def test_changing_the_priority_reevaluates_from_the_history(policies, make_ticket, agent):
    urgent, _normal = policies
    ticket = make_ticket(created_at=T0, team=agent.teams.first())
    desk.ticket_update(ticket=ticket, actor=agent, priority="urgent", at=T0 + minutes(10))
    clock = clocks_of(ticket)["first_response"]
    # From the opening, not from the change: the urgent target counts since 09:00.
    assert (clock.policy, clock.due_at) == (urgent, T0 + minutes(30))


def test_the_scan_warns_then_breaches_once(policies, make_ticket):
    ticket = make_ticket(created_at=T0)
    assert services.clocks_due_announce(now=T0 + minutes(44)) == 0
    assert services.clocks_due_announce(now=T0 + minutes(46)) == 1  # 75% of 60 minutes
    assert services.clocks_due_announce(now=T0 + minutes(46)) == 0
    assert services.clocks_due_announce(now=T0 + minutes(61)) == 1
    assert services.clocks_due_announce(now=T0 + minutes(62)) == 0
    types = list(
        Event.objects.filter(
            object_type="desk.ticket", object_id=ticket.pk, type__startswith="sla."
        ).values_list("type", "payload__target")
    )
    assert types == [("sla.warning", "first_response"), ("sla.breached", "first_response")]
    clock = clocks_of(ticket)["first_response"]
    assert (clock.state, clock.breached_at) == ("breached", T0 + minutes(60))
    ticket.refresh_from_db()
    assert ticket.sla_state == "breached"


def test_a_second_scheduler_finds_nothing_left_to_announce(policies, make_ticket):
    make_ticket(created_at=T0)
    make_ticket(created_at=T0)
    later = T0 + minutes(500)
    first = services.clocks_due_announce(now=later)
    second = services.clocks_due_announce(now=later)
    # Each ticket: first response and resolution breached (no warning once due has passed).
    assert (first, second) == (4, 0)
    assert Event.objects.filter(type="sla.breached").count() == 4
    assert Event.objects.filter(type="sla.warning").count() == 0


def test_the_scan_reads_a_batchs_tickets_at_once_and_locks_only_tickets_and_clocks(
    policies, make_ticket
):
    for _ in range(3):
        make_ticket(created_at=T0)
    with CaptureQueriesContext(connection) as queries:
        # Each ticket: first response and resolution breached; "Standar" escalates nothing.
        assert services.clocks_due_announce(now=T0 + minutes(500)) == 6
    ticket_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "desk_ticket"' in q["sql"]
    ]
    # One read for the batch, which locks them (an escalation that changes a ticket hands
    # the changed ticket on to its next clock).
    assert len(ticket_reads) == 1
    if connection.features.has_select_for_update_of:
        # The tickets, then their clocks, as every change of a ticket takes them; a plain
        # FOR UPDATE over the joins would lock the organisation's row too, and every write
        # referring to it would wait for the scan's commit.
        locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
        assert [sql.rsplit("FOR UPDATE", 1)[1] for sql in locking] == [
            ' OF "desk_ticket"',
            ' OF "sla_slaclock"',
        ]


def test_a_breach_announced_stays_when_the_due_time_moves(policies, make_ticket, agent):
    ticket = make_ticket(created_at=T0, priority="urgent", team=agent.teams.first())
    services.clocks_due_announce(now=T0 + minutes(31))
    desk.ticket_update(ticket=ticket, actor=agent, priority="normal", at=T0 + minutes(32))
    clock = clocks_of(ticket)["first_response"]
    assert clock.due_at == T0 + minutes(60)
    assert clock.state == "breached"  # it broke at 09:30; that stands
    assert Event.objects.filter(type="sla.breached", object_id=ticket.pk).count() == 1


def test_a_late_answer_between_scans_is_still_announced_as_a_breach(policies, make_ticket, agent):
    ticket = make_ticket(created_at=T0, team=agent.teams.first())
    desk.message_add(
        ticket=ticket, body=body_from(text="Maaf lama."), author_user=agent, at=T0 + minutes(70)
    )
    clock = clocks_of(ticket)["first_response"]
    assert clock.state == "breached" and clock.next_check_at == T0 + minutes(60)
    assert services.clocks_due_announce(now=T0 + minutes(71)) >= 1
    assert Event.objects.filter(
        type="sla.breached", object_id=ticket.pk, payload__target="first_response"
    ).exists()


def test_escalation_on_breach_tags_and_notifies(policies, make_ticket, org, agent):
    supervisor = staff_user_create(
        organisation=org,
        email="spv@nusantara.test",
        name="Sinta Supervisor",
        role=Role.SUPERVISOR,
        password="rahasia-123",
    )
    ticket = make_ticket(created_at=T0, priority="urgent", assignee=agent)
    services.clocks_due_announce(now=T0 + minutes(31))
    ticket.refresh_from_db()
    assert [tag.name for tag in ticket.tags.all()] == ["sla-dilanggar"]
    tagged = Event.objects.get(type="desk.ticket.tags_changed", object_id=ticket.pk)
    assert tagged.actor_id is None and tagged.payload["by"]["name"] == "Urgent"
    events_dispatch()
    told = set(
        Notification.objects.filter(kind="sla.breached").values_list("recipient_id", flat=True)
    )
    assert told == {supervisor.pk, agent.pk}


def test_raise_priority_and_move_team_on_warning(org, admin_user, make_ticket, team_tech):
    services.policy_create(
        organisation=org,
        actor=admin_user,
        name="Semua",
        first_response_minutes=100,
        business_time=False,
        on_warning={"raise_priority": True, "team": team_tech.pk},
    )
    ticket = make_ticket(created_at=T0)
    services.clocks_due_announce(now=T0 + minutes(80))
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team_id) == ("high", team_tech.pk)


def test_policy_input_is_checked(org, admin_user, agent):
    with pytest.raises(ValidationError) as refused:
        services.policy_create(
            organisation=org,
            actor=admin_user,
            name="",
            priorities=["sangat"],
            first_response_minutes=0,
            warning_percent=150,
        )
    assert {"name", "priorities", "first_response_minutes", "warning_percent"} <= set(
        refused.value.message_dict
    )
    with pytest.raises(ValidationError):
        services.policy_create(organisation=org, actor=admin_user, name="Tanpa target")
    with pytest.raises(ValidationError):
        services.policy_create(
            organisation=org, actor=agent, name="Agen", first_response_minutes=10
        )


def test_a_policy_tickets_ran_on_cannot_be_deleted(policies, make_ticket, admin_user):
    urgent, _normal = policies
    make_ticket(priority="urgent")
    with pytest.raises(ValidationError):
        services.policy_delete(policy=urgent, actor=admin_user)
    unused = services.policy_create(
        organisation=urgent.organisation,
        actor=admin_user,
        name="Kosong",
        priorities=["low"],
        resolution_minutes=10,
    )
    services.policy_delete(policy=unused, actor=admin_user)


def test_changing_a_policy_recomputes_open_tickets(
    policies, make_ticket, admin_user, django_capture_on_commit_callbacks
):
    _urgent, normal = policies
    ticket = make_ticket(created_at=T0)
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_update(policy=normal, actor=admin_user, first_response_minutes=90)
    assert clocks_of(ticket)["first_response"].due_at == T0 + minutes(90)


def test_moving_a_policy_changes_which_matches(policies, make_ticket, admin_user):
    urgent, normal = policies
    services.policy_move(policy=normal, actor=admin_user, position=1)
    ticket = make_ticket(priority="urgent", created_at=T0)
    assert clocks_of(ticket)["first_response"].policy == normal


def test_vip_and_company_conditions(org, admin_user, make_ticket, contact):
    vip = services.policy_create(
        organisation=org,
        actor=admin_user,
        name="VIP",
        vip=True,
        companies=["pt maju jaya"],
        first_response_minutes=15,
        business_time=False,
    )
    contact.company, contact.vip = "PT Maju Jaya", True
    contact.save()
    ticket = make_ticket(requester=contact, created_at=T0)
    assert clocks_of(ticket)["first_response"].policy == vip
    plain = make_ticket(created_at=T0)
    assert "first_response" not in clocks_of(plain)


def test_recompute_after_a_solved_ticket_is_reopened(policies, make_ticket, agent):
    ticket = make_ticket(created_at=T0, team=agent.teams.first())
    desk.ticket_update(ticket=ticket, actor=agent, status="solved", at=T0 + minutes(60))
    assert clocks_of(ticket)["resolution"].state == "met"
    assert Ticket.objects.get(pk=ticket.pk).sla_state == "met"
    desk.ticket_update(ticket=ticket, actor=agent, status="open", at=T0 + minutes(600))
    clock = clocks_of(ticket)["resolution"]
    assert clock.met_at is None and clock.due_at == T0 + minutes(600 + 420)
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at is not None


# --- business hours -------------------------------------------------------------------------


@pytest.fixture
def office(org, admin_user):
    """Monday to Friday 08:00–17:00 WIB, Friday 11:30–13:00 closed; no national holidays,
    so that the answers below do not hang on the holidays package's dates."""
    from karcis.calendars.services import calendar_create

    day, friday = [(480, 1020)], [(480, 690), (780, 1020)]
    return calendar_create(
        organisation=org,
        name="Kantor",
        actor=admin_user,
        weekly=[day, day, day, day, friday, [], []],
        national_holidays=False,
    )


def test_business_hours_and_a_new_holiday_move_the_due_time(
    org, admin_user, office, make_ticket, django_capture_on_commit_callbacks
):
    from datetime import date

    from karcis.calendars.services import calendar_date_add

    services.policy_create(
        organisation=org, actor=admin_user, name="Jam kerja", first_response_minutes=120
    )
    # Thursday 10 December 16:00: one hour that day, the second on Friday at 09:00.
    ticket = make_ticket(created_at=datetime(2026, 12, 10, 16, 0, tzinfo=WIB))
    assert clocks_of(ticket)["first_response"].due_at == datetime(2026, 12, 11, 9, 0, tzinfo=WIB)
    # Friday becomes cuti bersama: the second hour is Monday's first.
    with django_capture_on_commit_callbacks(execute=True):
        calendar_date_add(
            calendar=office, date=date(2026, 12, 11), kind="added", name="Cuti", actor=admin_user
        )
        events_dispatch()
    assert clocks_of(ticket)["first_response"].due_at == datetime(2026, 12, 14, 9, 0, tzinfo=WIB)


def test_friday_prayers_do_not_count(org, admin_user, office, make_ticket):
    services.policy_create(
        organisation=org, actor=admin_user, name="Jam kerja", first_response_minutes=60
    )
    ticket = make_ticket(created_at=datetime(2026, 12, 11, 11, 0, tzinfo=WIB))
    assert clocks_of(ticket)["first_response"].due_at == datetime(2026, 12, 11, 13, 30, tzinfo=WIB)


def test_an_escalation_that_moves_the_due_time_keeps_the_announcement(org, admin_user, make_ticket):
    """Raising the priority on a warning chooses the urgent policy, whose due time has
    already passed: the breach comes at the next scan, not when the old due time comes."""
    services.policy_create(
        organisation=org,
        actor=admin_user,
        name="Mendesak",
        priorities=["urgent"],
        first_response_minutes=20,
        business_time=False,
    )
    services.policy_create(
        organisation=org,
        actor=admin_user,
        name="Normal",
        first_response_minutes=100,
        business_time=False,
        on_warning={"raise_priority": True},
    )
    ticket = make_ticket(created_at=T0, priority="high")
    # high → no urgent match; "Normal" applies: warning at 75 minutes, due at 100.
    assert services.clocks_due_announce(now=T0 + minutes(76)) == 1
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    clock = clocks_of(ticket)["first_response"]
    assert clock.due_at == T0 + minutes(20)
    assert clock.warned_at is not None and clock.next_check_at == T0 + minutes(20)
    assert services.clocks_due_announce(now=T0 + minutes(77)) == 1
    assert clocks_of(ticket)["first_response"].state == "breached"


def test_a_stricter_policy_does_not_announce_answers_given_long_ago(
    policies, make_ticket, agent, admin_user, django_capture_on_commit_callbacks
):
    """A policy made stricter today re-reads the open tickets: an answer given weeks ago that
    is late under it shows as breached, but nobody is told of it as of a breach just now."""
    urgent, _normal = policies
    old = T0 - timedelta(days=20)
    ticket = make_ticket(created_at=old, priority="urgent", team=agent.teams.first())
    desk.message_add(
        ticket=ticket, body=body_from(text="Kami cek."), author_user=agent, at=old + minutes(20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_update(policy=urgent, actor=admin_user, first_response_minutes=10)
    clock = clocks_of(ticket)["first_response"]
    assert clock.state == "breached" and clock.next_check_at is None
    services.clocks_due_announce()  # the resolution, still running and overdue, is told
    told = Event.objects.filter(type="sla.breached", object_id=ticket.pk)
    assert [event.payload["target"] for event in told] == ["resolution"]
