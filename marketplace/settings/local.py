"""Local development and the demo: debug on, a fixed development secret."""

from marketplace.settings.base import *

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "local-dev-only-not-a-secret"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# gunicorn in the demo serves static files straight from the apps, with no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
