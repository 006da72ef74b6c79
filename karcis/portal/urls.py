from django.urls import path

from karcis.portal import views

app_name = "portal"
urlpatterns = [
    path("<slug:org>/", views.home, name="home"),
    path("<slug:org>/new/", views.submit, name="submit"),
    path("<slug:org>/track/", views.track, name="track"),
    # A signed tracking link is the visitor's key to one ticket.
    path("<slug:org>/t/<str:token>/", views.ticket, name="ticket"),
    path("<slug:org>/t/<str:token>/submitted/", views.submitted, name="submitted"),
    path("<slug:org>/t/<str:token>/follow-up/", views.ticket_follow_up, name="ticket_follow_up"),
    path("<slug:org>/t/<str:token>/files/<str:file_token>/", views.ticket_file, name="ticket_file"),
    # Signed-in customers reach their tickets by number.
    path("<slug:org>/my-tickets/", views.my_tickets, name="my_tickets"),
    path("<slug:org>/tickets/<str:number>/", views.my_ticket, name="my_ticket"),
    path(
        "<slug:org>/tickets/<str:number>/follow-up/",
        views.my_ticket_follow_up,
        name="my_ticket_follow_up",
    ),
    path(
        "<slug:org>/tickets/<str:number>/files/<str:file_token>/",
        views.my_ticket_file,
        name="my_ticket_file",
    ),
    path("<slug:org>/signin/", views.signin, name="signin"),
    path("<slug:org>/password-reset/", views.password_reset, name="password_reset"),
    path("<slug:org>/password-reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path(
        "<slug:org>/password-reset/<str:uidb64>/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("<slug:org>/signup/", views.signup, name="signup"),
    path("<slug:org>/signup/sent/", views.signup_sent, name="signup_sent"),
    path("<slug:org>/signup/<str:token>/", views.signup_confirm, name="signup_confirm"),
]
