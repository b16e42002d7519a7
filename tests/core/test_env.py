"""Start-up configuration: a bad setting is one clear line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from marketplace import env as mkt_env

ROOT = Path(__file__).resolve().parents[2]


def _environ(**overrides: str) -> dict[str, str]:
    """The test process's environment for a child process, without test-only switches."""
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ.update(overrides)
    return environ


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "DATABASE_URL is not set"),
        ("sqlite:///db.sqlite3", "must be a postgres:// URL"),
        ("mysql://root@localhost/x", "must be a postgres:// URL"),
        ("not a url", "must be a postgres:// URL"),
        ("postgres://postgres@127.0.0.1:5432/", "names no database"),
    ],
)
def test_database_url_errors_name_the_variable(monkeypatch, value, fragment):
    monkeypatch.setenv("DATABASE_URL", value)

    with pytest.raises(ImproperlyConfigured) as excinfo:
        mkt_env.database_config()

    assert "DATABASE_URL" in str(excinfo.value)
    assert fragment in str(excinfo.value)


def test_database_url_with_a_socket_directory_is_unquoted(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@%2Fvar%2Frun%2Fpg:5432/shop")

    config = mkt_env.database_config()

    assert config["HOST"] == "/var/run/pg"
    assert config["NAME"] == "shop"
    assert config["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "REDIS_URL is not set"),
        ("http://127.0.0.1:6379", "must be a redis://"),
        ("redis://", "names no host"),
        ("redis://127.0.0.1:notaport/0", "bad port"),
    ],
)
def test_redis_url_errors_name_the_variable(monkeypatch, value, fragment):
    monkeypatch.setenv("REDIS_URL", value)

    with pytest.raises(ImproperlyConfigured) as excinfo:
        mkt_env.redis_url()

    assert "REDIS_URL" in str(excinfo.value)
    assert fragment in str(excinfo.value)


def test_unreachable_redis_is_reported_by_name(settings):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        mkt_env.check_reachable(
            database=settings.DATABASES["default"], redis="redis://127.0.0.1:1/0", timeout=0.5
        )

    assert str(excinfo.value).startswith("REDIS_URL: cannot connect to Redis")


def test_unreachable_database_is_reported_by_name():
    bad = {"NAME": "x", "HOST": "127.0.0.1", "PORT": 1, "USER": "postgres"}

    with pytest.raises(ImproperlyConfigured) as excinfo:
        mkt_env.check_reachable(database=bad, redis=os.environ["REDIS_URL"], timeout=1)

    assert str(excinfo.value).startswith("DATABASE_URL: cannot connect to PostgreSQL")


def test_manage_py_prints_one_line_for_a_bad_database_url():
    environ = _environ(DATABASE_URL="sqlite:///x.db")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: DATABASE_URL must be a postgres:// URL (this project runs on "
        "PostgreSQL only), got scheme 'sqlite'"
    ]
    assert "Traceback" not in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    environ = _environ(DJANGO_SETTINGS_MODULE="marketplace.settings.production", SECRET_KEY="")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 2
    assert "SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_check_deploy_is_clean_with_the_required_environment():
    environ = _environ(
        DJANGO_SETTINGS_MODULE="marketplace.settings.production",
        SECRET_KEY="x" * 20 + "production-secret-for-the-check-only-0123456789",
        ALLOWED_HOSTS="market.mashhad.example",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
