"""The settings screens, under /desk/settings/ in the `desk` namespace (names settings_*)."""

from django.urls import path

from karcis.desk import settings_views as views

urlpatterns = [
    path("", views.index, name="settings"),
    path("organisation/", views.organisation, name="settings_organisation"),
    path("teams/", views.teams, name="settings_teams"),
    path("teams/new/", views.team_create, name="settings_team_create"),
    path("teams/<int:pk>/", views.team_edit, name="settings_team_edit"),
    path("agents/", views.agents, name="settings_agents"),
    path("agents/new/", views.agent_create, name="settings_agent_create"),
    path("agents/<int:pk>/", views.agent_edit, name="settings_agent_edit"),
    path("categories/", views.categories, name="settings_categories"),
    path("categories/new/", views.category_create, name="settings_category_create"),
    path("categories/<int:pk>/", views.category_edit, name="settings_category_edit"),
    path(
        "categories/<int:pk>/active/",
        views.category_set_active,
        name="settings_category_set_active",
    ),
    path("fields/", views.custom_fields, name="settings_fields"),
    path("fields/new/", views.custom_field_create, name="settings_field_create"),
    path("fields/<int:pk>/", views.custom_field_edit, name="settings_field_edit"),
    path("tags/", views.tags, name="settings_tags"),
    path("tags/<int:pk>/", views.tag_edit, name="settings_tag_edit"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="settings_tag_delete"),
]
