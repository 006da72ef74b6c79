from django.urls import path

from karcis.desk import settings_views

urlpatterns = [
    path("", settings_views.index, name="settings"),
]
