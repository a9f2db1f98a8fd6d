"""The demo's WSGI application, plus its uploaded images (MEDIA_ROOT), for gunicorn.

Static files are served by whitenoise's middleware exactly as in demoshop.settings.production.
Uploaded images are not: site/demoshop/urls.py serves them only with DEBUG on, and a real
deployment serves them from its web server or object storage. Without this wrapper every photo
on the About page would be a 404 (a console error, and a Lighthouse best-practices failure).
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from whitenoise import WhiteNoise

application = WhiteNoise(
    get_wsgi_application(),
    root=settings.MEDIA_ROOT,
    prefix=settings.MEDIA_URL,
    # Wagtail writes image renditions on first use, after the server started.
    autorefresh=True,
    max_age=3600,
)
