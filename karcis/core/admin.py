"""Django admin, for platform operators and the rarest settings only; daily work has screens."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from karcis.core.forms import AdminLoginForm
from karcis.core.models import Contact, ContactIdentity, Event, Organisation, Team, User

# The admin's sign-in is throttled and audited like the staff sign-in (core.forms).
admin.site.login_form = AdminLoginForm


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "ticket_prefix", "time_zone", "language"]
    search_fields = ["name", "slug"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name", "organisation", "role", "language"]}),
        # sees_all_tickets is a capability now (given under Settings → Agents), not a column.
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "name", "organisation", "role", "password1", "password2"]})
    ]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    filter_horizontal = ["members"]


class ContactIdentityInline(admin.TabularInline):
    model = ContactIdentity
    extra = 0


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "created_at"]
    list_filter = ["organisation"]
    search_fields = ["name", "identities__value"]
    inlines = [ContactIdentityInline]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: the event log is history and is never edited."""

    list_display = ["created_at", "type", "object_type", "object_id", "actor", "organisation"]
    list_filter = ["type", "organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
