"""The demo's URLs plus its uploaded images, which demoshop serves only with DEBUG on."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from demoshop.urls import urlpatterns as demo_urlpatterns


def media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), *demo_urlpatterns]
