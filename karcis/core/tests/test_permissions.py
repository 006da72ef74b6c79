"""Capabilities: built-in roles, an organisation's own roles, grants to a person and to a
team, asked in one way (core.permissions.user_can)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from karcis.core import permissions, services
from karcis.core.models import Role
from karcis.core.permissions import capabilities_of, teams_where, user_can, user_can_somewhere

pytestmark = pytest.mark.django_db

REPLY = "desk.ticket.reply"
VIEW = "desk.ticket.view"
VIEW_ALL = "desk.ticket.view_all"


def fresh(user):
    """The user as a new request would load it (nothing cached on the object)."""
    return type(user).objects.select_related("organisation").get(pk=user.pk)


def test_every_staff_capability_belongs_to_the_administrators():
    declared = permissions.capabilities()
    staff = {name for name, c in declared.items() if c.staff}
    assert staff <= permissions.built_in_role_capabilities(Role.ADMIN)
    # Customers hold only what customers do.
    customer = permissions.built_in_role_capabilities(Role.CUSTOMER)
    assert customer and all(not declared[name].staff for name in customer)


def test_built_in_roles(admin_user, agent, customer, org):
    supervisor = services.staff_user_create(
        organisation=org, email="s@nusantara.test", name="Sup", role=Role.SUPERVISOR
    )
    assert user_can(admin_user, "core.staff.manage") and user_can(admin_user, VIEW_ALL)
    assert user_can(supervisor, VIEW_ALL) and not user_can(supervisor, "core.staff.manage")
    assert user_can(agent, REPLY) and not user_can(agent, VIEW_ALL)
    assert not user_can(customer, VIEW) and user_can(customer, "desk.ticket.request")


def test_asking_for_an_undeclared_capability_is_an_error(agent):
    with pytest.raises(LookupError):
        user_can(agent, "desk.ticket.fly")


def test_people_outside_an_organisation_may_do_nothing(agent, other_org, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not user_can(AnonymousUser(), VIEW)
    agent.is_active = False
    assert not user_can(agent, VIEW)


def test_an_object_of_another_organisation_is_never_allowed(admin_user, other_org, make_ticket):
    from karcis.core.content import body_from
    from karcis.desk.services import ticket_create

    foreign_contact = services.contact_resolve(organisation=other_org, email="x@lain.test")
    foreign = ticket_create(
        organisation=other_org,
        requester=foreign_contact,
        subject="Lain",
        body=body_from(text="x"),
        channel="web",
    )
    assert user_can(admin_user, REPLY)
    assert not user_can(admin_user, REPLY, foreign)


def test_an_organisations_own_role(org, admin_user):
    role = services.custom_role_create(
        organisation=org,
        name="Agen Ringan",
        description="Menjawab lewat catatan saja",
        capabilities=[VIEW, "desk.ticket.note"],
        actor=admin_user,
    )
    light = services.staff_user_create(
        organisation=org, email="ringan@nusantara.test", name="Lia", role=role.key, actor=admin_user
    )
    assert role.key == "agen-ringan"
    assert capabilities_of(fresh(light)) == {VIEW, "desk.ticket.note"}
    assert not user_can(fresh(light), REPLY)

    services.custom_role_update(role=role, actor=admin_user, capabilities=[VIEW, REPLY])
    assert user_can(fresh(light), REPLY)


def test_roles_are_checked_when_given(org, admin_user):
    with pytest.raises(ValidationError) as unknown:
        services.staff_user_create(
            organisation=org, email="a@nusantara.test", name="A", role="tidak-ada"
        )
    assert "role" in unknown.value.message_dict
    with pytest.raises(ValidationError):
        services.custom_role_create(
            organisation=org, name="Admin", capabilities=[VIEW], actor=admin_user
        )  # the built-in role's key
    with pytest.raises(ValidationError):
        services.custom_role_create(
            organisation=org, name="Peran", capabilities=["desk.ticket.request"], actor=admin_user
        )  # a customer's capability is no staff role's


def test_a_role_in_use_cannot_be_deleted(org, admin_user):
    role = services.custom_role_create(
        organisation=org, name="Verifikator", capabilities=[VIEW], actor=admin_user
    )
    holder = services.staff_user_create(
        organisation=org, email="v@nusantara.test", name="Vera", role=role.key, actor=admin_user
    )
    with pytest.raises(ValidationError, match="1"):
        services.custom_role_delete(role=role, actor=admin_user)

    services.staff_user_update(user=holder, actor=admin_user, role=Role.AGENT)
    services.custom_role_delete(role=role, actor=admin_user)
    assert not permissions.custom_roles_of(org.pk)


def test_a_person_may_be_given_a_capability_beside_their_role(org, admin_user, agent):
    assert not user_can(agent, VIEW_ALL) and not agent.sees_all_tickets

    services.staff_user_update(user=agent, actor=admin_user, sees_all_tickets=True)

    agent = fresh(agent)
    assert agent.sees_all_tickets and agent.capabilities == [VIEW_ALL]
    assert user_can(agent, VIEW_ALL)


def test_a_team_grants_its_members_a_capability_for_its_own_things(
    org, admin_user, team_billing, team_tech, make_ticket
):
    role = services.custom_role_create(
        organisation=org, name="Agen Ringan", capabilities=[VIEW], actor=admin_user
    )
    light = services.staff_user_create(
        organisation=org,
        email="ringan@nusantara.test",
        name="Lia",
        role=role.key,
        teams=[team_billing],
        actor=admin_user,
    )
    services.team_update(team=team_billing, actor=admin_user, capabilities=[REPLY])
    billing_ticket, tech_ticket = make_ticket(team=team_billing), make_ticket(team=team_tech)

    light = fresh(light)
    assert user_can(light, REPLY, billing_ticket)
    assert not user_can(light, REPLY, tech_ticket)
    assert not user_can(light, REPLY)  # not for the whole organisation
    assert user_can_somewhere(light, REPLY)
    assert teams_where(light, REPLY) == {team_billing.pk}


def test_only_team_capabilities_can_be_granted_to_a_team(org, admin_user, team_billing):
    with pytest.raises(ValidationError):
        services.team_update(team=team_billing, actor=admin_user, capabilities=[VIEW_ALL])


def test_changes_to_staff_need_the_capability(org, agent, team_billing):
    with pytest.raises(PermissionDenied):
        services.team_update(team=team_billing, actor=agent, name="Kudeta")
    with pytest.raises(PermissionDenied):
        services.custom_role_create(
            organisation=org, name="Super", capabilities=[VIEW_ALL], actor=agent
        )
    with pytest.raises(PermissionDenied):
        services.staff_user_update(user=agent, actor=agent, sees_all_tickets=True)
