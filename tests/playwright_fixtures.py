"""Playwright driving Debian's Chromium against pytest-django's live server: one browser for the
whole session, shared by every test folder (registered in tests/conftest.py; a second
``sync_playwright`` in the same session would fail inside the first one's event loop)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

#: test-artifacts/ at the project root, which CI keeps (``.ci/run`` writes its junit report there).
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"


def screenshots_dir(request) -> Path:
    """test-artifacts/screenshots/<test>/ for this test (parameters kept, unsafe characters dropped)."""
    name = re.sub(r"[^\w.\-\[\]]+", "_", request.node.name)
    folder = SCREENSHOTS / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser(chromium_path, django_db_setup):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in the test thread; the ORM calls that
    # tests and pytest-django make there are still synchronous, so allow them while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    page.screenshot(path=str(screenshots_dir(request) / "99-final.png"), full_page=True)
    context.close()


@pytest.fixture
def shot(request):
    """Save a numbered screenshot of the test's ``page`` (or of ``tab``, another page the test
    opened) as test-artifacts/screenshots/<test>/<NN>-<step>.png."""
    counter = iter(range(1, 99))

    def take(step: str, tab=None) -> None:
        # ``page`` only when asked for, so a test with its own tabs opens no extra browser context.
        (tab or request.getfixturevalue("page")).screenshot(
            path=str(screenshots_dir(request) / f"{next(counter):02d}-{step}.png"), full_page=True
        )

    return take
