"""Dates as people write them in spreadsheets, and the day/month order a file uses."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Literal

Order = Literal["dmy", "mdy"]
# A year written in two digits up to this one is read in this century, as Excel reads it.
LAST_SHORT_YEAR = 29
ORDERS: dict[str, str] = {"dmy": "day first", "mdy": "month first"}
EXAMPLES: dict[str, str] = {"dmy": "31/12/2023", "mdy": "12/31/2023"}

_TIME = r"(?:[T ]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?)?"
_YEAR_FIRST = re.compile(rf"(\d{{4}})([-/.])(\d{{1,2}})\2(\d{{1,2}}){_TIME}")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NUMERIC = re.compile(rf"(\d{{1,2}})([/.-])(\d{{1,2}})\2(\d{{4}}|\d{{2}}){_TIME}")
_CJK = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_WORD = r"([^\W\d_]+)\.?"
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th|er|º|°)?"
# "31 March 2023", "31-Mar-2023", "31 de marzo de 2023", "31 Mar. 23"
_DAY_MONTH = re.compile(
    rf"{_ORDINAL}(?:\s*-\s*|\s+|\.\s*)(?:de\s+)?{_WORD}(?:,?\s*-?\s*|\s+de\s+)(\d{{4}}|\d{{2}})"
)
# "March 31, 2023", "Mar 31 2023"
_MONTH_DAY = re.compile(rf"{_WORD}\s+{_ORDINAL},?\s+(\d{{4}})")
_WEEKDAY = re.compile(r"^([^\W\d_]+)\.?,?\s+(?=\S)")
_LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")


@dataclass(frozen=True)
class Decision:
    """The day/month order of a file's dates, and how it was decided.

    `order` is None when no date needs one (ISO dates, date cells, months written in words).
    `ambiguous` lists rows whose dates read both ways when the file does not say which it
    uses; `mixed` lists (row, text, order) pairs when it uses both.
    """

    order: Order | None
    basis: str | None = None
    ambiguous: tuple[tuple[int, str], ...] = ()
    mixed: tuple[tuple[int, str, Order], ...] = ()


def fold(text: str) -> str:
    """Lower case without accents: 'Févr.' -> 'fevr.'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=1)
def month_names() -> dict[str, int]:
    """Month names and abbreviations in the UN's six languages (from CLDR, through Babel),
    folded; a spelling that means different months in two languages is left out."""
    from babel import Locale

    names: dict[str, set[int]] = {}
    for language in _LANGUAGES:
        months = Locale.parse(language).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    names.setdefault(fold(name).rstrip("."), set()).add(number)
    names.setdefault("sept", set()).add(9)
    return {name: next(iter(found)) for name, found in names.items() if len(found) == 1}


@lru_cache(maxsize=1)
def _weekday_names() -> dict[str, int]:
    from babel import Locale

    names: dict[str, int] = {}
    for language in ("en", "fr", "es"):
        days = Locale.parse(language).days
        for width in ("wide", "abbreviated"):
            for number, name in days["format"][width].items():
                names.setdefault(fold(name).rstrip("."), number)
    return names


def _month(word: str) -> int | None:
    return month_names().get(fold(word).rstrip("."))


def _year(text: str) -> int:
    # Two digits only beside a month written in words ('31-Mar-23', Excel's d-mmm-yy).
    return int(text) + 2000 if len(text) == 2 else int(text)


def numeric(text: str) -> tuple[int, int, int, str] | None:
    """(first, second, year, separator) of a date written in numbers with the day and month
    in either order ('3/6/2023', '14.03.2023'), or None for any other text."""
    match = _NUMERIC.fullmatch(" ".join(text.split()))
    if match is None:
        return None
    return int(match[1]), int(match[3]), int(match[4]), match[2]


def evidence(text: str) -> Order | Literal["either"] | None:
    """What a date in numbers says of the order: 'dmy' when its first number is above 12
    (or it is written with dots, as only day-first countries do), 'mdy' when its second is,
    'either' when both are 12 or below and differ; None when it is not such a date or reads
    the same both ways."""
    parts = numeric(text)
    if parts is None:
        return None
    first, second, _, separator = parts
    if separator == "." or (first > 12 >= second):
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    if first <= 12 and second <= 12 and first != second:
        return "either"
    return None


def decide(dates: Iterable[tuple[int, str]], given: Order | None = None) -> Decision:
    """The order of a file's dates in numbers, from (row, text) pairs: given by the person,
    or read from the dates themselves; ambiguous or mixed when the dates cannot tell."""
    if given is not None:
        return Decision(given, "you chose")
    first_of: dict[Order, tuple[int, str]] = {}
    unclear: list[tuple[int, str]] = []
    mixed: list[tuple[int, str, Order]] = []
    for row, text in dates:
        found = evidence(text)
        if found == "either":
            unclear.append((row, text.strip()))
        elif found is not None:
            if found not in first_of:
                first_of[found] = (row, text.strip())
            mixed.append((row, text.strip(), found))
    if len(first_of) == 2:
        return Decision(None, mixed=tuple(mixed))
    if first_of:
        order, (row, text) = next(iter(first_of.items()))
        return Decision(order, f"row {row} writes {text}")
    if unclear:
        return Decision(None, ambiguous=tuple(unclear))
    return Decision(None)


def parse_date(cell: object, order: Order | None = None) -> date | None:
    """A date cell, or text in any unambiguous written form ('2023-03-31', '31 March 2023',
    'March 31, 2023', '31-Mar-23', '2023/03/31'), or in numbers in the given day/month order.
    None when the text is not a date, or its order is needed and not given."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if not isinstance(cell, str):
        return None
    text = " ".join(cell.split())
    found = _read(text, order)
    if found is not None:
        return found
    # 'Friday, 31 March 2023': the weekday must be the date's own.
    match = _WEEKDAY.match(text)
    weekday = _weekday_names().get(fold(match[1]).rstrip(".")) if match else None
    if match is None or weekday is None:
        return None
    found = _read(text[match.end() :], order)
    return found if found is not None and found.weekday() == weekday else None


def _read(text: str, order: Order | None) -> date | None:
    parts: tuple[int, int, int] | None = None  # year, month, day
    if match := _YEAR_FIRST.fullmatch(text) or _COMPACT.fullmatch(text) or _CJK.fullmatch(text):
        groups = [g for g in match.groups() if g and g.isdigit()]
        parts = (int(groups[0]), int(groups[1]), int(groups[2]))
    elif found := numeric(text):
        first, second, year, _ = found
        claimed = evidence(text)
        if year >= 100:
            pass
        elif year <= LAST_SHORT_YEAR:
            # As Excel reads a year typed in two digits: 00 to 29 are 2000 to 2029.
            year += 2000
        else:
            return None
        if claimed == "either" and order is None:
            return None
        # A date that reads the same both ways, or in neither, needs no order.
        use = (order or claimed) if claimed is not None else "dmy"
        day, month = (first, second) if use == "dmy" else (second, first)
        parts = (year, month, day)
    elif (match := _DAY_MONTH.fullmatch(text)) and (named := _month(match[2])):
        parts = (_year(match[3]), named, int(match[1]))
    elif (match := _MONTH_DAY.fullmatch(text)) and (named := _month(match[1])):
        parts = (int(match[3]), named, int(match[2]))
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


_DASH = r"(?:\s*[–—‒―]\s*|\s+-\s+|\s+(?:to|until|through|au|al|a)\s+)"
_RANGE = re.compile(rf"(.+?){_DASH}(.+)", re.IGNORECASE)
_ISO_RANGE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})\s*/\s*(\d{4}-\d{1,2}-\d{1,2})")
# "6-9 March 2023", "March 6-9, 2023"
_DAYS_MONTH = re.compile(rf"(\d{{1,2}})\s*-\s*(\d{{1,2}})\s+{_WORD},?\s+(\d{{4}})")
_MONTH_DAYS = re.compile(rf"{_WORD}\s+(\d{{1,2}})\s*-\s*(\d{{1,2}}),?\s+(\d{{4}})")
_DAY_ONLY = re.compile(r"\d{1,2}")
_DAY_AND_MONTH = re.compile(rf"{_ORDINAL}\s+{_WORD}|{_WORD}\s+{_ORDINAL}")


def range_parts(text: str) -> tuple[str, str] | None:
    """The two dates of a range as written ('6 March 2023 – 9 March 2023', '2023-03-06/
    2023-03-09', '3/6/2023 - 3/9/2023'), each completed from the other when it leaves out the
    year or the month ('30 March–2 April 2023', '6–9 March 2023'); None for one date."""
    text = " ".join(text.split())
    if match := _ISO_RANGE.fullmatch(text):
        return match[1], match[2]
    if (match := _DAYS_MONTH.fullmatch(text)) and _month(match[3]):
        return f"{match[1]} {match[3]} {match[4]}", f"{match[2]} {match[3]} {match[4]}"
    if (match := _MONTH_DAYS.fullmatch(text)) and _month(match[1]):
        return f"{match[2]} {match[1]} {match[4]}", f"{match[3]} {match[1]} {match[4]}"
    match = _RANGE.fullmatch(text)
    if match is None:
        return None
    first, last = match[1].strip(" ,"), match[2].strip(" ,")
    if _DAY_ONLY.fullmatch(first) and (tail := re.search(r"\s(\D.*)$", last)):
        return f"{first} {tail[1]}", last
    if _DAY_AND_MONTH.fullmatch(first) and (year := re.search(r"(\d{4})$", last)):
        return f"{first} {year[1]}", last
    return first, last


def parse_range(text: str, order: Order | None = None) -> tuple[date, date] | None:
    """A range of two dates, or one date as a range of one day; None when not dates."""
    parts = range_parts(text)
    if parts is None:
        single = parse_date(text, order)
        return (single, single) if single else None
    start, end = parse_date(parts[0], order), parse_date(parts[1], order)
    return (start, end) if start and end else None
