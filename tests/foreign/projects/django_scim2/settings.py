"""django-scim2 on PostgreSQL, set up as its README says: the app, its URLs, its settings.

The package reads users and groups through abstract models it ships (`AbstractSCIMUserMixin`,
`AbstractSCIMGroupMixin`); `accounts` is the smallest project app that uses them. The package
leaves authentication to the project: `accounts.auth.BearerTokenMiddleware` sets `request.user`
from the bearer token, and the package's own `SCIMAuthCheckMiddleware` then admits or refuses.
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
    "django_scim",
    "accounts",
]
MIDDLEWARE = ["accounts.auth.BearerTokenMiddleware"]
ROOT_URLCONF = "urls"
AUTH_USER_MODEL = "accounts.User"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("SCIM_FOREIGN_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("SCIM_FOREIGN_PG_PORT", "5432"),
        "NAME": os.environ.get("SCIM_FOREIGN_PG_NAME", "scim"),
        "USER": os.environ.get("SCIM_FOREIGN_PG_USER", "postgres"),
    }
}

SCIM_SERVICE_PROVIDER = {
    "NETLOC": os.environ.get("SCIM_FOREIGN_NETLOC", "127.0.0.1"),
    "SCHEME": "http",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token",
        }
    ],
    "GROUP_MODEL": "accounts.models.Group",
    # The challenge of a 401 names the scheme the project uses (the default says Basic).
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="scim"',
}

# Server errors (500s) go to stderr, which the test fixture keeps in the server's log file.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
