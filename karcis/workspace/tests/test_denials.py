"""Denials, generated from what the code declares: every screen says which capabilities open
it (its guard records them), every API action says the same (the view's `capabilities`), and
each one is refused to a person who holds every other capability but those.

A new screen or endpoint joins these tests by being routed: one without a declaration fails
`test_every_staff_screen_says_who_may_open_it`.
"""

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from karcis.api_urls import router
from karcis.core import permissions, services
from karcis.workspace.navigation import settings_capabilities

pytestmark = pytest.mark.django_db

# Screens for everybody: the public portal, signing in and out, password reset, the language
# switch, the API's own documents, the Django admin (superusers only, its own guard), and the
# redirect from where Settings used to live.
PUBLIC = re.compile(
    r"^(core:(home|login|logout|password_reset.*)|portal:.*|set_language"
    r"|api-schema|api-docs|admin:.*|api:.*"
    # The public queues' pages for citizens, the kiosk (its key in the address) and the board.
    r"|queueing:(point|book|status.*|kiosk.*|board.*|call_audio))$"
)
SAMPLE_KWARGS = {
    "pk": 1,
    "message_pk": 1,
    "number": "KRC-000001",
    "token": "0" * 32,
    "file_token": "0" * 32,
    "org": "nusantara",
    "action": "confirm",
}


def screens() -> Iterator[tuple[str, object]]:
    """(URL name, view) of every routed screen."""

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, pattern.callback, pattern

    seen = set()
    for name, view, pattern in walk(get_resolver().url_patterns):
        if name not in seen:
            seen.add(name)
            yield name, view, pattern


def guarded_screens() -> list[tuple[str, tuple[str, ...]]]:
    return [
        (name, view.capabilities)
        for name, view, _pattern in screens()
        if not PUBLIC.match(name) and getattr(view, "capabilities", ())
    ]


def url_of(name: str, pattern) -> str:
    wanted = set(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else set()
    return reverse(name, kwargs={key: SAMPLE_KWARGS[key] for key in wanted})


def test_every_staff_screen_says_who_may_open_it():
    undeclared = [
        name
        for name, view, _pattern in screens()
        if not PUBLIC.match(name) and not hasattr(view, "capabilities")
    ]
    assert undeclared == []


def without(capabilities: tuple[str, ...]) -> list[str]:
    """Every staff capability but these ("settings:any": but every Settings one)."""
    if capabilities == ("settings:any",):
        capabilities = tuple(settings_capabilities())
    return sorted(
        name
        for name, declared in permissions.capabilities().items()
        if declared.staff and name not in capabilities
    )


@pytest.fixture
def staff_without(org, admin_user):
    """staff_without(capabilities) → a signed-in-able staff member whose role holds every
    other staff capability."""
    made = {}

    def make(capabilities: tuple[str, ...]):
        key = ",".join(capabilities)
        if key not in made:
            role = services.custom_role_create(
                organisation=org,
                name=f"Tanpa {len(made) + 1}",
                capabilities=without(capabilities),
                actor=admin_user,
            )
            made[key] = services.staff_user_create(
                organisation=org,
                email=f"tanpa{len(made) + 1}@nusantara.test",
                name="Tanpa Izin",
                role=role.key,
                actor=admin_user,
            )
        return made[key]

    return make


@pytest.mark.parametrize("name, capabilities", guarded_screens())
def test_each_screen_is_refused_without_its_capability(client, staff_without, name, capabilities):
    pattern = next(p for n, _v, p in screens() if n == name)
    url = url_of(name, pattern)
    client.force_login(staff_without(capabilities))

    for method in (client.get, client.post):
        response = method(url)
        # The original of an e-mail is hidden (404) rather than refused: it does not exist
        # for whoever may not have it.
        assert response.status_code in (403, 404), (method, url, response.status_code)
        if response.status_code == 403:
            assert "workspace/forbidden.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("name, capabilities", guarded_screens())
def test_each_screen_sends_visitors_to_sign_in_and_customers_away(
    client, customer, name, capabilities
):
    pattern = next(p for n, _v, p in screens() if n == name)
    url = url_of(name, pattern)

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")

    client.force_login(customer)
    response = client.get(url)
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response["Location"] == reverse("portal:my_tickets", kwargs={"org": "nusantara"})


def test_a_person_holding_the_capability_gets_in(client, staff_without, org):
    # The opposite check, so the denials above do not pass for a broken guard: a role
    # without Settings still works its tickets.
    client.force_login(staff_without(tuple(settings_capabilities())))
    assert client.get(reverse("desk:inbox")).status_code == 200
    assert client.get(reverse("workspace:settings")).status_code == 403


# --- the API ----------------------------------------------------------------------------------

ACTION_METHODS = {
    "list": "get",
    "retrieve": "get",
    "create": "post",
    "partial_update": "patch",
    "destroy": "delete",
}
# The viewsets' own actions on one object (/api/tickets/KRC-000001/merge/), by method.
DETAIL_ACTIONS = {
    "merge": "post",
    "links": "post",
    # The queue counters' actions (/api/queue/counters/1/call-next/).
    **dict.fromkeys(
        (
            "open_counter",
            "close_counter",
            "call_next",
            "recall",
            "no_show",
            "start",
            "finish",
            "transfer",
            "park",
            "resume",
        ),
        "post",
    ),  # fmt: skip
}
# Where an action's path is not its name.
DETAIL_PATHS = {
    "open_counter": "open",
    "close_counter": "close",
    "call_next": "call-next",
    "no_show": "no-show",
}


def api_actions() -> list[tuple[str, str, tuple[str, ...]]]:
    found = []
    for prefix, viewset, _basename in router.registry:
        declared = getattr(viewset, "capabilities", None)
        assert declared, f"{viewset.__name__} names no capabilities"
        for action, capabilities in declared.items():
            found.append((prefix, action, capabilities))
    return found


def api_url(prefix: str, action: str, viewset_lookup: str = "1") -> str:
    base = "/api/" + re.sub(r"\(\?P<ticket_number>[^)]*\)", "KRC-000001", prefix) + "/"
    if action in DETAIL_ACTIONS:
        return f"{base}{viewset_lookup}/{DETAIL_PATHS.get(action, action)}/"
    return base if action in ("list", "create") else f"{base}{viewset_lookup}/"


@pytest.mark.parametrize("prefix, action, capabilities", api_actions())
def test_each_api_action_is_refused_without_its_capability(
    api, staff_without, prefix, action, capabilities
):
    lookup = "0" * 32 if prefix == "attachments" else "KRC-000001" if prefix == "tickets" else "1"
    client = api(staff_without(capabilities))

    method = ACTION_METHODS.get(action) or DETAIL_ACTIONS[action]
    response = getattr(client, method)(api_url(prefix, action, lookup), {})

    assert response.status_code == 403, (prefix, action, response.status_code)


def test_changing_a_ticket_through_the_api_is_asked_of_the_ticket(
    api, org, admin_user, make_ticket
):
    role = services.custom_role_create(
        organisation=org,
        name="Pembaca",
        capabilities=["desk.ticket.view", "desk.ticket.view_all"],
        actor=admin_user,
    )
    reader = services.staff_user_create(
        organisation=org, email="baca@nusantara.test", name="Baca", role=role.key
    )
    ticket = make_ticket()

    client = api(reader)
    assert client.get(f"/api/tickets/{ticket.number}/").status_code == 200
    response = client.patch(f"/api/tickets/{ticket.number}/", {"priority": "high"}, format="json")
    assert response.status_code == 403
    # A ticket out of sight is still a 404, never a 403 (no probing numbers).
    assert client.patch("/api/tickets/KRC-999999/", {"priority": "high"}).status_code == 404
