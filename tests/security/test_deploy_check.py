"""Production settings pass Django's deployment checklist with no warning, given the environment
a real deployment sets, and send the security headers and cookie flags."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _production_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECRET_", "DEBUG", "ALLOWED_", "SECURE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="marketplace.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="market.mashhad.example",
        CSRF_TRUSTED_ORIGINS="https://market.mashhad.example",
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=os.environ["REDIS_URL"],
    )
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECRET_KEY", "short", "SECRET_KEY must be set to a random string of at least 50"),
        ("ALLOWED_HOSTS", "", "ALLOWED_HOSTS must list the site's host names"),
    ],
)
def test_production_refuses_to_start_without_real_secrets(name, value, message):
    env = _production_env()
    env[name] = value

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert message in result.stderr


SETTINGS_PROBE = """
from django.conf import settings as s
print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT,
      s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,
      s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.CSRF_COOKIE_SAMESITE, s.X_FRAME_OPTIONS,
      s.STAFF_OTP_REQUIRED, s.AXES_ENABLED, s.DEBUG)
"""


def test_production_turns_on_https_cookies_and_staff_protections():
    result = _manage("shell", "-c", SETTINGS_PROBE, env=_production_env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "31536000",
        "True",
        "True",
        "True",
        "True",
        "Lax",
        "True",
        "True",
        "Lax",
        "DENY",
        "True",
        "True",
        "False",
    ]
