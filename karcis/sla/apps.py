from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "karcis.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from karcis.calendars import events as calendar_events
        from karcis.core import eventlog, extensions, schedule
        from karcis.core.caching import forget_when_changed
        from karcis.sla import events, history, notifications, permissions, services  # noqa: F401
        from karcis.sla.selectors import names_of_policies, ticket_panel
        from karcis.workspace import navigation

        # The clocks follow every change that can move them, in its transaction.
        for event_type in services.RECOMPUTE_ON:
            eventlog.subscribe(event_type, services.recompute_on)
        forget_when_changed(
            ("sla.SlaPolicy",),
            lambda row: services.forget_policies(row.organisation_id),
            uid="sla-policies",
        )
        eventlog.name_resolver("sla.slapolicy", names_of_policies)
        # A calendar's new hours or holidays move the open tickets' due times.
        eventlog.consumer(
            "sla.calendar_changes",
            types=[
                calendar_events.CALENDAR_CREATED,
                calendar_events.CALENDAR_UPDATED,
                calendar_events.CALENDAR_DELETED,
                calendar_events.DATE_CREATED,
                calendar_events.DATE_UPDATED,
                calendar_events.DATE_DELETED,
            ],
            handle=services.recompute_on_calendar_change,
            start="now",
        )
        schedule.every(
            "sla-scan", "karcis.sla.tasks.clocks_due_announce_task", seconds=services.SCAN_SECONDS
        )
        extensions.contribute("desk.ticket_page.panels", ticket_panel)
        navigation.settings_page(
            "sla",
            label=_("SLA policies"),
            description=_(
                "Targets for first response, next response and resolution, their business "
                "hours and what happens before and after a breach."
            ),
            url_name="sla:settings_policies",
            capability=permissions.POLICIES_MANAGE,
            order=40,
        )
