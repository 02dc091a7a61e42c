"""Properties that hold for any input: decoders and readers answer with problems, never raise."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qs

import openpyxl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ctdash import urlstate
from ctdash.ingest import ActivityRecord, ObservationRecord, Problem, Question
from ctdash.ingest.activities import ACTIVITY_HEADER, parse_activity_file
from ctdash.ingest.indicators import parse_indicator_file
from ctdash.ingest.newsletter import Newsletter, decode_newsletter, parse_newsletter
from tests.conftest import PROJECT_ROOT
from tests.fixtures.realworld.pasted import pasted_from_pdf

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = date(2024, 6, 30)
INDICATORS = [("member_states", "Member States"), ("focal_points", "Total focal points")]
SEED = PROJECT_ROOT / "data" / "sources" / "newsletter-2023-03-04.txt"
SEED_LINES = Path(SEED).read_text(encoding="utf-8").splitlines()
CHOICES = {"mode": ("absolute", "indexed"), "view": ("points", "density")}

# URL state

PARAM_NAMES = sorted(
    {name for spec in urlstate.PAGE_PARAMS.values() for p in spec for name in (p.name, *p.aliases)}
)
URL_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
DATE_TEXT = st.one_of(
    st.dates().map(date.isoformat),
    st.dates(urlstate.EARLIEST, urlstate.LATEST).map(date.isoformat),
    st.from_regex(r"\s*\d{4}-\d\d-\d\d\s*", fullmatch=True),
)


@st.composite
def url_params(draw: st.DrawFn) -> dict[str, str]:
    keys = st.one_of(st.sampled_from(PARAM_NAMES), URL_TEXT)
    values = st.one_of(URL_TEXT, DATE_TEXT, st.text(alphabet="ab~, ", max_size=12))
    return draw(st.dictionaries(keys, values, max_size=8))


@SETTINGS
@given(page=st.sampled_from(sorted(urlstate.PAGE_PARAMS)), params=url_params())
@example(page="trends", params={"from": "2023-02-01", "to": "2023-01-01", "mode": "Ｉndexed"})
def test_any_url_decodes_to_values_and_notices(page: str, params: dict[str, str]) -> None:
    for choices in (None, CHOICES):
        decoded = urlstate.decode(params, page, choices=choices)
        assert set(decoded.values) == {p.name for p in urlstate.PAGE_PARAMS[page]}
        assert all(isinstance(notice, str) and notice for notice in decoded.notices)
        start, end = decoded.values.get("from"), decoded.values.get("to")
        assert start is None or end is None or start <= end


LIST_ITEM = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=15).filter(
    lambda s: s == s.strip() and s and not set(s) & {"~", ","}
)


def valid_value(param: urlstate.Param) -> st.SearchStrategy[object]:
    if param.kind == "date":
        return st.one_of(st.none(), st.dates(urlstate.EARLIEST, urlstate.LATEST))
    if param.kind == "list":
        return st.lists(LIST_ITEM, max_size=4, unique=True).map(tuple)
    if param.kind == "choice":
        return st.sampled_from(CHOICES[param.name])
    text = st.text(st.characters(exclude_categories=("Cs",)), max_size=urlstate.MAX_TEXT)
    return text.filter(lambda s: s == s.strip())


@st.composite
def page_and_values(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    page = draw(st.sampled_from(sorted(urlstate.PAGE_PARAMS)))
    values = {p.name: draw(valid_value(p)) for p in urlstate.PAGE_PARAMS[page]}
    if values.get("from") and values.get("to") and values["from"] > values["to"]:  # type: ignore[operator]
        values["from"], values["to"] = values["to"], values["from"]
    return page, values


@SETTINGS
@given(page_and_values())
def test_encode_then_decode_gives_the_values_back(case: tuple[str, dict[str, object]]) -> None:
    page, values = case
    params = urlstate.encode(values, page)
    decoded = urlstate.decode(params, page, choices=CHOICES)
    assert decoded.notices == []
    assert decoded.values == values
    # The same through a real query string, as a browser sends it back.
    query = parse_qs(urlstate.query_string(params), keep_blank_values=True)
    assert urlstate.decode(query, page, choices=CHOICES).values == values


# Upload readers

CSV_ALPHABET = st.sampled_from(
    list(',;"\n\r\t -./:+') + list("0123456789") + list("adefgilmnorstuvxyzé€") + ["\ufeff"]
)
HEADER_WORDS = ["date", "as of", "indicator", "value", "note", "member_states", "Focal points"]
HEADER_WORDS += list(ACTIVITY_HEADER)


def check_indicators(data: bytes, name: str = "figures.csv") -> None:
    parsed = parse_indicator_file(file_name=name, data=data, indicators=INDICATORS, today=TODAY)
    records = parsed.records
    assert all(isinstance(r, ObservationRecord) for r in records)
    assert all(isinstance(p, Problem) and p.message for p in parsed.errors + parsed.warnings)
    assert all(isinstance(q, Question) and q.options for q in parsed.questions)
    assert all(0 <= r.value < 2**63 and r.as_of <= TODAY for r in records)
    # Nothing is read while a question is open.
    assert not (parsed.questions and records)


def check_activities(data: bytes, name: str = "activities.csv") -> None:
    parsed = parse_activity_file(file_name=name, data=data, today=TODAY)
    records = parsed.records
    assert all(isinstance(r, ActivityRecord) for r in records)
    assert all(isinstance(p, Problem) and p.message for p in parsed.errors + parsed.warnings)
    assert all(r.start_date <= r.end_date for r in records)
    assert not (parsed.questions and records)


@SETTINGS
@given(st.binary(max_size=600))
@example(b"PK\x03\x04")
@example(b"\xef\xbb\xbf")
def test_any_bytes_are_read_or_refused(data: bytes) -> None:
    check_indicators(data)
    check_activities(data)


@SETTINGS
@given(
    header=st.lists(st.sampled_from(HEADER_WORDS), min_size=1, max_size=6),
    body=st.text(CSV_ALPHABET, max_size=300),
    separator=st.sampled_from([",", ";"]),
)
@example(
    header=["date", "indicator", "value"],
    body="2023-01-01,member_states,1" + "0" * 5000,
    separator=",",
)
def test_any_csv_text_is_read_or_refused(header: list[str], body: str, separator: str) -> None:
    data = (separator.join(header) + "\n" + body).encode("utf-8")
    check_indicators(data)
    check_activities(data)


@SETTINGS
@given(
    title=st.text(CSV_ALPHABET, max_size=40),
    header=st.lists(st.sampled_from(HEADER_WORDS), min_size=1, max_size=6),
    body=st.text(CSV_ALPHABET | st.sampled_from(list("\t|«»–’\u00a0")), max_size=300),
    separator=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "cp1252"]),
)
def test_any_csv_in_the_encodings_excel_writes_is_read_or_refused(
    title: str, header: list[str], body: str, separator: str, encoding: str
) -> None:
    text = title + "\n" + separator.join(header) + "\n" + body
    data = text.encode(encoding, errors="replace")
    check_indicators(data)
    check_activities(data)


CELL_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=25)
CELL_LIKE = st.one_of(
    CELL_TEXT,
    st.from_regex(r"-?[\d ,.']{1,12}", fullmatch=True),
    st.from_regex(r"\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}-\d{1,2}-\d{1,2}", fullmatch=True),
    st.sampled_from(["yes", "no", "Kenya", "Nairobi", "workshop", "https://x.org", "90", "-181"]),
)


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


HEADERS = [
    ["date", "indicator", "value", "note"],
    ["date", "member_states", "Total focal points"],
    list(ACTIVITY_HEADER),
]


@SETTINGS
@given(
    header=st.sampled_from(HEADERS),
    rows=st.lists(st.lists(CELL_LIKE, min_size=1, max_size=14), min_size=1, max_size=6),
)
def test_any_cells_under_a_valid_header_are_read_or_refused(
    header: list[str], rows: list[list[str]]
) -> None:
    data = csv_bytes(header, rows)
    check_indicators(data)
    check_activities(data)


XLSX_CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(date(1900, 3, 1), date(9999, 12, 31)),
    st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31)),
    CELL_LIKE.filter(lambda s: not any(ord(c) < 32 for c in s)),
)


@FEW
@given(
    header=st.sampled_from(HEADERS),
    rows=st.lists(st.lists(XLSX_CELL, min_size=1, max_size=14), min_size=1, max_size=4),
)
def test_any_xlsx_cells_under_a_valid_header_are_read_or_refused(
    header: list[str], rows: list[list[object]]
) -> None:
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    check_indicators(buffer.getvalue(), "figures.xlsx")
    check_activities(buffer.getvalue(), "activities.xlsx")


# The newsletter

NEWSLETTER_LINE = st.one_of(
    st.sampled_from(SEED_LINES),
    st.sampled_from(SEED_LINES).map(lambda line: line.upper()),
    st.from_regex(
        r"→ [A-Z][a-z]+ (training|workshop|mission) in [A-Z][a-z]+ \(\d{1,2} [A-Z][a-z]{2}\)",
        fullmatch=True,
    ),
    st.from_regex(r"\d{1,2} [A-Z][a-z]+ \*\*[A-Z]+ WG\*\* met", fullmatch=True),
    st.from_regex(r"\d{1,7}", fullmatch=True),
    st.text(max_size=80),
)


def check_newsletter(text: str, year: int | None) -> Newsletter:
    result = parse_newsletter(text, year=year)
    problems = result.errors + result.warnings + result.notes
    assert all(isinstance(p, Problem) and p.message for p in problems)
    assert all(a.start_date <= a.end_date for a in result.activities)
    assert result.ok == (not result.errors)
    return result


@SETTINGS
@given(text=st.text(max_size=400), year=st.one_of(st.none(), st.integers(2000, 2100)))
def test_any_text_reads_as_a_newsletter_or_problems(text: str, year: int | None) -> None:
    check_newsletter(text, year)


@SETTINGS
@given(
    lines=st.lists(NEWSLETTER_LINE, max_size=25),
    year=st.one_of(st.none(), st.integers(2000, 2100)),
)
@example(lines=["IN NUMBERS", "1" * 5000, "Member States"], year=2023)
def test_newsletter_like_text_reads_or_gives_problems(lines: list[str], year: int | None) -> None:
    check_newsletter("\n".join(lines), year)


@SETTINGS
@given(
    lines=st.lists(NEWSLETTER_LINE, max_size=25),
    seed=st.integers(0, 9),
    width=st.integers(20, 90),
    blank_lines=st.booleans(),
    year=st.one_of(st.none(), st.integers(2000, 2100)),
)
def test_newsletter_text_pasted_from_a_pdf_reads_or_gives_problems(
    lines: list[str], seed: int, width: int, blank_lines: bool, year: int | None
) -> None:
    text = pasted_from_pdf("\n".join(lines), seed=seed, width=width, blank_lines=blank_lines)
    check_newsletter(text, year)


@SETTINGS
@given(data=st.binary(max_size=400))
@example(data="IN NUMBERS\n45\nCompact entities\n".encode("utf-16"))
def test_any_bytes_decode_to_a_newsletter_or_a_refusal(data: bytes) -> None:
    decoded = decode_newsletter(data, "n.txt")
    if isinstance(decoded, Problem):
        assert decoded.message.startswith("'n.txt' is not a text file")
    else:
        assert decoded.encoding
        check_newsletter(decoded.text, 2023)
