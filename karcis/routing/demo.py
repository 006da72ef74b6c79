"""The demo's routing: a few rules on the demo's real teams and categories, round-robin in
one team, least-open in another, and agents online with their capacities.

Called by the demo builder (karcis/demo/builder.py) after its teams, categories and staff
exist: `routing_demo(organisation=…, actor=<an administrator>)`. Everything goes through
routing's services, as an administrator would set it up; running it twice changes nothing.
"""

from typing import Any

from karcis.core.models import Organisation, User
from karcis.core.selectors import staff_of, teams_of
from karcis.desk.selectors import categories_of
from karcis.routing import selectors, services

TEAM_CARE = "Layanan Pelanggan"
TEAM_BILLING = "Tagihan & Pembayaran"
TEAM_TECH = "Dukungan Teknis"

# name, team, conditions (category names: the category and those inside it)
RULES: list[tuple[str, str, dict[str, Any]]] = [
    ("Pelanggan korporat PT Maju Jaya", TEAM_CARE, {"companies": ["PT Maju Jaya"]}),
    ("Tagihan ke tim Tagihan", TEAM_BILLING, {"categories": ["Tagihan"]}),
    (
        "Gangguan ke tim Teknis",
        TEAM_TECH,
        {"keywords": ["gangguan", "internet mati", "lemot", "tidak bisa connect"]},
    ),
    ("Kategori teknis ke tim Teknis", TEAM_TECH, {"categories": ["Teknis"]}),
    ("Bahasa Inggris ke Layanan", TEAM_CARE, {"languages": ["en"]}),
]
MODES = {TEAM_BILLING: "round_robin", TEAM_TECH: "least_open"}
# e-mail: (status, capacity, skills)
AGENTS = {
    "budi@nusantara.test": ("online", 8, ["tagihan"]),
    "agus@nusantara.test": ("online", 10, ["tagihan", "restitusi"]),
    "sari@nusantara.test": ("online", 12, ["jaringan"]),
    "yohanes@nusantara.test": ("away", 10, ["jaringan", "perangkat"]),
    "andi@nusantara.test": ("online", 8, ["jaringan", "english"]),
    "dewi@nusantara.test": ("off", 10, ["english"]),
}


def routing_demo(*, organisation: Organisation, actor: User) -> None:
    teams = {team.name: team for team in teams_of(organisation=organisation)}
    categories = list(categories_of(organisation=organisation))
    existing = {rule.name for rule in selectors.rules_of(organisation=organisation)}
    for name, team_name, conditions in RULES:
        team = teams.get(team_name)
        if team is None or name in existing:
            continue
        wanted = dict(conditions)
        if "categories" in wanted:
            roots = set(wanted["categories"])
            wanted["categories"] = [
                c.pk for c in categories if c.path.split(" › ")[0] in roots or c.name in roots
            ]
        services.rule_create(organisation=organisation, actor=actor, name=name, team=team, **wanted)
    staff = {user.email: user for user in staff_of(organisation=organisation)}
    for email, (status, capacity, skills) in AGENTS.items():
        agent = staff.get(email)
        if agent is None:
            continue
        services.agent_settings_set(agent=agent, actor=actor, capacity=capacity, skills=skills)
        services.agent_status_set(agent=agent, status=status, actor=agent)
    for team_name, mode in MODES.items():
        if team_name in teams:
            services.team_mode_set(team=teams[team_name], mode=mode, actor=actor)
