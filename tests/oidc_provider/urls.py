from django.contrib.auth.views import LoginView
from django.urls import include, path

from . import views

urlpatterns = [
    path(
        "accounts/login/",
        LoginView.as_view(template_name="oidc_provider/login.html"),
        name="login",
    ),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("test/users", views.users),
    path("test/redirect-uris", views.redirect_uris),
]
