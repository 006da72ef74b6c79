"""The workspace's own screens: Settings (/settings/…) and notifications (/notifications/…).
The apps mount their own settings pages under /settings/ too (their urls.py)."""

from django.urls import path

from karcis.workspace import views

app_name = "workspace"
urlpatterns = [
    path("settings/", views.settings_index, name="settings"),
    path("settings/organisation/", views.organisation, name="settings_organisation"),
    path("settings/teams/", views.teams, name="settings_teams"),
    path("settings/teams/new/", views.team_create, name="settings_team_create"),
    path("settings/teams/<int:pk>/", views.team_edit, name="settings_team_edit"),
    path("settings/agents/", views.agents, name="settings_agents"),
    path("settings/agents/new/", views.agent_create, name="settings_agent_create"),
    path("settings/agents/<int:pk>/", views.agent_edit, name="settings_agent_edit"),
    path("settings/roles/", views.roles, name="settings_roles"),
    path("settings/roles/new/", views.role_create, name="settings_role_create"),
    path("settings/roles/<int:pk>/", views.role_edit, name="settings_role_edit"),
    path("settings/roles/<int:pk>/delete/", views.role_delete, name="settings_role_delete"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/panel/", views.notifications_panel, name="notifications_panel"),
    path("notifications/count/", views.notifications_count, name="notifications_count"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
]
