"""Reads every portal request makes, cached: the organisation named in the URL, and what
its ticket form offers (active categories, the custom fields a customer fills in).

Each of them was one query per page, and each changes only when somebody edits the
organisation or its settings (docs/decisions/0019). They are kept in Django's cache the
way the desk keeps its custom field definitions and core its roles: per organisation,
forgotten at once and again after the commit of any change to the rows they come from
(`forget_on_change`, connected by the app's ready()). The cache lives in each process
unless REDIS_URL shares it; a change made elsewhere is seen at the latest after
CACHE_SECONDS.

Lookups that find nothing are not cached: a stranger's random slugs must not fill it.
"""

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models.signals import pre_save

from karcis.core.caching import forget, forget_when_changed
from karcis.core.models import Organisation
from karcis.desk.selectors import categories_of, custom_fields_of

CACHE_SECONDS = 600
SLUG_MAX_LENGTH = Organisation._meta.get_field("slug").max_length or 50


def _organisation_key(slug: str) -> str:
    return f"karcis:portal:organisation:{slug}"


def _form_key(organisation_id: int) -> str:
    return f"karcis:portal:form:{organisation_id}"


def organisation_by_slug(slug: str) -> Organisation | None:
    """The organisation whose portal this slug names, None when there is none."""
    if len(slug) > SLUG_MAX_LENGTH:  # no such slug; nor a cache key of any length
        return None
    key = _organisation_key(slug)
    organisation: Organisation | None = cache.get(key)
    if organisation is None:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is not None:
            cache.set(key, organisation, timeout=CACHE_SECONDS)
    return organisation


def category_tree_order(categories: Any) -> list[Any]:
    """Parents first, then their children: sort on the path's parts, not its characters
    (a plain sort would put 'Tagihan Air' between 'Tagihan' and 'Tagihan › Denda')."""
    return sorted(categories, key=lambda c: [part.casefold() for part in c.path.split(" › ")])


@dataclass(frozen=True)
class FormChoices:
    """What the ticket form offers: active categories, parents before their children,
    and the active custom fields shown to customers."""

    categories: list[Any]
    custom_fields: list[Any]


def form_choices(*, organisation: Organisation) -> FormChoices:
    key = _form_key(organisation.pk)
    choices: FormChoices | None = cache.get(key)
    if choices is None:
        choices = FormChoices(
            categories=category_tree_order(categories_of(organisation=organisation)),
            custom_fields=list(custom_fields_of(organisation=organisation, for_customer=True)),
        )
        cache.set(key, choices, timeout=CACHE_SECONDS)
    return choices


# --- forgetting on change ---------------------------------------------------------------


def _organisation_renamed(sender: Any, instance: Organisation, **kwargs: Any) -> None:
    # Only the Django admin changes a slug; the portal must stop answering to the old one.
    if instance.pk is None:
        return
    old = Organisation.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    if old and old != instance.slug:
        forget(_organisation_key(old))


def forget_on_change() -> None:
    """Forget what is cached here on every change of the rows behind it, and an old slug
    before the save that changes it."""
    pre_save.connect(_organisation_renamed, sender=Organisation, dispatch_uid="portal-org-slug")
    forget_when_changed(
        (Organisation,),
        lambda organisation: [_organisation_key(organisation.slug), _form_key(organisation.pk)],
        uid="portal-org",
    )
    forget_when_changed(
        ("desk.Category", "desk.CustomField"),
        lambda row: [_form_key(row.organisation_id)],
        uid="portal-form",
    )
