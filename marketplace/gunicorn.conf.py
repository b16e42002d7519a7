"""gunicorn settings for the demo and production; every value overridable from the environment."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG") else None
preload_app = True


def on_starting(server) -> None:
    """Stop before forking workers when PostgreSQL or Redis is unreachable, in one line."""
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from marketplace.env import check_reachable

    try:
        django.setup()
        check_reachable(database=settings.DATABASES["default"], redis=settings.REDIS_URL)
    except ImproperlyConfigured as exc:
        server.log.error("configuration error: %s", exc)
        raise SystemExit(2) from None
