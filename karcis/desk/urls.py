from django.urls import include, path

from karcis.desk import views

app_name = "desk"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("search/", views.search, name="search"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/bulk/", views.tickets_bulk, name="tickets_bulk"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:number>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<str:number>/properties/", views.ticket_properties, name="ticket_properties"),
    path("files/<str:token>/", views.attachment_download, name="attachment"),
    path("settings/", include("karcis.desk.settings_urls")),
]
