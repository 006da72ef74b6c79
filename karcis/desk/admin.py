from django.contrib import admin

from karcis.desk.models import Category, CustomField, Tag, Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: tickets change through the desk so that every change is an event."""

    list_display = ["number", "subject", "status", "priority", "organisation", "created_at"]
    list_filter = ["status", "priority", "organisation"]
    search_fields = ["number", "subject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Category)
admin.site.register(Tag)
admin.site.register(CustomField)
