from django.urls import include, path

from karcis.desk import views

app_name = "desk"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("settings/", include("karcis.desk.settings_urls")),
]
