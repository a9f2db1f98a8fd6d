"""The demo's addresses, plus one whose view fails as a bug would (for the log test)."""

from django.urls import path

from demoshop.urls import urlpatterns as demo_urlpatterns


class DeliberateFailure(Exception):
    pass


def fails(request):
    raise DeliberateFailure("the view of /deploy-test/fails/ failed on purpose")


urlpatterns = [path("deploy-test/fails/", fails), *demo_urlpatterns]
