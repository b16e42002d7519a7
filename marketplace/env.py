"""Environment configuration with one-line errors.

Every setting that comes from the environment is read here, so that a missing or malformed value
stops start-up with one line naming the variable and what is wrong (``ImproperlyConfigured``, which
``manage.py``, gunicorn and Celery print without a traceback).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = BASE_DIR / ".env"
if _env_file.exists():
    environ.Env.read_env(str(_env_file))

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}


def database_config(var: str = "DATABASE_URL") -> dict[str, Any]:
    """Parse ``DATABASE_URL`` into Django's DATABASES entry; PostgreSQL only.

    Raises ImproperlyConfigured naming the variable when it is unset, not a URL, or not PostgreSQL.
    """
    raw = env.str(var, default="")
    if not raw:
        raise ImproperlyConfigured(
            f"{var} is not set; point it at PostgreSQL (postgres://user@host:5432/name) "
            "or run through `make demo` / `make test`, which start an embedded server"
        )
    scheme = urlsplit(raw).scheme
    if scheme not in POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"{var} must be a postgres:// URL (this project runs on PostgreSQL only), got scheme "
            f"{scheme or 'none'!r}"
        )
    try:
        config = env.db_url_config(raw)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise ImproperlyConfigured(f"{var} is malformed: {exc}") from exc
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{var} names no database (the path part is empty)")
    host = config.get("HOST") or ""
    if host.startswith("%2F") or host.startswith("%2f"):
        config["HOST"] = unquote(host)  # a Unix socket directory, percent-encoded in the URL
    config["ENGINE"] = "django.db.backends.postgresql"
    config.setdefault("OPTIONS", {})
    config["OPTIONS"].setdefault("connect_timeout", 5)
    config["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


def redis_url(var: str = "REDIS_URL") -> str:
    """Return ``REDIS_URL`` after checking its shape (redis://, rediss:// or unix://)."""
    raw = env.str(var, default="")
    if not raw:
        raise ImproperlyConfigured(
            f"{var} is not set; point it at Redis (redis://127.0.0.1:6379/0) "
            "or run through `make demo` / `make test`, which start an embedded server"
        )
    parts = urlsplit(raw)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"{var} must be a redis://, rediss:// or unix:// URL, got scheme {parts.scheme or 'none'!r}"
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise ImproperlyConfigured(f"{var} names no host")
    try:
        _ = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{var} has a bad port: {exc}") from exc
    return raw


def check_reachable(*, database: dict[str, Any], redis: str, timeout: float = 3.0) -> None:
    """Connect to PostgreSQL and Redis once; raise ImproperlyConfigured naming the one that failed.

    Used at process start (gunicorn, Celery, the demo runner) so that an unreachable service is one
    clear line, not a traceback at the first request.
    """
    import psycopg
    import redis as redis_lib

    try:
        conn = psycopg.connect(
            dbname=database["NAME"],
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            connect_timeout=int(timeout),
        )
        conn.close()
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImproperlyConfigured(f"DATABASE_URL: cannot connect to PostgreSQL: {first}") from exc
    try:
        client = redis_lib.Redis.from_url(
            redis, socket_connect_timeout=timeout, socket_timeout=timeout
        )
        client.ping()
    except (redis_lib.RedisError, OSError) as exc:
        raise ImproperlyConfigured(f"REDIS_URL: cannot connect to Redis at {redis}: {exc}") from exc
