"""The SLA's pages: the explanation of a ticket's due times (beside the desk's ticket
pages) and its Settings pages under /settings/."""

from django.urls import path

from karcis.sla import views

app_name = "sla"
urlpatterns = [
    path("desk/tickets/<str:number>/sla/", views.ticket_explain, name="ticket_explain"),
    path("settings/sla/", views.policies, name="settings_policies"),
    path("settings/sla/new/", views.policy_create, name="settings_policy_create"),
    path("settings/sla/<int:pk>/", views.policy_edit, name="settings_policy_edit"),
    path("settings/sla/<int:pk>/move/", views.policy_move, name="settings_policy_move"),
    path("settings/sla/<int:pk>/delete/", views.policy_delete, name="settings_policy_delete"),
]
