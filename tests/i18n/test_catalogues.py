"""Our translation catalogues (locale/): complete in Persian and English, compiled, and a missing
translation shows the English text, never a blank."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES]

#: What a buyer reads in the storefront: Arabic and Russian must translate at least these.
BUYER_FACING = [
    "City fee / عوارض شهرداری",
    "VAT",
    "Duties",
    "Order total",
    "Shipping",
    "Shipping address",
    "Total for the purchase",
    "Your orders, one per merchant",
    "Card number",
    "Your card was declined.",
    "Your card will be charged %(amount)s in %(currency)s.",
    "You will be charged %(amount)s.",
    "approximate",
    "Show prices in",
    "Product Description",
    "Basket",
    "Continue shopping",
    "Thank you for your purchase %(number)s.",
    "Your Mashhad marketplace purchase %(number)s",
    "Refund for your purchase %(number)s",
    "This is not a valid phone number. Enter it with the country code, e.g. +93 70 123 4567.",
]


def catalogue(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po, locale=language)


def ours(language: str):
    return [message for message in catalogue(language) if message.id]


def is_translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(text and text.strip() for text in strings)


def test_every_language_we_serve_has_a_catalogue():
    assert LANGUAGES == ["fa", "en", "ar", "ru"]
    for language in LANGUAGES:
        assert (LOCALE / language / "LC_MESSAGES" / "django.po").is_file()
        assert (LOCALE / language / "LC_MESSAGES" / "django.mo").is_file()


@pytest.mark.parametrize("language", ["fa", "en"])
def test_persian_and_english_are_complete_and_nothing_is_fuzzy(language):
    messages = ours(language)
    assert len(messages) > 1000
    untranslated = [message.id for message in messages if not is_translated(message)]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert not catalogue(language).fuzzy


def test_english_is_the_english_text_itself():
    differing = [
        message.id
        for message in ours("en")
        if (tuple(message.id) if isinstance(message.id, tuple | list) else message.id)
        != (tuple(message.string) if isinstance(message.string, tuple | list) else message.string)
    ]
    assert differing == []


def test_every_catalogue_holds_the_same_strings():
    ids = {language: {(m.id, m.context) for m in ours(language)} for language in LANGUAGES}
    assert ids["en"] == ids["fa"] == ids["ar"] == ids["ru"]


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_arabic_and_russian_translate_what_a_buyer_reads(language):
    by_id = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in ours(language)}
    missing = [
        msgid for msgid in BUYER_FACING if not is_translated(by_id[msgid]) or by_id[msgid].fuzzy
    ]
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    problems = [
        (message.id, [str(error) for error in errors])
        for message, errors in catalogue(language).check()
        if errors
    ]
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_up_to_date_with_its_source(language):
    expected = io.BytesIO()
    write_mo(expected, catalogue(language))
    expected.seek(0)
    compiled = LOCALE / language / "LC_MESSAGES" / "django.mo"
    with compiled.open("rb") as mo:
        actual = gettext.GNUTranslations(mo)
    wanted = gettext.GNUTranslations(expected)
    assert actual._catalog == wanted._catalog, (  # type: ignore[attr-defined]
        f"{compiled} is stale: run `pybabel compile -d locale -D django` (see i18n/README.md)"
    )


def test_a_persian_reader_gets_persian():
    with translation.override("fa"):
        assert translation.gettext("City fee / عوارض شهرداری") == "عوارض شهرداری"
        assert translation.gettext("Basket") == "سبد خرید"
        assert translation.gettext("Order total") == "جمع سفارش"


def test_a_missing_translation_shows_the_english_text_never_a_blank():
    untranslated = [
        message.id
        for message in ours("ar")
        if isinstance(message.id, str) and not is_translated(message) and "%" not in message.id
    ]
    assert untranslated, "Arabic is expected to leave some back-office strings to English"
    template = Template("{% load i18n %}{% trans text %}")
    for language in ("ar", "ru"):
        with translation.override(language):
            for msgid in untranslated[:50]:
                shown = translation.gettext(msgid)
                assert shown.strip(), msgid
                rendered = template.render(Context({"text": msgid}))
                assert rendered.strip(), msgid
    with translation.override("ar"):
        assert translation.gettext("Customs declarations") == "Customs declarations"
        assert translation.gettext("Order total") == "إجمالي الطلب"


def test_no_compiled_string_is_blank():
    for language in LANGUAGES:
        with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
            strings = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
        blank = [key for key, value in strings.items() if key and not str(value).strip()]
        assert blank == [], language
