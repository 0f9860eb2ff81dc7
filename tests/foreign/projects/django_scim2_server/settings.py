"""django-scim2-server on SQLite, set up as its README says: the app, its URLs, its migrations.

Its users and groups are Django's own ``auth.User`` and ``auth.Group`` (the package's defaults).
Access control is the package's ``SCIM2_SERVER_AUTH_CHECK`` hook: ``bearer.token_matches``
admits the bearer token in ``SCIM_FOREIGN_TOKEN``.
"""

from __future__ import annotations

import os

SECRET_KEY = "foreign-corpus-throwaway-key"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_scim2_server",
]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SCIM_FOREIGN_SQLITE", "scim.sqlite3"),
    }
}

SCIM2_SERVER_AUTH_CHECK = "bearer.token_matches"

# Server errors (500s) go to stderr, which the test fixture keeps in the server's log file.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
