"""Routing's pages: its Settings pages under /settings/ and the agent's own status."""

from karcis.routing import views

app_name = "routing"
urlpatterns = views.urlpatterns
