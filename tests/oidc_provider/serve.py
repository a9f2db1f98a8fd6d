"""Run the test OpenID provider: ``python -m tests.oidc_provider.serve``.

Migrates its SQLite database, creates the client (the shop) and serves on 127.0.0.1 with
Django's threaded development WSGI server, in this process (its PID is the server's). The
environment is the one ``tests/oidc.py`` sets (see settings.py).
"""

import os


def main():
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import get_application_model

    call_command("migrate", interactive=False, verbosity=0)

    Application = get_application_model()
    Application.objects.create(
        name="contactkit test shop",
        client_id=settings.OIDC_TEST_CLIENT_ID,
        client_secret=settings.OIDC_TEST_CLIENT_SECRET,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="",  # added by the tests, each one exactly
        skip_authorization=True,  # no consent screen
        algorithm=Application.RS256_ALGORITHM,
    )

    print(f"Test OpenID provider on {settings.URL}", flush=True)
    run("127.0.0.1", settings.PORT, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
