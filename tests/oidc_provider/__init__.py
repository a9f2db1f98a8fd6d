"""A real OpenID Connect provider for the tests: a tiny Django project on django-oauth-toolkit.

It runs in a process of its own (``python -m tests.oidc_provider.serve``), started and stopped by
``tests/oidc.py``; the test process never imports its settings. Users, their claims and the
client's redirect URIs are added at run time through the JSON endpoints under ``/test/``.
"""
