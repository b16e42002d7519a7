"""Reads for customs: finding HS codes."""

from __future__ import annotations

import re

from customs.models import HSCode

MAX_SEARCH_LIMIT = 100

# "0910", "0910.20", "09 10 20": a query of digits with the separators people type between them.
_CODE_QUERY = re.compile(r"^[0-9.\s]+$")
_NATIVE_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_WORD = re.compile(r"\w+")


def hs_code_search(*, query: str, limit: int = 20, level: int | None = None) -> list[HSCode]:
    """Find HS codes by code prefix or by words of the English description.

    A query of digits (Latin or Persian; dots and spaces allowed, as in "0910.20") matches codes
    starting with those digits, in code order, so "0910" returns the heading and its subheadings.
    Any other query matches descriptions containing every word of it at the start of a word,
    case-insensitively ("pist shell" finds "pistachios, fresh or dried, in shell"); subheadings
    come first, then by code. `level` (2, 4 or 6) restricts the results to that level. At most
    `limit` results, capped at 100; a blank query returns none. Read-only.
    """
    query = query.strip().translate(_NATIVE_DIGITS)
    limit = max(0, min(limit, MAX_SEARCH_LIMIT))
    if not query or limit == 0:
        return []
    codes = HSCode.objects.all()
    if level is not None:
        codes = codes.filter(level=level)
    if _CODE_QUERY.match(query):
        digits = re.sub(r"[^0-9]", "", query)
        if not digits:
            return []
        return list(codes.filter(code__startswith=digits).order_by("code")[:limit])
    words = _WORD.findall(query)
    if not words:
        return []
    for word in words:
        # PostgreSQL's \m anchors at the start of a word; re.escape keeps the word literal.
        codes = codes.filter(description__iregex=r"\m" + re.escape(word))
    return list(codes.order_by("-level", "code")[:limit])
