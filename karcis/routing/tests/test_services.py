"""Routing rules, assignment modes, capacity, availability and waiting tickets, through the
real desk services (a ticket is routed as it is created)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from karcis.core import services as core_services
from karcis.core.eventlog import events_dispatch
from karcis.core.models import Event
from karcis.desk import services as desk_services
from karcis.desk.models import Ticket
from karcis.routing import selectors, services
from karcis.routing.language import language_guess, ticket_language
from karcis.routing.models import AgentProfile, RoutingRule

pytestmark = pytest.mark.django_db


def _rule(org, admin_user, team, name="Aturan", **conditions):
    return services.rule_create(
        organisation=org, actor=admin_user, name=name, team=team, **conditions
    )


# --- rules ----------------------------------------------------------------------------------


def test_a_rule_by_category_sends_the_ticket_to_its_team(
    org, admin_user, team_billing, category, make_ticket
):
    rule = _rule(org, admin_user, team_billing, categories=[category.pk])

    matched = make_ticket(category=category)
    other = make_ticket()

    assert matched.team_id == team_billing.pk
    assert other.team_id is None
    event = Event.objects.get(object_id=matched.pk, type="desk.ticket.team_changed")
    assert event.payload["by"] == {
        "app": "routing",
        "kind": "rule",
        "id": rule.pk,
        "name": "Aturan",
    }
    rule.refresh_from_db()
    assert rule.match_count == 1 and rule.last_matched_at is not None


def test_a_rule_by_channel(org, admin_user, team_tech, make_ticket):
    _rule(org, admin_user, team_tech, channels=["phone"])
    assert make_ticket(channel="phone").team_id == team_tech.pk
    assert make_ticket(channel="web").team_id is None


@pytest.mark.parametrize(
    "subject,text,matches",
    [
        ("Gangguan di rumah", "Mohon dicek", True),
        ("Tolong", "INTERNET   MATI sejak pagi", True),
        ("Penggangguan", "bukan kata utuh", False),
        ("Internet lambat", "tidak mati total", False),
    ],
)
def test_keywords_match_whole_words_in_subject_or_first_message(
    org, admin_user, team_tech, make_ticket, subject, text, matches
):
    _rule(org, admin_user, team_tech, keywords=["gangguan", "internet mati"])
    ticket = make_ticket(subject=subject, text=text)
    assert (ticket.team_id == team_tech.pk) is matches


def test_a_rule_by_the_requesters_company_ignores_case(org, admin_user, team_tech, make_ticket):
    _rule(org, admin_user, team_tech, companies=["PT Maju Jaya"])
    vip = core_services.contact_create(
        organisation=org, name="Wati", email="wati@majujaya.test", company="pt maju jaya"
    )
    assert make_ticket(requester=vip).team_id == team_tech.pk
    assert make_ticket().team_id is None


def test_a_rule_by_language(org, admin_user, team_tech, make_ticket):
    _rule(org, admin_user, team_tech, languages=["en"])
    english = make_ticket(subject="Cannot log in", text="Please help, the app does not work.")
    indonesian = make_ticket(
        subject="Tidak bisa masuk", text="Mohon bantuan, aplikasi tidak jalan."
    )
    assert english.team_id == team_tech.pk
    assert indonesian.team_id is None


def test_a_rule_by_mailbox(org, admin_user, team_tech, mailbox):
    from conftest import email_bytes
    from karcis.messaging import services as messaging_services

    other = messaging_services.mailbox_create(
        organisation=org, address="teknis@nusantara.test", name="Teknis"
    )
    _rule(org, admin_user, team_tech, mailboxes=[other.pk])
    tickets = {}
    for box, message_id in ((other, "<t1@x>"), (mailbox, "<t2@x>")):
        stored, _new = messaging_services.inbound_store(
            mailbox=box,
            raw=email_bytes(to=box.address, message_id=message_id),
            source="mailgate",
            recipients=[box.address],
        )
        messaging_services.inbound_process(inbound_id=stored.pk)
        stored.refresh_from_db()
        tickets[box.address] = Ticket.objects.get(pk=stored.ticket_id)
    assert tickets["teknis@nusantara.test"].team_id == team_tech.pk
    assert tickets[mailbox.address].team_id is None


def test_all_conditions_of_a_rule_must_match(org, admin_user, team_tech, category, make_ticket):
    _rule(org, admin_user, team_tech, categories=[category.pk], channels=["phone"])
    assert make_ticket(category=category, channel="web").team_id is None
    assert make_ticket(category=category, channel="phone").team_id == team_tech.pk


def test_the_first_matching_rule_wins_and_the_order_can_change(
    org, admin_user, team_billing, team_tech, make_ticket
):
    first = _rule(org, admin_user, team_billing, name="Satu", keywords=["tagihan"])
    second = _rule(org, admin_user, team_tech, name="Dua", keywords=["tagihan"])
    assert make_ticket(subject="Tagihan salah").team_id == team_billing.pk

    services.rule_move(rule=second, actor=admin_user, up=True)

    assert [r.pk for r in RoutingRule.objects.order_by("position")] == [second.pk, first.pk]
    assert make_ticket(subject="Tagihan salah").team_id == team_tech.pk


def test_an_inactive_rule_is_skipped(org, admin_user, team_billing, team_tech, make_ticket):
    first = _rule(org, admin_user, team_billing, keywords=["tagihan"])
    _rule(org, admin_user, team_tech, name="Cadangan")
    services.rule_update(rule=first, actor=admin_user, is_active=False)
    assert make_ticket(subject="Tagihan salah").team_id == team_tech.pk


def test_a_ticket_that_comes_with_a_team_is_not_rerouted(
    org, admin_user, team_billing, team_tech, make_ticket
):
    _rule(org, admin_user, team_tech)
    assert make_ticket(team=team_billing).team_id == team_billing.pk


def test_rule_changes_are_events_and_need_the_capability(org, admin_user, agent, team_tech):
    with pytest.raises(ValidationError):
        _rule(org, agent, team_tech)
    rule = _rule(org, admin_user, team_tech, keywords=["a"])
    services.rule_update(rule=rule, actor=admin_user, keywords=["b"], name="Baru")
    services.rule_delete(rule=rule, actor=admin_user)
    assert list(
        Event.objects.filter(type__startswith="routing.rule").values_list("type", flat=True)
    ) == ["routing.rule.created", "routing.rule.updated", "routing.rule.deleted"]


def test_bad_conditions_are_refused_and_nothing_is_saved(org, admin_user, team_tech, other_org):
    foreign_team = core_services.team_create(organisation=other_org, name="Asing")
    for bad in (
        {"channels": ["fax"]},
        {"languages": ["fr"]},
        {"categories": [999999]},
        {"mailboxes": [999999]},
        {"keywords": ["x" * 101]},
    ):
        with pytest.raises(ValidationError):
            _rule(org, admin_user, team_tech, **bad)
    with pytest.raises(ValidationError):
        _rule(org, admin_user, foreign_team)
    with pytest.raises(ValidationError):
        _rule(org, admin_user, team_tech, name="  ")
    assert not RoutingRule.objects.exists()


# --- the language rule ----------------------------------------------------------------------


def test_the_language_rule():
    assert language_guess("Mohon bantuan, tagihan saya tidak sesuai") == "id"
    assert language_guess("Please check my bill, it is not right") == "en"
    assert language_guess("KRC-000123 ???") is None
    assert ticket_language(account_language="en", text="tidak bisa", default="id") == "en"
    assert ticket_language(account_language="", text="12345", default="en") == "en"


# --- assignment modes -----------------------------------------------------------------------


def test_manual_mode_leaves_the_ticket_unassigned(org, team_billing, make_agents, make_ticket):
    make_agents(team_billing, 2)
    ticket = make_ticket(team=team_billing)
    assert ticket.assignee_id is None and ticket.status == "new"


def test_round_robin_takes_turns_and_opens_the_ticket(
    org, admin_user, team_billing, make_agents, make_ticket
):
    agents = make_agents(team_billing, 3)
    services.team_mode_set(team=team_billing, mode="round_robin", actor=admin_user)

    tickets = [make_ticket(team=team_billing) for _i in range(6)]

    assert [t.assignee_id for t in tickets] == [a.pk for a in agents] * 2
    assert {t.status for t in tickets} == {"open"}
    event = Event.objects.filter(object_id=tickets[0].pk, type="desk.ticket.assigned").get()
    assert event.payload["by"]["kind"] == "assignment"


def test_round_robin_after_a_rule_chose_the_team(
    org, admin_user, team_tech, make_agents, make_ticket
):
    agents = make_agents(team_tech, 2)
    services.team_mode_set(team=team_tech, mode="round_robin", actor=admin_user)
    _rule(org, admin_user, team_tech, keywords=["gangguan"])
    ticket = make_ticket(subject="Gangguan jaringan")
    assert (ticket.team_id, ticket.assignee_id) == (team_tech.pk, agents[0].pk)


def test_least_open_gives_the_ticket_to_whoever_holds_fewest(
    org, admin_user, team_billing, make_agents, make_ticket
):
    busy, free = make_agents(team_billing, 2)
    for _i in range(2):
        desk_services.ticket_update(ticket=make_ticket(), actor=admin_user, assignee=busy)
    services.team_mode_set(team=team_billing, mode="least_open", actor=admin_user)

    got = [make_ticket(team=team_billing).assignee_id for _i in range(3)]

    assert got == [free.pk, free.pk, busy.pk]  # 0,1 → free; then 2 v 2 → the round's next


def test_skills_mode_needs_the_required_skills(
    org, admin_user, team_billing, category, make_agents, make_ticket
):
    plain = make_agents(team_billing, 1)[0]
    expert = make_agents(team_billing, 1, skills=["pajak"], prefix="ahli")[0]
    services.skills_required_set(
        organisation=org, actor=admin_user, category=category, skills=["Pajak"]
    )
    services.team_mode_set(team=team_billing, mode="skills", actor=admin_user)

    assert make_ticket(team=team_billing, category=category).assignee_id == expert.pk
    assert make_ticket(team=team_billing).assignee_id == plain.pk


def test_skills_required_by_language(org, admin_user, team_billing, make_agents, make_ticket):
    make_agents(team_billing, 1)
    english = make_agents(team_billing, 1, skills=["english"], prefix="en")[0]
    services.skills_required_set(
        organisation=org, actor=admin_user, language="en", skills=["english"]
    )
    services.team_mode_set(team=team_billing, mode="skills", actor=admin_user)
    ticket = make_ticket(team=team_billing, subject="Help please", text="The app is not working")
    assert ticket.assignee_id == english.pk


# --- availability and capacity --------------------------------------------------------------


def test_only_online_agents_get_tickets(org, admin_user, team_billing, make_agents, make_ticket):
    make_agents(team_billing, 1, status="away")
    make_agents(team_billing, 1, status="off", prefix="off")
    online = make_agents(team_billing, 1, prefix="on")[0]
    services.team_mode_set(team=team_billing, mode="round_robin", actor=admin_user)
    assert {make_ticket(team=team_billing).assignee_id for _i in range(3)} == {online.pk}


def test_nobody_gets_tickets_outside_working_hours(
    org, admin_user, team_billing, make_agents, make_ticket, no_hours
):
    make_agents(team_billing, 2)
    services.team_mode_set(team=team_billing, mode="round_robin", actor=admin_user)
    assert make_ticket(team=team_billing).assignee_id is None


def test_capacity_counts_unsolved_tickets_and_the_rest_wait(
    org, admin_user, team_billing, make_agents, make_ticket
):
    agent = make_agents(team_billing, 1, capacity=2)[0]
    services.team_mode_set(team=team_billing, mode="round_robin", actor=admin_user)
    tickets = [make_ticket(team=team_billing) for _i in range(3)]
    assert [t.assignee_id for t in tickets] == [agent.pk, agent.pk, None]


def test_a_waiting_ticket_goes_to_an_agent_who_comes_online(
    org, admin_user, team_billing, make_agents, make_ticket
):
    agent = make_agents(team_billing, 1, status="off")[0]
    services.team_mode_set(team=team_billing, mode="round_robin", actor=admin_user)
    older, newer = make_ticket(team=team_billing), make_ticket(team=team_billing)
    assert older.assignee_id is None
    services.agent_settings_set(agent=agent, actor=admin_user, capacity=1)

    services.agent_status_set(agent=agent, status="online", actor=agent)

    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.assignee_id, newer.assignee_id) == (agent.pk, None)  # oldest first


def test_a_solved_ticket_makes_room_for_a_waiting_one(
    org, admin_user, team_billing, make_agents, make_ticket
):
    agent = make_agents(team_billing, 1, capacity=1)[0]
    services.team_mode_set(team=team_billing, mode="round_robin", actor=admin_user)
    first, waiting = make_ticket(team=team_billing), make_ticket(team=team_billing)
    assert waiting.assignee_id is None
    events_dispatch()

    desk_services.ticket_update(ticket=first, actor=agent, status="solved")
    events_dispatch()

    waiting.refresh_from_db()
    assert waiting.assignee_id == agent.pk


def test_a_reassigned_ticket_makes_room_too(
    org, admin_user, team_billing, make_agents, make_ticket
):
    agent = make_agents(team_billing, 1, capacity=1)[0]
    services.team_mode_set(team=team_billing, mode="round_robin", actor=admin_user)
    first, waiting = make_ticket(team=team_billing), make_ticket(team=team_billing)
    events_dispatch()

    desk_services.ticket_update(ticket=first, actor=admin_user, assignee=admin_user)
    events_dispatch()

    waiting.refresh_from_db()
    assert waiting.assignee_id == agent.pk


def test_working_hours_beginning_gives_waiting_tickets_out(
    org, admin_user, team_billing, make_agents, make_ticket, monkeypatch
):
    from karcis.routing import hours

    agent = make_agents(team_billing, 1)[0]
    services.team_mode_set(team=team_billing, mode="round_robin", actor=admin_user)
    monkeypatch.setattr(hours, "inside_working_hours", lambda **kwargs: False)
    ticket = make_ticket(team=team_billing)
    assert ticket.assignee_id is None

    monkeypatch.setattr(hours, "inside_working_hours", lambda **kwargs: True)
    from karcis.routing.tasks import waiting_tickets_assign_task

    assert waiting_tickets_assign_task() == 1
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk


def test_switching_a_team_to_automatic_gives_its_waiting_tickets_out(
    org, admin_user, team_billing, make_agents, make_ticket
):
    agent = make_agents(team_billing, 1)[0]
    ticket = make_ticket(team=team_billing)
    services.team_mode_set(team=team_billing, mode="least_open", actor=admin_user)
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.pk


# --- status and settings --------------------------------------------------------------------


def test_an_agent_sets_their_own_status_and_a_supervisor_anyones(org, agent, tech_agent):
    supervisor = core_services.staff_user_create(
        organisation=org,
        email="spv@nusantara.test",
        name="Supervisor",
        role="supervisor",
        password="rahasia-123",
    )
    services.agent_status_set(agent=agent, status="online", actor=agent)
    with pytest.raises(ValidationError):
        services.agent_status_set(agent=tech_agent, status="online", actor=agent)
    services.agent_status_set(agent=tech_agent, status="away", actor=supervisor)
    assert dict(AgentProfile.objects.values_list("user_id", "status")) == {
        agent.pk: "online",
        tech_agent.pk: "away",
    }
    assert Event.objects.filter(type="routing.agent.status_set").count() == 2
    with pytest.raises(ValidationError):
        services.agent_status_set(agent=agent, status="busy", actor=agent)


def test_an_agent_of_another_organisation_cannot_be_set(admin_user, other_org_agent):
    with pytest.raises(ValidationError):
        services.agent_settings_set(agent=other_org_agent, actor=admin_user, capacity=3)
    with pytest.raises(ValidationError):
        services.agent_status_set(agent=other_org_agent, status="online", actor=admin_user)


def test_capacity_and_skills_are_checked(admin_user, agent):
    with pytest.raises(ValidationError):
        services.agent_settings_set(agent=agent, actor=admin_user, capacity=501)
    profile = services.agent_settings_set(
        agent=agent, actor=admin_user, capacity=5, skills=["Pajak", "pajak", "Bahasa Inggris"]
    )
    assert (profile.capacity, profile.skills) == (5, ["bahasa-inggris", "pajak"])


def test_the_preview_explains_the_decision(org, admin_user, team_billing, make_agents, make_ticket):
    online = make_agents(team_billing, 1, capacity=1)[0]
    make_agents(team_billing, 1, status="away", prefix="away")
    services.team_mode_set(team=team_billing, mode="round_robin", actor=admin_user)
    make_ticket(team=team_billing)  # the online agent is now full
    with translation.override("en"):
        decision = selectors.assignment_decision(
            team=team_billing,
            mode="round_robin",
            facts=None,
            now=timezone.now(),
            last_assignee_id=online.pk,
        )
    assert decision.chosen is None
    assert "waits" in decision.reason
    refusals = [c.refusal for c in decision.candidates]
    assert refusals[0].startswith("At capacity") and refusals[1].startswith("Not online")
