from django.urls import path

from karcis.portal import views

app_name = "portal"
urlpatterns = [
    path("<slug:org>/", views.home, name="home"),
    path("<slug:org>/my-tickets/", views.my_tickets, name="my_tickets"),
]
