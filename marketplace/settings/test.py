"""Test settings: the same PostgreSQL and Redis as everywhere, faster hashing, local mail."""

from marketplace.settings.base import *

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Each test run gets its own cache namespace so parallel runs never read each other's keys.
CACHES["default"]["KEY_PREFIX"] = f"test-{env.str('PYTEST_XDIST_WORKER', default='main')}"
CELERY_TASK_ALWAYS_EAGER = False
# Behaviour tests assert English text; tests/i18n checks the Persian default (LANGUAGE_CODE="fa").
LANGUAGE_CODE = "en"
# Security features that would get in the way of every other test; tests/security turns each on
# with the `settings` fixture.
STAFF_OTP_REQUIRED = False
AXES_ENABLED = False
