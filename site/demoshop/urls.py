from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from contactkit.sitemaps import TranslatedSitemap
from demoshop import media

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Every page in every language, with its hreflang alternates.
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": TranslatedSitemap}}),
    # contactkit's endpoints outside the pages (the inbound-mail webhook).
    path("contactkit/", include("contactkit.urls")),
    # Sign-in through python-social-auth (docs/sign-in.md): the provider sends the browser
    # back to /auth/complete/<backend>/.
    path("auth/", include("contactkit.accounts.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
else:
    # Production without a web server in front for MEDIA_ROOT: SERVE_MEDIA (demoshop/media.py).
    urlpatterns += media.urlpatterns()

# Pages in the default language (Spanish) have no prefix; the others start with theirs (/en/).
urlpatterns += i18n_patterns(path("", include(wagtail_urls)), prefix_default_language=False)
