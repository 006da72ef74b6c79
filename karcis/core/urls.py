from django.urls import path

from karcis.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("login/reset/", views.password_reset, name="password_reset"),
    path("login/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path(
        "login/reset/<str:uidb64>/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
]
