"""Jalali dates in Persian on Oscar's own pages (issue #7): its ``date``/``time`` filters and plain
``{{ date }}`` (i18n/dateformat.py), Jalali date entry in the dashboard's date filters, and the
address book form localised like checkout's."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, date, datetime, time

import django.template.base
import jdatetime
import pytest
from django.conf import settings
from django.template import defaultfilters, engines
from django.urls import reverse
from django.utils import formats, timezone, translation
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order

from i18n import dateformat
from tests.merchants.factories import UserFactory
from tests.shop import iran_ensure

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME
Country = get_model("address", "Country")
UserAddress = get_model("address", "UserAddress")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

#: 21:00 UTC on 20 March 2025 is 00:30 on 21 March in Tehran: Nowruz, 1 Farvardin 1404.
PLACED = datetime(2025, 3, 20, 21, 0, tzinfo=UTC)


def persian(text: str) -> str:
    return text.translate(PERSIAN_DIGITS)


def jalali_parts(value: datetime) -> tuple[jdatetime.date, datetime]:
    local = timezone.localtime(value)
    return jdatetime.date.fromgregorian(date=local.date()), local


def jalali_date(value: datetime) -> str:
    """Django's Persian DATE_FORMAT ("j F Y") in the Jalali calendar."""
    jday, _local = jalali_parts(value)
    return persian(f"{jday.day} {jdatetime.date.j_months_fa[jday.month - 1]} {jday.year}")


def jalali_datetime(value: datetime) -> str:
    """Django's Persian DATETIME_FORMAT ("j F Y، ساعت G:i") in the Jalali calendar."""
    _jday, local = jalali_parts(value)
    return f"{jalali_date(value)}، ساعت {persian(f'{local.hour}:{local.minute:02d}')}"


def gregorian(value: datetime, format_name: str) -> str:
    """What Django's own formatting gives in English (the text before this change)."""
    with translation.override("en"):
        return formats.date_format(timezone.localtime(value), format_name)


def page(client, url: str, language: str) -> str:
    client.cookies[COOKIE] = language
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language
    return response.content.decode()


def without_gregorian_year(html: str) -> bool:
    """Neither 2025 (the order's Gregorian year) in Latin nor in Persian digits."""
    return "2025" not in html and persian("2025") not in html


@pytest.fixture
def order():
    buyer = UserFactory(username="pilgrim@example.com")
    placed = create_order(user=buyer)
    placed.date_placed = PLACED
    placed.save(update_fields=["date_placed"])
    return placed


def order_row(html: str, number: str) -> str:
    """The dashboard order list's table row of order ``number``."""
    rows = [row for row in re.findall(r"<tr.*?</tr>", html, re.S) if f">{number}<" in row]
    assert len(rows) == 1, rows
    return rows[0]


def test_the_dashboard_order_list_dates_orders_in_jalali_under_persian(client, order):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("dashboard:order-list")

    row = order_row(page(client, url, "fa"), order.number)
    assert jalali_datetime(PLACED) in row  # ۱ فروردین ۱۴۰۴، ساعت ۰:۳۰
    assert "۱ فروردین ۱۴۰۴" in row
    assert without_gregorian_year(row)

    row = order_row(page(client, url, "en"), order.number)
    assert gregorian(PLACED, "DATETIME_FORMAT") in row
    assert "March 21, 2025, 12:30 a.m." in row  # as before: Django's English format


def test_the_dashboard_order_detail_dates_the_order_in_jalali_under_persian(client, order):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("dashboard:order-detail", kwargs={"number": order.number})

    html = page(client, url, "fa")
    # Oscar's {{ order.date_placed|date }} and {{ order.date_placed|time }}
    assert f"<td>{jalali_date(PLACED)}</td>" in html
    assert f"<td>{persian('0:30')}</td>" in html
    assert without_gregorian_year(html)

    html = page(client, url, "en")
    assert f"<td>{gregorian(PLACED, 'DATE_FORMAT')}</td>" in html
    assert "<td>March 21, 2025</td>" in html
    assert "<td>12:30 a.m.</td>" in html


def test_the_customer_order_history_and_order_page_date_the_order_in_jalali(client, order):
    client.force_login(order.user)
    history = reverse("customer:order-list")
    detail = reverse("customer:order", kwargs={"order_number": order.number})

    html = page(client, history, "fa")
    assert "۱ فروردین ۱۴۰۴، ۰۰:۳۰" in html  # i18n local_format's localdatetime
    assert without_gregorian_year(html)
    html = page(client, detail, "fa")
    date_placed = re.search(r'<p id="order-date-placed">(.*?)</p>', html, re.S).group(1)
    assert jalali_datetime(PLACED) in date_placed
    assert 'datetime="2025-03-21T00:30:00+03:30"' in date_placed  # machine-readable, Gregorian
    assert without_gregorian_year(html.replace('datetime="2025-03-21T00:30:00+03:30"', ""))

    assert "Mar 21, 2025, 00:30" in page(client, history, "en")
    html = page(client, detail, "en")
    assert f">{gregorian(PLACED, 'DATETIME_FORMAT')}</time>" in html


# --- the filters, format by format ---------------------------------------------------------------


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize(
    ("format_string", "expected"),
    [
        ("d/m/Y", "۰۱/۰۱/۱۴۰۴"),
        ("j n y", "۱ ۱ ۰۴"),
        ("j F Y", "۱ فروردین ۱۴۰۴"),
        ("M b N E", "فروردین فروردین فروردین فروردین"),
        ("D l", "جمعه جمعه"),  # 21 March 2025 was a Friday
        ("jS", "۱"),
        ("H:i:s", "۰۰:۳۰:۰۰"),
        ("G:i", "۰:۳۰"),
        ("P", None),  # Django's Persian wording, Persian digits: see the test
        ("A", None),
        ("a", None),
        ("z t L", "۱ ۳۱ False"),
        ("DATE_FORMAT", "۱ فروردین ۱۴۰۴"),
        ("SHORT_DATE_FORMAT", "۱۴۰۴/۱/۱"),
        ("DATETIME_FORMAT", "۱ فروردین ۱۴۰۴، ساعت ۰:۳۰"),
        ("SHORT_DATETIME_FORMAT", "۱۴۰۴/۱/۱،\u200f ۰:۳۰"),
        (r"\Y\e\a\r: Y", "Year: ۱۴۰۴"),
    ],
)
def test_the_date_filter_formats_django_format_strings_in_jalali(format_string, expected):
    text = render("{{ value|date:format }}", "fa", value=PLACED, format=format_string)
    if expected is None:  # a.m./p.m. wording: Django's Persian words, Persian digits
        with translation.override("fa"):
            expected = persian(defaultfilters.date(timezone.localtime(PLACED), format_string))
    assert text == expected


def test_the_date_filter_takes_plain_dates_and_the_jalali_leap_day():
    assert render("{{ d|date }}", "fa", d=date(2025, 3, 20)) == "۳۰ اسفند ۱۴۰۳"  # leap Esfand
    assert render('{{ d|date:"t L" }}', "fa", d=date(2025, 3, 20)) == "۳۰ True"
    assert render("{{ d }}", "fa", d=date(2026, 11, 29)) == "۸ آذر ۱۴۰۵"


@pytest.mark.parametrize("format_string", ["Y-m-d", "Y-m", "Y-m-d H:i:s", "c", "U", "r"])
def test_iso_and_machine_formats_stay_gregorian_with_latin_digits(format_string):
    local = timezone.localtime(PLACED)
    with translation.override("en"):
        django_text = defaultfilters.date(local, format_string)
    assert render("{{ value|date:format }}", "fa", value=PLACED, format=format_string) == (
        django_text
    )
    assert render('<time datetime="{{ v|date:"c" }}">', "fa", v=PLACED) == (
        '<time datetime="2025-03-21T00:30:00+03:30">'
    )


@pytest.mark.parametrize("language", ["en", "ar", "ru"])
@pytest.mark.parametrize(
    "format_string",
    [
        None,
        "DATE_FORMAT",
        "SHORT_DATE_FORMAT",
        "DATETIME_FORMAT",
        "SHORT_DATETIME_FORMAT",
        "d/m/Y H:i",
        "j F Y",
        "D, M jS y l N b",
        "P A a G s",
        "Y-m-d",
        "c",
    ],
)
def test_other_languages_get_djangos_own_output(language, format_string):
    local = timezone.localtime(PLACED)
    with translation.override(language):
        expected_date = defaultfilters.date(local, format_string)
        expected_time = defaultfilters.time(
            local, "TIME_FORMAT" if format_string is None else "H:i"
        )
        expected_plain = [formats.localize(v) for v in (local, local.date(), time(9, 5))]
    arg = "" if format_string is None else f':"{format_string}"'
    assert render(f"{{{{ v|date{arg} }}}}", language, v=PLACED) == expected_date
    time_arg = "" if format_string is None else ':"H:i"'
    assert render(f"{{{{ v|time{time_arg} }}}}", language, v=PLACED) == expected_time
    plain = render("{{ a }}|{{ b }}|{{ c }}", language, a=PLACED, b=local.date(), c=time(9, 5))
    assert plain.split("|") == expected_plain


def test_time_and_empty_values_under_persian():
    assert render("{{ v|time }}", "fa", v=PLACED) == "۰:۳۰"
    assert render('{{ v|time:"H:i" }}', "fa", v=time(14, 5)) == "۱۴:۰۵"
    assert render("{{ v }}", "fa", v=time(14, 5)) == "۱۴:۰۵"
    assert render("[{{ v|date }}][{{ v|time }}][{{ s|date }}]", "fa", v=None, s="") == "[][][]"
    assert render("{{ v|date }}", "fa", v="not a date") == ""  # as Django's filter
    assert render('{{ v|default:"-" }}', "fa", v=None) == "-"
    assert render("{{ n }}", "fa", n=1405) == "1405"  # numbers: Django's, unchanged


def test_the_plain_value_seam_is_still_the_one_django_uses():
    """Django renders {{ value }} through django.template.base.localize; if an upgrade moves it,
    this fails (and plain dates would silently turn Gregorian under Persian)."""
    assert django.template.base.localize is dateformat.localize
    source = inspect.getsource(django.template.base.render_value_in_context)
    assert "localize(value, use_l10n=context.use_l10n)" in source


def test_localize_off_keeps_djangos_unlocalized_output():
    text = render("{% load l10n %}{% localize off %}{{ v }}{% endlocalize %}", "fa", v=PLACED)
    with translation.override("fa"):
        assert text == formats.localize(timezone.localtime(PLACED), use_l10n=False)


# --- date entry in the dashboard ---------------------------------------------------------------


def test_the_dashboard_order_search_takes_jalali_dates_under_persian(client, order):
    other = create_order(user=order.user)
    other.date_placed = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
    other.save(update_fields=["date_placed"])
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("dashboard:order-list")

    client.cookies[COOKIE] = "fa"
    response = client.get(url, {"date_from": "۱۴۰۴/۰۱/۰۱", "date_to": "1404/1/1"})
    form = response.context["form"]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_from"] == date(2025, 3, 21)
    assert [o.number for o in response.context["orders"]] == [str(order.number)]
    assert 'value="۱۴۰۴/۰۱/۰۱"' in response.content.decode()  # shown back in Jalali

    response = client.get(url, {"date_from": "1404/13/01"})
    assert "date_from" in response.context["form"].errors

    client.cookies[COOKIE] = "en"
    response = client.get(url, {"date_from": "2025-04-01"})
    assert [o.number for o in response.context["orders"]] == [str(other.number)]


def test_the_customer_order_history_filter_takes_and_shows_jalali_dates(client, order):
    other = create_order(user=order.user)
    other.date_placed = datetime(2025, 4, 10, 9, 0, tzinfo=UTC)
    other.save(update_fields=["date_placed"])
    client.force_login(order.user)
    url = reverse("customer:order-list")

    client.cookies[COOKIE] = "fa"
    response = client.get(url, {"date_from": "۱۴۰۴/۰۱/۱۵", "date_to": ""})
    assert [o.number for o in response.context["orders"]] == [str(other.number)]
    assert "سفارشاتی که از تاریخ ۱۴۰۴/۰۱/۱۵ قرار داده شده اند" in response.content.decode()

    client.cookies[COOKIE] = "en"
    response = client.get(url, {"date_from": "", "date_to": "2025-03-21"})
    assert [o.number for o in response.context["orders"]] == [str(order.number)]
    assert "<h2>Orders placed until 2025-03-21</h2>" in response.content.decode()  # as before


def test_oscars_other_pages_show_the_order_date_in_jalali_under_persian(client, order):
    """The report (typed in Jalali), the customer's page in the dashboard (``|date``) and the
    buyer's profile (``{{ user.date_joined }}``): Oscar's templates, unchanged."""
    order.user.date_joined = PLACED
    order.user.save(update_fields=["date_joined"])
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    report = reverse("dashboard:reports-index")
    query = {"report_type": "order_report", "date_from": "۱۴۰۴/۰۱/۰۱", "date_to": "۱۴۰۴/۰۱/۰۱"}
    client.cookies[COOKIE] = "fa"
    html = client.get(report, query).content.decode()
    assert order_row(html, order.number) and jalali_datetime(PLACED) in html
    assert without_gregorian_year(order_row(html, order.number))
    html = page(client, reverse("dashboard:user-detail", args=[order.user.pk]), "fa")
    assert f"<td>{jalali_date(PLACED)}</td>" in html
    assert jalali_datetime(PLACED) in html  # date joined
    client.force_login(order.user)
    assert jalali_datetime(PLACED) in page(client, reverse("customer:profile-view"), "fa")


def test_the_reports_and_statistics_take_jalali_dates_under_persian():
    report_form = get_class("dashboard.reports.forms", "ReportForm")
    stats_form = get_class("dashboard.orders.forms", "OrderStatsForm")
    with translation.override("fa"):
        form = report_form({"report_type": "order_report", "date_from": "۱۴۰۴/۰۱/۰۱"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["date_from"] == date(2025, 3, 21)
        form = stats_form({"date_to": "1403/12/30"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["date_to"] == date(2025, 3, 20)


# --- the address book -------------------------------------------------------------------------


@pytest.fixture
def countries(db):
    iran_ensure()
    for a2, a3, numeric, name in [
        ("IQ", "IRQ", "368", "Iraq"),
        ("AE", "ARE", "784", "United Arab Emirates"),
    ]:
        Country.objects.update_or_create(
            iso_3166_1_a2=a2,
            defaults={
                "iso_3166_1_a3": a3,
                "iso_3166_1_numeric": numeric,
                "printable_name": name,
                "name": name,
                "is_shipping_country": True,
            },
        )


def address(country: str, **fields: str) -> dict[str, str]:
    return {
        "first_name": "Ali",
        "last_name": "Hassan",
        "line1": "Street 14, House 3",
        "line4": "Karbala",
        "country": country,
        **fields,
    }


def test_the_address_book_refuses_a_phone_without_a_valid_country_code(client, countries):
    user = UserFactory(username="karbala@example.com")
    client.force_login(user)
    client.cookies[COOKIE] = "en"
    url = reverse("customer:address-create")

    for phone, error in [
        # an Iraqi mobile number behind Afghanistan's code: Oscar alone accepts it (it parses)
        ("+93 770 123 4567", "This is not a valid phone number. Enter it with the country code"),
        ("+999 770 123 4567", "not a valid local or international phone format"),  # no such code
    ]:
        response = client.post(url, address("IQ", postcode="56001", phone_number=phone))
        assert response.status_code == 200
        form = response.context["form"]
        assert list(form.errors) == ["phone_number"], phone
        assert error in str(form.errors["phone_number"])
        assert error in response.content.decode()
    assert not UserAddress.objects.filter(user=user).exists()

    response = client.post(url, address("IQ", postcode="٥٦٠٠١", phone_number="+964 770 123 4567"))
    assert response.status_code == 302
    saved = UserAddress.objects.get(user=user)
    assert saved.phone_number.as_e164 == "+9647701234567"
    assert saved.postcode == "56001"  # Arabic-Indic digits read as Latin ones


def test_the_address_book_needs_no_postcode_where_there_is_none(client, countries):
    user = UserFactory(username="dubai@example.com")
    client.force_login(user)
    client.cookies[COOKIE] = "fa"
    response = client.post(
        reverse("customer:address-create"),
        address("AE", line4="Dubai", phone_number="+971 50 123 4567"),
    )
    assert response.status_code == 302
    saved = UserAddress.objects.get(user=user)
    assert saved.postcode == "" and saved.phone_number.as_e164 == "+971501234567"


def test_the_address_book_uses_the_localised_form():
    form_class = get_class("address.forms", "UserAddressForm")
    assert form_class.__module__ == "i18n.address_forms"
    from oscar.apps.customer import views

    assert views.AddressCreateView.form_class is form_class
    assert views.AddressUpdateView.form_class is form_class
