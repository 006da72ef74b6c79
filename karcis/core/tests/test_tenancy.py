"""Tenancy outside requests: jobs run in their organisation's scope, and the places that
look across organisations are exactly those on the allowlist (core.tenancy)."""

import ast
from pathlib import Path

import pytest
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from karcis.core.models import Contact
from karcis.core.tenancy import SCOPES_DISABLED_ALLOWLIST, for_each_organisation, in_organisation

KARCIS = Path(__file__).resolve().parents[2]
UNSCOPING = {"scopes_disabled", "with_scopes_disabled"}


def unscoped_places() -> set[str]:
    """Every "module.function" (or "module.Class.method") of the product's code that turns
    the organisation scope off."""
    found = set()
    for path in KARCIS.rglob("*.py"):
        parts = path.relative_to(KARCIS.parent).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        module = ".".join(parts)
        tree = ast.parse(path.read_text())

        def visit(node, names, module=module):
            for child in ast.iter_child_nodes(node):
                inner = names
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    inner = [*names, child.name]
                called = isinstance(child, ast.Call) and (
                    getattr(child.func, "id", None) in UNSCOPING
                    or getattr(child.func, "attr", None) in UNSCOPING
                )
                if called:
                    found.add(".".join([module, *names]))
                visit(child, inner, module)

        visit(tree, [])
    return found


def test_only_the_allowlisted_places_look_across_organisations():
    assert unscoped_places() == set(SCOPES_DISABLED_ALLOWLIST)


@pytest.mark.django_db
def test_a_sweep_visits_each_organisation_in_its_own_scope(org, other_org, contact):
    from karcis.core.services import contact_resolve

    with scope(organisation=other_org.pk):
        contact_resolve(organisation=other_org, email="lain@lain.test")

    with scope():  # as a job starts: scopes on, no organisation
        with pytest.raises(ScopeError):
            list(Contact.objects.all())
        seen = for_each_organisation(
            lambda organisation: sorted(Contact.objects.values_list("name", flat=True))
        )

    assert seen == {org.pk: ["Andi Pratama"], other_org.pk: ["lain"]}


@pytest.mark.django_db
def test_one_organisations_failure_does_not_stop_the_sweep(org, other_org):
    def job(organisation):
        if organisation.pk == org.pk:
            raise RuntimeError("broken")
        return "done"

    with scope():
        assert for_each_organisation(job) == {other_org.pk: "done"}


@pytest.mark.django_db
def test_a_task_for_one_organisation_runs_in_its_scope(org, other_org, contact):
    @in_organisation
    def count_contacts(organisation_id):
        return Contact.objects.count()

    with scope():
        assert count_contacts(org.pk) == 1
        assert count_contacts(other_org.pk) == 0
        assert count_contacts(987654) is None  # gone: nothing to do
