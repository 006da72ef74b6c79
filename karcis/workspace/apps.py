from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "karcis.workspace"
    label = "workspace"
    verbose_name = "Workspace"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from karcis.core import permissions
        from karcis.core.selectors import staff_home_resolver
        from karcis.workspace import navigation

        def staff_home(user):  # type: ignore[no-untyped-def]
            # Imported when first needed: the views module is loaded with the URLs.
            from karcis.workspace.views import staff_home as first_section

            return first_section(user)

        staff_home_resolver(staff_home)

        navigation.settings_page(
            "organisation",
            label=_("Organisation"),
            description=_(
                "Name, ticket number prefix, time zone, language and support e-mail address."
            ),
            url_name="workspace:settings_organisation",
            capability=permissions.ORGANISATION_MANAGE,
            order=10,
        )
        navigation.settings_page(
            "teams",
            label=_("Teams"),
            description=_("Groups of agents that tickets are routed to."),
            url_name="workspace:settings_teams",
            capability=permissions.STAFF_MANAGE,
            order=20,
        )
        navigation.settings_page(
            "agents",
            label=_("Agents"),
            description=_("Who works the desk: accounts, roles, teams and access."),
            url_name="workspace:settings_agents",
            capability=permissions.STAFF_MANAGE,
            order=30,
        )
        navigation.settings_page(
            "roles",
            label=_("Roles"),
            description=_("What each role may do; roles of your own beside the built-in ones."),
            url_name="workspace:settings_roles",
            capability=permissions.STAFF_MANAGE,
            order=40,
        )
