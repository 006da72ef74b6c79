"""The desk's pages: its part of the workspace under /desk/, and its Settings pages under
/settings/ beside the other apps' (names settings_*)."""

from django.urls import include, path

from karcis.desk import identity_views, settings_views, views

app_name = "desk"
urlpatterns = [
    path("desk/", views.inbox, name="inbox"),
    path("desk/search/", views.search, name="search"),
    path("desk/tickets/new/", views.ticket_new, name="ticket_new"),
    path("desk/tickets/bulk/", views.tickets_bulk, name="tickets_bulk"),
    path("desk/tickets/<str:number>/", views.ticket_detail, name="ticket"),
    path("desk/tickets/<str:number>/reply/", views.ticket_reply, name="ticket_reply"),
    path(
        "desk/tickets/<str:number>/properties/",
        views.ticket_properties,
        name="ticket_properties",
    ),
    path(
        "desk/tickets/<str:number>/requester/<int:pk>/<slug:action>/",
        identity_views.requester_identity,
        name="requester_identity",
    ),
    path("desk/tickets/<str:number>/merge/", views.ticket_merge_view, name="ticket_merge"),
    path("desk/tickets/<str:number>/split/", views.ticket_split_view, name="ticket_split"),
    path("desk/tickets/<str:number>/links/", views.ticket_links_view, name="ticket_links"),
    path(
        "desk/tickets/<str:number>/participants/",
        views.ticket_participants_view,
        name="ticket_participants",
    ),
    path("desk/contacts/<int:pk>/merge/", views.contact_merge_view, name="contact_merge"),
    path("desk/files/<str:token>/", views.attachment_download, name="attachment"),
    path("settings/", include(settings_views.urlpatterns)),
]
