"""python-social-auth's addresses, through contactkit (namespace "social"):

``path("auth/", include("contactkit.accounts.urls"))`` in the project's URLconf. The address
to register at each provider is ``https://<shop>/auth/complete/<backend name>/``.
"""

from django.urls import path

from contactkit.accounts import views

app_name = "social"

urlpatterns = [
    path("login/<str:backend>/", views.begin, name="begin"),
    path("complete/<str:backend>/", views.complete, name="complete"),
]
