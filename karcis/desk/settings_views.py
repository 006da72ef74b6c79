"""The desk's pages of Settings, for those who may manage the desk's settings: the category
tree, custom fields and tags. Mounted under /settings/ beside the other apps' pages (their
names are desk:settings_*); the workspace draws the layout and lives each form.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from karcis.desk import selectors, services
from karcis.desk.permissions import SETTINGS_MANAGE
from karcis.desk.settings_forms import (
    ActiveForm,
    CategoryCreateForm,
    CategoryRenameForm,
    CustomFieldCreateForm,
    CustomFieldEditForm,
    TagRenameForm,
)
from karcis.workspace.guards import capability_required
from karcis.workspace.pages import form_page, settings_invalid, settings_page

safe_methods = require_http_methods(["GET", "HEAD", "POST"])
settings_required = capability_required(SETTINGS_MANAGE, settings_page=True)


# --- categories -----------------------------------------------------------------------------


@settings_required
@require_http_methods(["GET", "HEAD"])
def categories(request):
    tree = selectors.category_tree_of(organisation=request.user.organisation)
    return settings_page(
        request, "desk/settings/categories.html", {"categories": tree}, active="categories"
    )


@settings_required
@safe_methods
def category_create(request):
    organisation = request.user.organisation
    initial = {"parent": request.GET.get("parent")} if request.GET.get("parent") else None
    form = CategoryCreateForm(request.POST or None, initial=initial, organisation=organisation)

    def save(data):
        category = services.category_create(
            organisation=organisation, name=data["name"], parent=data["parent"], actor=request.user
        )
        return _("Category “%(name)s” has been created.") % {"name": category.path}

    return form_page(
        request,
        form,
        template="desk/settings/category_form.html",
        context={"form": form, "category": None},
        active="categories",
        save=save,
        done="desk:settings_categories",
    )


def _category_of(request, pk: int):
    organisation = request.user.organisation
    queryset = selectors.categories_of(organisation=organisation, active_only=False)
    return get_object_or_404(queryset.select_related("parent"), pk=pk)


@settings_required
@safe_methods
def category_edit(request, pk: int):
    category = _category_of(request, pk)
    form = CategoryRenameForm(
        request.POST or None,
        initial={"name": category.name},
        organisation=request.user.organisation,
        category=category,
    )

    def save(data):
        services.category_update(category=category, actor=request.user, name=data["name"])
        return _("Category “%(name)s” has been saved.") % {"name": category.path}

    return form_page(
        request,
        form,
        template="desk/settings/category_form.html",
        context={"form": form, "category": category},
        active="categories",
        save=save,
        done="desk:settings_categories",
    )


@settings_required
@require_POST
def category_set_active(request, pk: int):
    category = _category_of(request, pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        rename = CategoryRenameForm(
            initial={"name": category.name},
            organisation=request.user.organisation,
            category=category,
        )
        context = {"form": rename, "category": category, "active_error": True}
        return settings_invalid(
            request, "desk/settings/category_form.html", context, active="categories"
        )
    active = form.cleaned_data["is_active"]
    services.category_update(category=category, actor=request.user, is_active=active)
    if active:
        text = _("Category “%(name)s” is active again.")
    else:
        text = _(
            "Category “%(name)s” has been deactivated. Tickets keep it; new tickets cannot use it."
        )
    messages.success(request, text % {"name": category.path})
    return redirect("desk:settings_categories")


# --- custom fields --------------------------------------------------------------------------


@settings_required
@require_http_methods(["GET", "HEAD"])
def custom_fields(request):
    rows = selectors.custom_fields_all_of(organisation=request.user.organisation)
    return settings_page(request, "desk/settings/fields.html", {"fields": rows}, active="fields")


@settings_required
@safe_methods
def custom_field_create(request):
    organisation = request.user.organisation
    form = CustomFieldCreateForm(request.POST or None)

    def save(data):
        field = services.custom_field_create(
            organisation=organisation,
            key=data["key"],
            label=data["label"],
            kind=data["kind"],
            choices=data["choices"],
            required=data["required"],
            visible_to_customer=data["visible_to_customer"],
            actor=request.user,
        )
        return _("Field “%(label)s” has been created.") % {"label": field.label}

    return form_page(
        request,
        form,
        template="desk/settings/field_form.html",
        context={"form": form, "field": None},
        active="fields",
        save=save,
        done="desk:settings_fields",
    )


@settings_required
@safe_methods
def custom_field_edit(request, pk: int):
    organisation = request.user.organisation
    field = get_object_or_404(selectors.custom_fields_all_of(organisation=organisation), pk=pk)
    form = CustomFieldEditForm(
        request.POST or None, initial=CustomFieldEditForm.initial_for(field), field=field
    )

    def save(data):
        services.custom_field_update(
            field=field,
            actor=request.user,
            label=data["label"],
            choices=data.get("choices"),
            required=data["required"],
            visible_to_customer=data["visible_to_customer"],
            is_active=data["is_active"],
        )
        return _("Field “%(label)s” has been saved.") % {"label": field.label}

    return form_page(
        request,
        form,
        template="desk/settings/field_form.html",
        context={"form": form, "field": field},
        active="fields",
        save=save,
        done="desk:settings_fields",
    )


# --- tags -----------------------------------------------------------------------------------


@settings_required
@require_http_methods(["GET", "HEAD"])
def tags(request):
    rows = selectors.tags_with_usage_of(organisation=request.user.organisation)
    return settings_page(request, "desk/settings/tags.html", {"tags": rows}, active="tags")


def _tag_of(request, pk: int):
    queryset = selectors.tags_with_usage_of(organisation=request.user.organisation)
    return get_object_or_404(queryset, pk=pk)


@settings_required
@safe_methods
def tag_edit(request, pk: int):
    tag = _tag_of(request, pk)
    form = TagRenameForm(request.POST or None, initial={"name": tag.name})
    old_name = tag.name

    def save(data):
        result = services.tag_rename(tag=tag, name=data["name"], actor=request.user)
        if result.pk != tag.pk:
            text = _("Tag “%(old)s” has been merged into “%(new)s”.")
        else:
            text = _("Tag “%(old)s” is now called “%(new)s”.")
        return text % {"old": old_name, "new": result.name}

    return form_page(
        request,
        form,
        template="desk/settings/tag_form.html",
        context={"form": form, "tag": tag},
        active="tags",
        save=save,
        done="desk:settings_tags",
    )


@settings_required
@require_POST
def tag_delete(request, pk: int):
    tag = _tag_of(request, pk)
    name = tag.name
    services.tag_delete(tag=tag, actor=request.user)
    messages.success(request, _("Tag “%(name)s” has been deleted.") % {"name": name})
    return redirect("desk:settings_tags")


urlpatterns = [
    path("categories/", categories, name="settings_categories"),
    path("categories/new/", category_create, name="settings_category_create"),
    path("categories/<int:pk>/", category_edit, name="settings_category_edit"),
    path("categories/<int:pk>/active/", category_set_active, name="settings_category_set_active"),
    path("fields/", custom_fields, name="settings_fields"),
    path("fields/new/", custom_field_create, name="settings_field_create"),
    path("fields/<int:pk>/", custom_field_edit, name="settings_field_edit"),
    path("tags/", tags, name="settings_tags"),
    path("tags/<int:pk>/", tag_edit, name="settings_tag_edit"),
    path("tags/<int:pk>/delete/", tag_delete, name="settings_tag_delete"),
]
