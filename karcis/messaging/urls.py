"""The e-mail screens: its Settings pages (/settings/email/, /settings/incoming-mail/) and
the original of a message on a ticket (/desk/messages/<id>/original.eml)."""

from django.urls import path

from karcis.messaging import views

app_name = "messaging"
urlpatterns = [
    path("settings/email/", views.mailboxes, name="mailboxes"),
    path("settings/email/new/", views.mailbox_create, name="mailbox_create"),
    path("settings/email/<int:pk>/", views.mailbox_edit, name="mailbox_edit"),
    path("settings/incoming-mail/", views.inbound_list, name="inbound_list"),
    path("settings/incoming-mail/<int:pk>/", views.inbound_detail, name="inbound_detail"),
    path("settings/incoming-mail/<int:pk>/rerun/", views.inbound_rerun, name="inbound_rerun"),
    path("settings/incoming-mail/<int:pk>/keep/", views.inbound_keep, name="inbound_keep"),
    path(
        "settings/incoming-mail/<int:pk>/original.eml",
        views.inbound_download,
        name="inbound_download",
    ),
    path(
        "desk/messages/<int:message_pk>/original.eml",
        views.message_original,
        name="message_original",
    ),
]
