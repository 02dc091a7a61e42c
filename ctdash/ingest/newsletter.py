"""The "Compact in Numbers" newsletter as text: its eight figures and its dated, placed items.

The text may come as the web version's Markdown or copied out of the PDF: lines wrapped
mid-sentence, words hyphenated at line ends, ligatures, typographic dashes and quotes,
bullets of any font. It is normalised first, its paragraphs unwrapped, then read.
"""

from __future__ import annotations

import calendar
import csv
import functools
import html
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from ctdash import geo
from ctdash.config import get_settings
from ctdash.ingest import ActivityRecord, ObservationRecord, Problem
from ctdash.ingest.encoding import Decoded, decode
from ctdash.ingest.sheet import file_size


def _rows(data_dir: Path, name: str) -> list[dict[str, str]]:
    """The rows of a shipped table in the data folder (CTDASH_DATA_DIR)."""
    with (data_dir / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# An issue is about 10 to 30 KB of text, its longest line under 300 characters. Past these
# limits the text is not a newsletter, and reading it would only keep the page waiting.
MAX_NEWSLETTER_BYTES = 512 * 1024
MAX_LINE_CHARS = 1_000
# A paragraph unwrapped from many lines is read in pieces of at most this many characters.
MAX_PARAGRAPH_CHARS = 3_000
# A month an item names this many months before or after the period is asked about.
_FAR_MONTHS = 2

_MONTH_NAMES = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
MONTHS = {
    name: number
    for number in range(1, 13)
    for name in {calendar.month_name[number].casefold(), calendar.month_abbr[number].casefold()}
} | {"sept": 9}
_MONTH = rf"(?:{_MONTH_NAMES})(?![a-z])\.?"
_DASH = r"\s*(?:-|–|—|\bto\b)\s*"
# The body of a "(...)" date: "6-9 Mar", "27 Sep-7 Oct", "24 Mar/online", "Apr", "28 April".
_DATE_BODY = re.compile(
    rf"(?:(?P<d1>\d{{1,2}})(?:\s*(?P<m1>{_MONTH}))?{_DASH})?"
    rf"(?P<d2>\d{{1,2}})?\s*(?P<m2>{_MONTH})(?:,?\s+(?P<y>\d{{4}}))?"
    r"(?:\s*/\s*(?P<mode>online|hybrid|virtual|in[- ]person))?",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\(([^()]*)\)")
# A working group line starts with its date: "3 March **NARS WG** discussed ...".
_LEADING_DATE = re.compile(rf"^(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH})\s+", re.IGNORECASE)
_WG_LEAD = re.compile(r"^(?:\*\*)?(?P<code>[A-Za-z][\w-]*)\s+WG\b(?:\*\*)?\s*")
_WG_NAMED = re.compile(r"\b(?:the|The)\s+(?P<code>[A-Z][\w-]*)\s+WG\b")
# Neither part may hold a bracket, so a run of unclosed "[" is read once, not once per "[".
_LINK = re.compile(r"\[([^\[\]]*)\]\([^)\[\]]*\)")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_MAX_FIGURE_DIGITS = 18
_LOWER_WORD = re.compile(r"[a-z][\w-]*")
# A figure in a run of text: "200,062", "200 062", "45"; not part of a word or a date.
_FIGURE = re.compile(r"(?<![\w,.])(\d{1,3}(?:[,.\u202f ]\d{3})+|\d+)(?![\w,.]?\d)")
# "March–April 2023", "December 2023 – January 2024", "Mar/Apr 2023": an issue's period.
_PERIOD = re.compile(
    rf"\b(?P<m1>{_MONTH})(?:\s+(?P<y1>\d{{4}}))?\s*(?:-|–|—|/|&|\band\b|\bto\b)\s*"
    rf"(?P<m2>{_MONTH})\s+(?P<y2>\d{{4}})\b",
    re.IGNORECASE,
)
_ONE_MONTH = re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<y>\d{{4}})\b", re.IGNORECASE)
# Text as it arrives from a PDF or a web page.
_LINE_BREAKS = str.maketrans(
    {"\u2028": "\n", "\u2029": "\n", "\x0b": "\n", "\x85": "\n", "\x0c": "\n"}
)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f"))
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2043": "-"})
_DASHES = "\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"
_QUOTES = str.maketrans(
    {
        "\u201a": "’",
        "\u201b": "’",
        "\u2032": "’",
        "`": "’",
        "\u00b4": "’",
        "\u201e": "“",
        "\u201f": "“",
        "\u00ab": "“",
        "\u00bb": "”",
        "\u2033": "”",
    }
)
_BULLETS = "•▪◦●○■□▫‣⁃∙·➢➤►▶▸✓✔→⇒➔➜➝➞❖◆◇"
# A bullet of any font; the ASCII ones of Markdown and Word's "o" only before a space.
_BULLET = re.compile(rf"^(?:[{_BULLETS}]|[-*+](?=\s)|o(?=\s+[A-Z\[*]))\s*")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_SPACED_DASH = re.compile(rf"\s+[{_DASHES}]\s+")
_JOINING_DASH = re.compile(rf"(?<=\S)[{_DASHES}](?=\S)")
_ENTITY_REF = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_TABLE_RULE = re.compile(r"^\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$")
_HASHES = re.compile(r"^#{1,6}\s+")
# Words a line-end hyphen joins with the hyphen kept, when the text gives no other spelling.
_HYPHEN_PREFIXES = frozenset(
    [
        "self",
        "non",
        "high",
        "well",
        "low",
        "long",
        "short",
        "full",
        "anti",
        "counter",
        "cross",
        "follow",
        "co",
    ]
)
# A line that goes on the line before: a small letter, a joining word or sign, a bracket.
_CONTINUES = re.compile(r"^(?:[a-z]|&|\(|\)|,|;|and\s|or\s|with\s|in\s|on\s|for\s)")
# A paragraph ends with its date: "(6-9 Mar)", "(Apr) >", "(12 Oct/hybrid)."; not when a
# comma or "&" after it goes on to another place and date.
# "Page 2 of 4", "2/4", "- 3 -", "12": a page's number as a PDF viewer copies it.
_PAGE_MARK = re.compile(r"(?i)(?:page\s+)?-?\s*\d{1,3}\s*-?(?:\s*(?:of|/)\s*\d{1,3})?")
_ENDS_DATED = re.compile(r"\(([^()]*)\)[\s.>]*$")


def _entities_table() -> tuple[tuple[str, str, str], ...]:
    return _entities_in(get_settings().data_dir)


@lru_cache(maxsize=2)
def _entities_in(data_dir: Path) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (row["name"], row["entity"], row["kind"]) for row in _rows(data_dir, "entities.csv")
    )


def known_entities() -> tuple[str, ...]:
    """The short names of the Compact's entities and partners (data/entities.csv)."""
    return tuple(name for name, _, kind in _entities_table() if kind == "entity")


def entity_aliases() -> dict[str, str]:
    """Other spellings of an entity, and long names by their usual short form."""
    return {name: entity for name, entity, kind in _entities_table() if kind == "alias"}


def heads() -> dict[str, str]:
    """Heads of entities the newsletter names without their entity ("USG Voronkov")."""
    return {name: entity for name, entity, kind in _entities_table() if kind == "head"}


def label_variants() -> dict[str, tuple[str, ...]]:
    """Ways the newsletter has written a label besides the indicator's own label."""
    return _label_variants_in(get_settings().data_dir)


@lru_cache(maxsize=2)
def _label_variants_in(data_dir: Path) -> dict[str, tuple[str, ...]]:
    return {
        row["code"]: tuple(v for v in (row.get("other_labels") or "").split("|") if v)
        for row in _rows(data_dir, "indicators.csv")
    }


_SPEAKER = re.compile(r"^(?P<org>[A-Z][A-Za-z]+)\s+(?:U?SG|ASG|Executive Director|Director)\b")

# Checked in order; the first that matches gives the kind.
KIND_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("assessment", re.compile(r"\bassessment visits?\b|\bcountry visits?\b", re.I)),
    ("exercise", re.compile(r"\b(?:tabletop |simulation )?exercises?\b", re.I)),
    ("training", re.compile(r"\btrainings?\b", re.I)),
    ("workshop", re.compile(r"\bworkshops?\b", re.I)),
    ("mission", re.compile(r"(?<!Permanent )\bmissions?\b", re.I)),
    ("launch", re.compile(r"\blaunch(?:ed|es|ing)?\b", re.I)),
    (
        "meeting",
        re.compile(
            r"\b(?:meetings?|consultations?|briefings?|roundtables?|round tables?|events?|"
            r"conferences?|seminars?|webinars?|dialogues?|forums?|sessions?|symposium)\b",
            re.I,
        ),
    ),
)
_CONTINENTS = {"africa", "americas", "america", "asia", "europe", "oceania"}
_CONNECTORS = {"and", "of", "the", "de", "du", "da", "del", "la", "le", "&"}
_PREP_PLACE = re.compile(
    r"\b(?P<prep>in|to|for|at)\s+(?P<the>the\s+)?"
    r"(?P<span>[A-Z][\w’'.-]*(?:\s+(?:(?:and|of|the|de|du|la)\s+)?(?:d[’'])?[A-Z][\w’'.-]*)*)"
)
# "d’Ivoire": an elided French article before a capital, inside a name.
_ELIDED = re.compile(r"d[’'][A-Z]")
_NOT_A_PLACE_BEFORE = re.compile(r"(?:\bMission\s+of|\bbehalf)\s*\Z")
# No country, city or region the gazetteer knows has a longer name ("Australia and New
# Zealand", "Bosnia and Herzegovina"); longer stretches of capitals are not tried whole.
_MAX_PLACE_WORDS = 8
# A national event: capitalised words, then this. The words are found by walking back from
# it, as a pattern for both searched from every capital takes time quadratic in a line.
_EVENT_NOUN = re.compile(
    r"\s+(?:national\s+)?(?:trainings?|workshops?|consultations?|exercises?|missions?)\b"
)
_CAPITALISED = re.compile(r"[A-Z][\w’'.-]*")
_CHAIN = re.compile(r"^(?P<chain>(?:UN Women|[A-Z][A-Za-z]*)(?:-(?:UN Women|[A-Z][A-Za-z]*))+)\b")


@dataclass(frozen=True)
class Figure:
    """One "in numbers" figure: the label as printed, the indicator it maps to, its value."""

    row: int
    code: str
    label: str
    value: int
    as_of: date | None

    def observation(self, as_of: date | None = None) -> ObservationRecord | None:
        """The figure as a record to store: as of the date a reviewer gives, else the one
        inferred; None while neither is known."""
        when = as_of or self.as_of
        if when is None:
            return None
        how = "date given in review" if as_of else "date inferred"
        note = f"Read from the newsletter (line {self.row}, '{self.label}'); {how}."
        return ObservationRecord(self.row, self.code, when, self.value, note)


@dataclass(frozen=True)
class Period:
    """The months an issue reports on, as it names them ("March–April 2023")."""

    start: date
    end: date
    row: int

    def __str__(self) -> str:
        first, last = f"{self.start:%B %Y}", f"{self.end:%B %Y}"
        return first if first == last else f"{first} – {last}"


@dataclass
class Newsletter:
    """What a newsletter holds, and what to tell the person checking it.

    `warnings` need a person's look before anything is written; `notes` say what was
    assumed (the year, the figures' date, how a country was named).
    """

    indicators: list[Figure] = field(default_factory=list)
    activities: list[ActivityRecord] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    year: int | None = None
    period: Period | None = None
    # The last line of each activity's paragraph, by its first line.
    last_lines: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing stops the newsletter from being committed."""
        return not self.errors

    @property
    def observations(self) -> list[ObservationRecord]:
        """The figures as records to store (empty while their date is unknown)."""
        return [o for f in self.indicators if (o := f.observation()) is not None]


@dataclass(frozen=True)
class _When:
    start: date
    end: date
    online: bool
    span: tuple[int, int]  # where the date text sits in the cleaned item


@dataclass
class _Item:
    row: int
    text: str  # cleaned, link markup removed
    raw: str  # as written, links kept
    section: str
    leading: tuple[int, int] | None = None  # (day, month) of a working group line
    working_group: str | None = None


@dataclass
class _Paragraph:
    row: int
    last: int
    text: str
    heading: bool = False


# Years of the issue: the year each month of an item falls in.
_YearOf = Callable[[int], int]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _label_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", _fold(text))


def shipped_indicators() -> tuple[tuple[str, str], ...]:
    """The (code, label) pairs of the data folder's indicators.csv, in their order."""
    return _indicators_in(get_settings().data_dir)


@lru_cache(maxsize=2)
def _indicators_in(data_dir: Path) -> tuple[tuple[str, str], ...]:
    return tuple((row["code"], row["label"]) for row in _rows(data_dir, "indicators.csv"))


# --- the text as it arrives ---------------------------------------------------------------------


def decode_newsletter(data: bytes, file_name: str) -> Decoded | Problem:
    """A newsletter file's text and encoding (UTF-8, UTF-16, Windows-1252...), or why not."""
    decoded = decode(data)
    if decoded is None:
        message = (
            f"'{file_name}' is not a text file; copy the newsletter's text into a text file "
            "(or paste it) and try again."
        )
        return Problem(None, None, message)
    return decoded


def lines_of(text: str) -> list[str]:
    """The text's lines as a text box shows them (any kind of line break)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS).split("\n")


def normalize(text: str) -> list[str]:
    """The text's lines, one for one, in one form: Unicode NFKC (ligatures, non-breaking
    spaces), one hyphen, a dash joining two words or numbers as '-', one kind of quote,
    every bullet as '- ', Markdown headings and tables as plain lines."""
    if _ENTITY_REF.search(text):
        text = html.unescape(text)
    lines = lines_of(text)
    normal = [_normalize_line(line) for line in lines]
    for index, line in enumerate(lines):
        # A Markdown table's header ("| Figure | |") stands above its rule: without a number
        # in it, it is no figure.
        header = lines[index - 1].strip() if index else ""
        rule = _TABLE_RULE.match(line.strip())
        if rule and header.startswith("|") and not re.search(r"\d", header):
            normal[index - 1] = ""
    return normal


def _normalize_line(line: str) -> str:
    line = unicodedata.normalize("NFKC", line).translate(_INVISIBLE)
    # A tab parts columns (a row of figures): two spaces keep them apart.
    line = line.translate(_HYPHENS).translate(_QUOTES).replace("\t", "  ")
    if _PRIVATE_USE.match(line.lstrip()):
        # Word's Symbol and Wingdings bullets arrive as private-use characters.
        line = "- " + line.lstrip()[1:].lstrip()
    line = _PRIVATE_USE.sub("", line)
    stripped = line.strip()
    if stripped.startswith(">"):
        stripped = stripped.lstrip("> ").strip()
    if _TABLE_RULE.match(stripped):
        return ""
    if stripped.startswith("|") and stripped.endswith("|"):
        stripped = "  ".join(cell.strip() for cell in stripped.strip("|").split("|"))
    if heading := _HASHES.match(stripped):
        # A Markdown heading is a heading whatever its case.
        return stripped[heading.end() :].replace("**", "").upper()
    if bullet := _BULLET.match(stripped):
        stripped = "- " + stripped[bullet.end() :]
    stripped = _SPACED_DASH.sub(" – ", stripped)
    return _JOINING_DASH.sub("-", stripped)


def _hyphenated_words(lines: Sequence[str]) -> tuple[set[str], set[str]]:
    """The words the text writes with a hyphen ('counter-terrorism'), and all its words."""
    text = " ".join(lines)
    hyphenated = {w.casefold() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)+", text)}
    words = {w.casefold() for w in re.findall(r"[A-Za-z]+", text)}
    return hyphenated, words


def join_lines(left: str, right: str, vocabulary: tuple[set[str], set[str]]) -> str:
    """Two lines of a wrapped paragraph as one. A word split at a hyphen is joined: its
    hyphen kept when the text writes it so elsewhere, or it joins two capitals ('UNOCT-
    UNODC', 'Counter-Terrorism'), or two numbers ('13-17')."""
    left, right = left.rstrip(), right.lstrip()
    if not left or not right:
        return left + right
    split = re.search(r"([A-Za-z]+)-$", left)
    if split and right[:1].isalpha():
        tail = re.match(r"[A-Za-z]+", right)
        head, rest = split[1], tail[0] if tail else ""
        hyphenated, words = vocabulary
        joined = f"{head}{rest}".casefold()
        keep = right[:1].isupper() or f"{head}-{rest}".casefold() in hyphenated
        if not keep and joined not in words and head.casefold() in _HYPHEN_PREFIXES:
            keep = True
        return left + right if keep else left[:-1] + right
    if re.search(r"\d-$", left) and right[:1].isdigit():
        return left + right
    return f"{left} {right}"


def clean(text: str, *, collapse: bool = True) -> str:
    """An item's text without list markers, link markup, bold, backslash escapes or ` >`;
    runs of spaces made one unless `collapse` is false (a row of figures parted by tabs)."""
    text = text.strip().lstrip("→•").strip()
    if text.startswith("- "):
        text = text[2:]
    text = re.sub(r"!\[[^\[\]]*\]\([^)\[\]]*\)", "", text)
    text = _LINK.sub(r"\1", text)
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"\\(.)", r"\1", text)
    return " ".join(_without_arrow(text).split()) if collapse else _without_arrow(text).strip()


def _without_arrow(text: str) -> str:
    """The text without a closing ">" and the spaces around it (a regex would be quadratic)."""
    stripped = text.rstrip()
    return stripped[:-1].rstrip() if stripped.endswith(">") else text


def _is_heading(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 3 and not any(ch.islower() for ch in letters) and "→" not in line


def _is_sure_heading(line: str) -> bool:
    """A heading even in the middle of a paragraph: it has a word of capitals that is not an
    entity's acronym ('KEY HIGH-LEVEL EVENTS'), where a line of acronyms alone
    ('UNRCCA-UNOCT-UNODC') may be a wrapped part of an item."""
    if not _is_heading(line) or line.startswith("- "):
        return False
    acronyms = set(known_entities())
    return any(
        len(word) >= 4 and word.isalpha() and word not in acronyms
        for word in re.split(r"[\s,:;/&-]+", line)
    )


def _month(text: str) -> int:
    return MONTHS.get(text.casefold().rstrip(".")) or MONTHS[text.casefold()[:3]]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_date_text(body: str, year: int | _YearOf) -> tuple[date, date, bool] | None:
    """Read a bracketed date ("6-9 Mar", "27 Sep-7 Oct", "Apr", "12 Oct/hybrid").

    `year` is the year of the items, or the year each month falls in. Returns (start, end,
    online-or-hybrid), or None when the text is not a date. Raises ValueError for a date that
    does not exist (31 Feb). A range whose end month comes before its start month ends in
    the next year.
    """
    year_of = year if callable(year) else functools.partial(_year_of_month, first=year, wraps=False)
    found = _date_body(body)
    if not found:
        return None
    end_month = _month(found["m2"])
    start_month = _month(found["m1"]) if found["m1"] else end_month
    start_year = int(found["y"]) if found["y"] else year_of(start_month)
    online = bool(found["mode"]) and not found["mode"].lower().startswith("in")
    if found["d2"] is None:
        if found["d1"]:
            return None
        return date(start_year, end_month, 1), _month_end(start_year, end_month), online
    end_year = start_year + 1 if end_month < start_month else start_year
    end = date(end_year, end_month, int(found["d2"]))
    start = date(start_year, start_month, int(found["d1"] or found["d2"]))
    if start > end:
        raise ValueError(f"the range '{' '.join(body.split())}' ends before it starts")
    return start, end, online


def _date_body(body: str) -> re.Match[str] | None:
    # Runs of spaces collapsed first: the pattern's optional spaces backtrack over a long run.
    text = " ".join(body.split())
    found = _DATE_BODY.fullmatch(text)
    # A word in capitals alone ("OCT", the Office of Counter-Terrorism) is not a month.
    if found and found["d2"] is None and found["m2"].rstrip(".").isupper():
        return None
    return found


def infer_year(text: str | Sequence[str]) -> tuple[int | None, str]:
    """The year the items fall in, guessed from 4-digit years on lines that carry a date.

    Returns (year, why). Years on dated lines count; the most frequent wins, and it must be
    named at least twice so that a lone "the 2022 conference" does not decide.
    """
    votes = _year_votes(text.splitlines() if isinstance(text, str) else text)
    if not votes:
        return None, "no year is named beside the dated items"
    (best, count), *rest = votes.most_common()
    if count < 2 or (rest and rest[0][1] == count):
        return None, f"the years named beside the dated items do not agree ({dict(votes)})"
    return best, f"{best} is the year named most often beside the dated items ({count} times)"


def _year_votes(lines: Sequence[str]) -> Counter[int]:
    votes: Counter[int] = Counter()
    for line in lines:
        body = clean(line)
        has_date = _LEADING_DATE.match(body) or any(
            _date_body(m.group(1)) for m in _PAREN.finditer(body)
        )
        if has_date:
            votes.update(int(y) for y in _YEAR.findall(body) if 2000 <= int(y) <= 2100)
    return votes


def find_period(lines: Sequence[str], before: int) -> Period | None:
    """The months the issue names as its period in its first lines ("March–April 2023",
    "December 2023 – January 2024", "Issue 12 · April 2023"), if it names them."""
    for index, line in enumerate(lines[:before]):
        text = clean(line)
        if not text or len(text) > 120 or _PAREN.search(text):
            continue
        if found := _PERIOD.search(text):
            first, last = _month(found["m1"]), _month(found["m2"])
            last_year = int(found["y2"])
            first_year = int(found["y1"]) if found["y1"] else last_year - (first > last)
            if (first_year, first) > (last_year, last):
                continue
            return Period(date(first_year, first, 1), _month_end(last_year, last), index + 1)
        if found := _ONE_MONTH.search(text):
            month, year = _month(found["m"]), int(found["y"])
            return Period(date(year, month, 1), _month_end(year, month), index + 1)
    return None


def _read_figures(
    lines: list[str],
    start: int,
    indicators: Sequence[tuple[str, str]],
    vocabulary: tuple[set[str], set[str]],
    out: Newsletter,
) -> int:
    """Read the figures that follow the 'IN NUMBERS' heading at line index start-1, whether
    each number stands above its label, before it on its line, or after it; return the
    index where the items begin."""
    lookup: dict[str, str] = {}
    for code, label in indicators:
        lookup[_label_key(label)] = code
        for variant in label_variants().get(code, ()):
            lookup.setdefault(_label_key(variant), code)
    labels = dict(indicators)
    tokens: list[tuple[str, str, int]] = []  # ("number" | "text", text, line number)
    index = start
    while index < len(lines):
        line = clean(lines[index], collapse=False)
        if line and (_figures_end(line, lookup) or len(tokens) > 4 * len(indicators)):
            break
        _tokens(line, index + 1, tokens, vocabulary)
        index += 1
    for number_row, printed, value in _pairs(tokens, lookup):
        match = lookup.get(_label_key(printed)) or lookup.get(
            _label_key(printed.replace("/ ", "/"))
        )
        digits = re.sub(r"\D", "", value).lstrip("0") or "0"
        if not printed:
            out.errors.append(Problem(number_row, "label", f"the figure {value} has no label"))
        elif len(digits) > _MAX_FIGURE_DIGITS:
            # int() refuses a text of more than 4,300 digits; a stored figure fits in 18.
            message = (
                f"the figure has {len(digits):,} digits; a figure has at most {_MAX_FIGURE_DIGITS}"
            )
            out.errors.append(Problem(number_row, "value", message))
        elif not value:
            out.errors.append(Problem(number_row, "value", f"'{printed}' has no figure"))
        elif match is None:
            known = ", ".join(f"'{label}'" for _, label in indicators)
            out.errors.append(
                Problem(number_row, "label", f"'{printed}' is not a known figure ({known})")
            )
        elif any(f.code == match for f in out.indicators):
            out.errors.append(Problem(number_row, "label", f"'{printed}' is given twice"))
        else:
            out.indicators.append(
                Figure(number_row, match, labels.get(match, printed), int(digits), None)
            )
    missing = [label for code, label in indicators if all(f.code != code for f in out.indicators)]
    if missing:
        out.warnings.append(
            Problem(start, None, "figures not found in the newsletter: " + ", ".join(missing))
        )
    return index


def _figures_end(line: str, lookup: dict[str, str]) -> bool:
    """Whether a line ends the figures: a heading that is no part of a label, or a date."""
    if _is_heading(line):
        key = _label_key(re.sub(r"[\d,.]+", " ", line))
        return not _FIGURE.fullmatch(line.strip()) and not any(key in label for label in lookup)
    return bool(_PAREN.search(line) and any(_date_body(m[1]) for m in _PAREN.finditer(line)))


def _tokens(
    line: str, row: int, tokens: list[tuple[str, str, int]], vocabulary: tuple[set[str], set[str]]
) -> None:
    """A line of the figures as numbers and runs of label text, runs joined across lines."""
    position = 0
    for found in _FIGURE.finditer(line):
        _text_token(line[position : found.start()], row, tokens, vocabulary)
        tokens.append(("number", found[1], row))
        position = found.end()
    _text_token(line[position:], row, tokens, vocabulary)


def _text_token(
    text: str, row: int, tokens: list[tuple[str, str, int]], vocabulary: tuple[set[str], set[str]]
) -> None:
    text = text.strip(" :|-–")
    if not re.search(r"[^\W\d_]", text):
        return
    if tokens and tokens[-1][0] == "text":
        kind, before, first = tokens.pop()
        tokens.append((kind, join_lines(before, text, vocabulary), first))
    else:
        tokens.append(("text", text, row))


def _pairs(
    tokens: list[tuple[str, str, int]], lookup: dict[str, str]
) -> list[tuple[int, str, str]]:
    """(row, label, number) pairs from the tokens: each number with the label after it, or
    before it when the figures start with a label. A run of numbers goes with a run of as
    many labels, in order (an infographic's row of numbers above its row of labels)."""
    runs: list[tuple[str, list[tuple[str, int]]]] = []
    for kind, text, row in tokens:
        if runs and runs[-1][0] == kind:
            runs[-1][1].append((text, row))
        else:
            runs.append((kind, [(text, row)]))
    pairs: list[tuple[int, str, str]] = []
    number_first = bool(runs) and runs[0][0] == "number"
    step = iter(runs)
    for run in step:
        following = next(step, None)
        numbers, texts = (run, following) if number_first else (following, run)
        values = [text for text, _ in numbers[1]] if numbers else []
        rows = [row for _, row in numbers[1]] if numbers else []
        label_run = texts[1] if texts else []
        printed = " ".join(text for text, _ in label_run)
        labels = _split_labels(printed, lookup) if len(values) > 1 else None
        if labels is not None and len(labels) == len(values):
            pairs.extend(zip(rows, labels, values, strict=True))
        elif values:
            for row, value in zip(rows[:-1], values[:-1], strict=True):
                pairs.append((row, "", value))
            pairs.append((rows[-1], printed, values[-1]))
        elif label_run:
            pairs.append((label_run[0][1], printed, ""))
    return pairs


def _split_labels(text: str, lookup: dict[str, str]) -> list[str] | None:
    """A run of text as a sequence of known labels, longest first; None when it is not."""
    words = text.split()
    labels: list[str] = []
    position = 0
    while position < len(words):
        for end in range(len(words), position, -1):
            printed = " ".join(words[position:end])
            if _label_key(printed) in lookup:
                labels.append(printed)
                position = end
                break
        else:
            return None
    return labels


def _paragraphs(
    lines: list[str], start: int, vocabulary: tuple[set[str], set[str]], out: Newsletter
) -> list[_Paragraph]:
    """The lines from index start as headings and paragraphs: a line wrapped from the one
    before (a PDF's lines) is joined to it; a blank line, a bullet, a leading date or a
    heading starts anew, and so does any line after one that ends with a date."""
    paragraphs: list[_Paragraph] = []
    current: _Paragraph | None = None
    gap = False
    for index in range(start, len(lines)):
        line = lines[index].strip()
        number = index + 1
        if _PAGE_MARK.fullmatch(line):
            # A page's number or footer, copied with the text around it.
            continue
        unfinished = current is not None and not current.heading and not _ends_dated(current.text)
        if unfinished and _is_heading(line) and _continued(lines, index + 1):
            # A page's running header, copied between the two halves of a sentence.
            continue
        if not line:
            gap = True
            continue
        if gap and not (
            current is not None
            and not current.heading
            and not _ends_dated(current.text)
            and line[:1].islower()
        ):
            # A blank line ends a paragraph, unless the paragraph goes on in small letters
            # after it: a sentence broken by the end of a PDF's page.
            current = None
        gap = False
        if len(line) > MAX_LINE_CHARS:
            message = (
                f"the line is {len(line):,} characters long; an item is at most "
                f"{MAX_LINE_CHARS:,}, so it was not read: put each item on a line of its own"
            )
            out.errors.append(Problem(number, None, message))
            current = None
            continue
        ended = current is None or current.heading or _ends_dated(current.text)
        if _is_heading(line) and (ended or _is_sure_heading(line)):
            current = _Paragraph(number, number, line, heading=True)
            paragraphs.append(current)
            continue
        starts = line.startswith("- ") or bool(_LEADING_DATE.match(clean(line)))
        joins = (
            current is not None
            and not current.heading
            and not starts
            and (not ended or _CONTINUES.match(line))
            and len(current.text) + len(line) < MAX_PARAGRAPH_CHARS
        )
        if joins and current is not None:
            current.text = join_lines(current.text, line, vocabulary)
            current.last = number
        else:
            current = _Paragraph(number, number, line)
            paragraphs.append(current)
    return paragraphs


def _continued(lines: list[str], start: int) -> bool:
    """Whether the next line with words, past page marks, goes on in small letters."""
    for line in lines[start:]:
        text = line.strip()
        if text and not _PAGE_MARK.fullmatch(text):
            return text[:1].islower()
    return False


def _ends_dated(text: str) -> bool:
    found = _ENDS_DATED.search(text)
    return bool(found and _date_body(found[1]))


def _items(paragraphs: list[_Paragraph], out: Newsletter) -> list[_Item]:
    items: list[_Item] = []
    section = ""
    for paragraph in paragraphs:
        raw = paragraph.text
        if paragraph.heading:
            section = raw
            continue
        text = clean(raw)
        if not text:
            continue
        item = _Item(paragraph.row, text, raw, section)
        out.last_lines[paragraph.row] = paragraph.last
        lead = _LEADING_DATE.match(text)
        if lead:
            rest = text[lead.end() :]
            raw_rest = _LEADING_DATE.sub("", raw.lstrip("→-• "), count=1)
            wg = _WG_LEAD.match(raw_rest)
            item.leading = (int(lead["d"]), _month(lead["m"]))
            item.text = rest
            if wg:
                item.working_group = wg["code"]
        if item.working_group is None and (named := _WG_NAMED.search(text)):
            item.working_group = named["code"]
        items.append(item)
    return items


def _dates(item: _Item, year_of: _YearOf) -> list[_When]:
    found = []
    for paren in _PAREN.finditer(item.text):
        parsed = parse_date_text(paren.group(1), year_of)
        if parsed:
            found.append(_When(parsed[0], parsed[1], parsed[2], paren.span()))
    return found


def _kind(section: str, text: str, whole_kind: str | None, *, wg_meeting: bool) -> str:
    """The kind of a stretch of an item; `whole_kind` is what the whole item's words say."""
    upper = section.upper()
    if "HEADS OF ENTITIES" in upper or "STATEMENT" in upper:
        return "statement"
    if "PUBLICATION" in upper or upper.startswith("REPORTS"):
        return "publication"
    if wg_meeting:
        return "meeting"
    return _keyword_kind(text) or whole_kind or "other"


def _keyword_kind(text: str) -> str | None:
    for kind, pattern in KIND_KEYWORDS:
        if pattern.search(text):
            return kind
    return None


def _entity_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])")


@lru_cache(maxsize=1)
def _entity_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    names = [(name, name) for name in known_entities()] + list(entity_aliases().items())
    names.sort(key=lambda pair: -len(pair[0]))  # "UN Women" before a shorter name inside it
    return tuple((_entity_pattern(name), canonical) for name, canonical in names)


def _country_strict(span: str) -> str | None:
    """A country code for span only when span is that country's name, not just contains it."""
    words = span.replace(",", " ").split()
    if not words or len(words) > 5 or span.isupper() or not span[:1].isupper():
        return None
    if any(w[:1].islower() and w not in _CONNECTORS and not _ELIDED.match(w) for w in words):
        return None
    # "UNODA-Kenya-IGAD" is a partner chain, not a place; "Lao PDR" is a place.
    acronyms = set(known_entities())
    if any(token in acronyms for token in re.split(r"[\s,-]+", span)):
        return None
    if "-" in span and any(len(t) > 1 and t.isupper() for t in re.split(r"[\s,-]+", span)):
        return None
    iso3 = geo.country_iso3(span)
    if iso3 is None:
        return None
    city = geo.city_location(span)
    # "Port of Spain" is a city in Trinidad and Tobago, not Spain.
    if city and city[2] != iso3 and _fold(span) != _fold(geo.country_name(iso3)):
        return None
    return iso3


def _subregion(span: str) -> str | None:
    if _fold(span) in _CONTINENTS or not geo.countries_in_region(span):
        return None
    return span


def _city_strict(span: str, iso3: str | None = None) -> tuple[float, float, str] | None:
    words = span.split()
    if not words or len(words) > 4 or span.isupper() or not span[:1].isupper():
        return None
    if any(w[:1].islower() and w not in _CONNECTORS for w in words):
        return None
    if _fold(span) in _CONTINENTS or geo.countries_in_region(span):
        return None
    if any(p.fullmatch(span) for p, _ in _entity_patterns()):
        return None
    return geo.city_location(span, iso3)


@dataclass
class _Place:
    iso3: str | None = None
    city: str | None = None
    region: str | None = None
    basis: str | None = None
    # A city that several countries have, named with no country: theirs, to choose from.
    candidates: tuple[str, ...] = ()


def _city_choices(span: str) -> tuple[str, ...]:
    """The countries of a city name that several countries have ("San José", "Valencia")."""
    words = span.split()
    if not words or len(words) > 4 or span.isupper() or not span[:1].isupper():
        return ()
    if any(w[:1].islower() and w not in _CONNECTORS for w in words):
        return ()
    if any(p.fullmatch(span) for p, _ in _entity_patterns()) or geo.countries_in_region(span):
        return ()
    return geo.city_countries(span)


def _place_from_tail(text: str) -> _Place | None:
    """ ", Paris", ", Netherlands", ", Port of Spain, Trinidad, and Tobago" at the end."""
    parts = text.split(",")
    for k in range(1, min(3, len(parts) - 1) + 1):
        tail = ",".join(parts[-k:]).strip()
        iso3 = _country_strict(tail)
        if iso3:
            before = parts[-k - 1].strip() if len(parts) > k + 1 else ""
            if before and _city_strict(before, iso3):
                return _Place(iso3, before, None, f", {before}, {tail}")
            return _Place(iso3, None, None, f", {tail}")
        found = _city_strict(tail)
        if found:
            return _Place(found[2], tail, None, f", {tail}")
        if choices := _city_choices(tail):
            return _Place(None, tail, None, f", {tail}", choices)
    return None


def _place_from_prepositions(text: str) -> _Place | None:
    """ "in Nairobi", "to Togo", "for Pakistan", "for the Caribbean"; not "Mission of X"."""
    for match in _PREP_PLACE.finditer(text):
        # Only the text just before is searched: the whole of it, once per match, is quadratic.
        if _NOT_A_PLACE_BEFORE.search(text, max(0, match.start() - 40), match.start()):
            continue
        words = match["span"].split()
        for n in range(min(len(words), _MAX_PLACE_WORDS), 0, -1):
            span = " ".join(words[:n]).rstrip(".,;:’'")
            basis = f"{match['prep']} {match['the'] or ''}{span}"
            iso3 = _country_strict(span)
            if iso3:
                return _Place(iso3, None, None, basis)
            found = _city_strict(span)
            if found:
                return _Place(found[2], span, None, basis)
            if match["prep"] in ("for", "in") and (region := _subregion(span)):
                return _Place(None, None, region, basis)
            if match["prep"] in ("in", "at") and (choices := _city_choices(span)):
                return _Place(None, span, None, basis, choices)
    return None


def _place_from_bare(text: str) -> _Place | None:
    """A stretch that is only a place: "& Spain" after "visits to Jordan (6-9 Mar), ..."."""
    span = re.sub(r"^[\s,;&]*(?:and\s+)?", "", text).strip(" ,;.")
    iso3 = _country_strict(span) if span else None
    return _Place(iso3, None, None, span) if iso3 else None


def _place_from_brackets(text: str) -> _Place | None:
    """A bracket that names only a place: "workshop (Marrakech)", "(Kenya)"."""
    for paren in _PAREN.finditer(text):
        span = paren[1].strip()
        if iso3 := _country_strict(span):
            return _Place(iso3, None, None, f"({span})")
        if found := _city_strict(span):
            return _Place(found[2], span, None, f"({span})")
    return None


def _place_from_national_event(text: str) -> _Place | None:
    """ "[Turkmenistan training]": a country named as the beneficiary of a national event."""
    for event in _EVENT_NOUN.finditer(text):
        words = _capitalised_before(text, event.start())
        for n in range(1, len(words) + 1):
            span = " ".join(words[-n:])
            iso3 = _country_strict(span)
            if iso3:
                return _Place(iso3, None, None, f"{span}{event.group(0)}")
    return None


def _capitalised_before(text: str, end: int) -> list[str]:
    """The last few of the capitalised words that run up to `end` in a cleaned text."""
    words: list[str] = []
    while end > 0 and len(words) < _MAX_PLACE_WORDS:
        start = text.rfind(" ", 0, end) + 1
        word = text[start:end]
        if _CAPITALISED.fullmatch(word):
            words.append(word)
            end = start - 1
            continue
        # The run's first word may follow punctuation inside the same word: "(Kenya".
        tail = len(word)
        while tail and (word[tail - 1].isalnum() or word[tail - 1] in "_’'.-"):
            tail -= 1
        for index in range(tail, len(word)):
            if "A" <= word[index] <= "Z" and (index == tail or word[index - 1] in "’'.-"):
                words.append(word[index:])
                break
        break
    return words[::-1]


def _partners(text: str) -> tuple[list[str], list[str]]:
    """Entities and Member States in a leading hyphen chain ("UNODC-EU-Mozambique")."""
    chain = _CHAIN.match(text)
    if not chain:
        return [], []
    entities, states = [], []
    for token in chain["chain"].split("-"):
        canonical = entity_aliases().get(token, token)
        if canonical in known_entities():
            entities.append(canonical)
        elif (geo.country_iso3(token) and not token.isupper()) or token in ("USA", "UK", "UAE"):
            states.append(token)
        elif token.isupper() and len(token) >= 2:
            entities.append(token)
    return entities, states


def _entities(text: str, *, statement: bool) -> tuple[str, ...]:
    found: list[tuple[int, str]] = []
    chain_entities, _ = _partners(text)
    for position, name in enumerate(chain_entities):
        found.append((-100 + position, name))
    for pattern, canonical in _entity_patterns():
        for match in pattern.finditer(text):
            found.append((match.start(), canonical))
    if statement:
        speaker = _SPEAKER.match(text)
        if speaker and speaker["org"] in ("UN", *known_entities()):
            return (speaker["org"],)
        for head, entity in heads().items():
            if head in text:
                return (entity,)
        found = [(p, n) for p, n in found if n != "CT Compact"][:1]
    names: list[str] = []
    for _, name in sorted(found):
        if name not in names and not (name == "UN" and not statement and names):
            names.append(name)
    return tuple(names)


def _place(text: str, raw_segment: str) -> _Place:
    place = _place_from_tail(text) or _place_from_prepositions(text)
    if place is None:
        # A linked country right before the date: "[Benin](#) (13-17 Mar)".
        links = _LINK.findall(raw_segment)
        if links and raw_segment.rstrip().endswith(")") and (iso3 := _country_strict(links[-1])):
            place = _Place(iso3, None, None, f"[{links[-1]}]")
    return (
        place
        or _place_from_bare(text)
        or _place_from_national_event(text)
        or _place_from_brackets(text)
        or _Place()
    )


def _starts_sentence(piece: str) -> bool:
    return bool(_CHAIN.match(piece) or any(p.match(piece) for p, _ in _entity_patterns()))


def _event_lead(first: str) -> str | None:
    """The actors before the first stretch's event word: "UNOCT-UNODC" of "UNOCT-UNODC training"."""
    starts = [found.start() for _, p in KIND_KEYWORDS if (found := p.search(first))]
    if not starts:
        return None
    # Lower-case words before the event word are dropped ("national", "regional").
    words = first[: min(starts)].rstrip().split(" ")
    while len(words) > 1 and _LOWER_WORD.fullmatch(words[-1]):
        words.pop()
    return " ".join(words)


def _segment_title(first: str, segment: str, index: int, head: str, lead: str | None) -> str:
    """The title of the index-th activity of an item naming several dated places.

    A later stretch that starts a sentence of its own ("; and UNODC-UNFPA training ...")
    stands alone; one that names another event ("& workshop for Djibouti") borrows the
    first stretch's actors; one that names another place borrows the first's words.
    """
    piece = re.sub(r"^[\s,;&]*(?:and\s+)?", "", segment).strip(" ,;")
    if index == 0 or _starts_sentence(piece):
        return piece
    if lead is not None and any(pattern.match(piece) for _, pattern in KIND_KEYWORDS):
        return f"{lead} {piece}".strip()
    prep = re.match(r"(for|to|in|with|at)\s", piece)
    if prep and f" {prep[1]} " in first:
        return f"{first[: first.rfind(f' {prep[1]} ')]} {piece}"
    return f"{head} {piece}".strip()


def _activities(item: _Item, year_of: _YearOf, out: Newsletter) -> None:
    """Add an item's activities to `out`, one for each date it gives."""
    dates = _item_dates(item, year_of, out)
    if not dates:
        return
    stretches = _stretches(item, dates)
    for number in range(len(dates)):
        _activity(stretches, number, out)


def _item_dates(item: _Item, year_of: _YearOf, out: Newsletter) -> list[_When]:
    """The item's dates (a working group line's leading date alone); none when it gives none
    to read, with the error or note in `out`."""
    try:
        dates = _dates(item, year_of)
        if item.leading:
            day, month = item.leading
            on = date(year_of(month), month, day)
            dates = [_When(on, on, False, (0, 0))]
    except ValueError as error:
        out.errors.append(Problem(item.row, "date", f"{error}: {item.text}"))
        return []
    if not dates:
        out.notes.append(Problem(item.row, None, f"no date: not an activity: {item.text}"))
    return dates


@dataclass(frozen=True)
class _Stretches:
    """An item cut at its dates, one stretch of text a date, and what its first stretch
    names that the later ones borrow."""

    item: _Item
    dates: list[_When]
    clean: list[str]  # each stretch of the cleaned item
    raw: list[str]  # each stretch as written, links kept; fewer when a date is not found there
    first: str  # the first stretch, its spaces collapsed
    first_place: _Place
    head: str  # the first stretch before its place
    lead: str | None  # the actors before the first stretch's event word
    entities: tuple[str, ...]  # the first stretch's actors (the whole item's with one date)
    whole_kind: str | None  # what the whole item's words say
    wg_meeting: bool
    chain_states: list[str]  # Member States in the item's leading hyphen chain
    chain: str  # that chain, else the whole item


def _stretches(item: _Item, dates: list[_When]) -> _Stretches:
    """The item cut at its dates, with what its first stretch names."""
    whole = item.text
    statement_or_pub = _kind(item.section, "", None, wg_meeting=False)
    clean, raw = _cut(whole, _raw_text(item), dates)
    first = " ".join(clean[0].split())
    first_place = _place(first, raw[0] if raw else "")
    head = first
    if first_place.basis and first_place.basis.split()[-1] in first:
        head = first[: first.rfind(first_place.basis.split()[-1])].strip(" ,")
    chain = _CHAIN.match(whole)
    return _Stretches(
        item=item,
        dates=dates,
        clean=clean,
        raw=raw,
        first=first,
        first_place=first_place,
        head=head,
        lead=_event_lead(first),
        # Later stretches name audiences too ("for ... GCTF inspired institutions"): the
        # actors are those of the first stretch unless a stretch starts a sentence of its own.
        entities=_entities(
            first if len(dates) > 1 else whole, statement=statement_or_pub == "statement"
        ),
        whole_kind=_keyword_kind(whole),
        wg_meeting=bool(item.leading and item.working_group),
        chain_states=_partners(whole)[1],
        chain=chain["chain"] if chain else whole,
    )


def _cut(whole: str, raw: str, dates: Sequence[_When]) -> tuple[list[str], list[str]]:
    """The cleaned item's stretches and the written item's: each date closes the stretch of
    text it belongs to."""
    segments, raw_segments, cursor = [], [], 0
    raw_dates = [m for m in _PAREN.finditer(raw) if _date_body(m.group(1))]
    raw_cursor = 0
    for number, when in enumerate(dates):
        segments.append(whole[cursor : when.span[0]] if when.span != (0, 0) else whole)
        cursor = when.span[1]
        if number < len(raw_dates):
            raw_segments.append(raw[raw_cursor : raw_dates[number].start()])
            raw_cursor = raw_dates[number].end()
    if len(dates) > 1 and whole[cursor:].strip(" .;"):
        segments[-1] += whole[cursor:]
    return segments, raw_segments


def _activity(stretches: _Stretches, number: int, out: Newsletter) -> None:
    """Add the activity of the number-th stretch to `out`, with what to ask or note of it."""
    item, when = stretches.item, stretches.dates[number]
    segment = " ".join(stretches.clean[number].split())
    title = _stretch_title(stretches, number, segment)
    kind = _kind(item.section, segment, stretches.whole_kind, wg_meeting=stretches.wg_meeting)
    place = _stretch_place(stretches, number, segment, kind)
    entities = _stretch_entities(stretches, number, segment)
    located = geo.locate(city=place.city, country=place.iso3, region=place.region)
    place = _told_place(stretches, place, out)
    out.activities.append(
        ActivityRecord(
            row=item.row,
            title=title,
            kind=kind,
            start_date=when.start,
            end_date=when.end,
            country_iso3=located.iso3 if place.basis else None,
            city=located.city,
            region=place.region,
            lat=located.lat,
            lon=located.lon,
            location_precision=located.precision if place.basis else "none",
            entities=entities,
            working_group=item.working_group,
            online=when.online or bool(re.search(r"\b(?:online|virtual)\b", segment, re.I)),
            place_basis=place.basis,
        )
    )


def _stretch_title(stretches: _Stretches, number: int, segment: str) -> str:
    """The title of the number-th stretch's activity: the whole item, less its date, when it
    gives one date; a working group line whole."""
    whole, when = stretches.item.text, stretches.dates[number]
    title = _segment_title(stretches.first, segment, number, stretches.head, stretches.lead)
    if len(stretches.dates) == 1:
        title = " ".join((whole[: when.span[0]] + whole[when.span[1] :]).split())
    if stretches.item.leading:
        title = whole
    return title.strip(" ,;")


def _stretch_place(stretches: _Stretches, number: int, segment: str, kind: str) -> _Place:
    """Where the number-th stretch's activity took place; nowhere for a publication, a
    statement or a working group meeting."""
    if kind in ("publication", "statement") or stretches.wg_meeting:
        return _Place()
    raw_segment = stretches.raw[number] if number < len(stretches.raw) else ""
    return stretches.first_place if number == 0 else _place(segment, raw_segment)


def _stretch_entities(stretches: _Stretches, number: int, segment: str) -> tuple[str, ...]:
    """The actors of the number-th stretch: its own when it starts a sentence of its own,
    else the item's; none for a working group meeting."""
    if stretches.wg_meeting:
        return ()
    piece = re.sub(r"^[\s,;&]*(?:and\s+)?", "", segment)
    own = number > 0 and _starts_sentence(piece)
    return (_entities(piece, statement=False) if own else ()) or stretches.entities


def _told_place(stretches: _Stretches, place: _Place, out: Newsletter) -> _Place:
    """The place to record: a city of several countries is asked about and not placed; a
    country named only as a partner is noted."""
    row = stretches.item.row
    if place.candidates:
        names = ", ".join(geo.country_name(code) for code in place.candidates)
        out.warnings.append(
            Problem(
                row,
                "place",
                f"'{place.city}' is a city in several countries ({names}): not placed; "
                "give its country in review",
            )
        )
        place = _Place(None, place.city)
    if place.basis is None and stretches.chain_states and not stretches.wg_meeting:
        out.notes.append(
            Problem(
                row,
                "place",
                f"{', '.join(stretches.chain_states)} named only as a partner in "
                f"'{stretches.chain}': "
                "not placed; place it there in review if the activity took place there",
            )
        )
    return place


def _raw_text(item: _Item) -> str:
    """The item as written minus list markers, bold and escapes, link markup kept."""
    text = item.raw.strip().lstrip("→•").strip()
    if text.startswith("- "):
        text = text[2:]
    return _without_arrow(re.sub(r"\\(.)", r"\1", text.replace("**", "")))


def parse_newsletter(
    text: str,
    *,
    year: int | None = None,
    indicators: Sequence[tuple[str, str]] | None = None,
    file_name: str = "",
) -> Newsletter:
    """Read a newsletter's text: its figures, its dated items as activities, and problems.

    `year` is the year of the issue's first month, when the text does not make it clear.
    Problems carry the line number (as a text box counts) in `row`.
    """
    pairs = list(indicators if indicators is not None else shipped_indicators())
    out = Newsletter()
    name = f"{file_name}: " if file_name else ""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_NEWSLETTER_BYTES:
        message = (
            f"{name}the text is {file_size(size)}; a newsletter may be at most "
            f"{file_size(MAX_NEWSLETTER_BYTES)} (an issue is about 30 KB), so it was not read. "
            "Check that this is the newsletter's text."
        )
        out.errors.append(Problem(None, None, message))
        return out
    lines = normalize(text)
    vocabulary = _hyphenated_words(lines)
    start = next((i for i, line in enumerate(lines) if "IN NUMBERS" in line.upper()), None)
    body_start = _read_figures(lines, start + 1, pairs, vocabulary, out) if start is not None else 0
    if start is None:
        out.warnings.append(Problem(None, None, "no 'IN NUMBERS' heading: no figures read"))
    paragraphs = _paragraphs(lines, body_start, vocabulary, out)
    items = _items(paragraphs, out)
    out.period = find_period(lines, max(body_start, 40))
    year_of = _calendar(items, year, out, name)
    if year_of is None:
        return out
    for item in items:
        _activities(item, year_of, out)
    _outside_period(out)
    _figures_date(out, start)
    return out


def _item_months(items: Sequence[_Item]) -> set[int]:
    months = set()
    for item in items:
        if item.leading:
            months.add(item.leading[1])
        for paren in _PAREN.finditer(item.text):
            found = _date_body(paren[1])
            if found and not found["y"]:
                months.add(_month(found["m1"] or found["m2"]))
    return months


def _calendar(
    items: Sequence[_Item], year: int | None, out: Newsletter, name: str
) -> _YearOf | None:
    """The year each month of the items falls in: from the issue's period when it names one,
    else from `year` or the years the dated items name; an issue that runs from one year
    into the next (December-January) puts each month in its own year."""
    months = _item_months(items)
    period = out.period
    if period is not None and year is not None and year != period.start.year:
        out.notes.append(
            Problem(None, "year", f"the year {year} was given; the text names {period}")
        )
        period = None
    if period is not None:
        out.year = period.start.year
        out.notes.append(Problem(period.row, "year", f"the issue names its period: {period}"))
        return functools.partial(_nearest_year, period=period)
    # An issue's items run over a few months: late months with early ones and none between
    # means the issue runs over a new year.
    wraps = bool(months & {10, 11, 12}) and bool(months & {1, 2, 3}) and not months & {6, 7}
    if year is None:
        votes = _year_votes([item.raw for item in items])
        named = sorted(votes)
        pair = [y for y in named if y + 1 in votes]
        if wraps and pair:
            year = max(pair, key=lambda y: votes[y] + votes[y + 1])
            why = (
                "the items run from one year into the next, and the text names both "
                f"({year}, {year + 1})"
            )
        else:
            year, why = infer_year([item.raw for item in items])
            if year is not None and wraps:
                message = (
                    f"{name}the items run over a new year, and the text names only {year}: "
                    "give the year of the issue's first month with --year"
                )
                out.errors.append(Problem(None, "year", message))
                return None
        if year is None:
            out.errors.append(
                Problem(None, "year", f"{name}cannot tell the year ({why}): give it with --year")
            )
            return None
        out.notes.append(Problem(None, "year", f"year {year} inferred: {why}"))
    out.year = year
    return functools.partial(_year_of_month, first=year, wraps=wraps)


def _year_of_month(month: int, *, first: int, wraps: bool) -> int:
    """The year of a month of an issue whose first month is in `first`; in an issue that
    runs over a new year, the months of its second half are in the next."""
    return first + 1 if wraps and month < 7 else first


def _nearest_year(month: int, *, period: Period) -> int:
    """The year that puts a month in the issue's period, or nearest to it."""
    middle = period.start.year * 12 + period.start.month
    years = (period.start.year - 1, period.start.year, period.end.year, period.end.year + 1)
    return min(years, key=lambda y: (abs(y * 12 + month - middle), y))


def _outside_period(out: Newsletter) -> None:
    """An item dated well outside the issue's period is asked about: its year was chosen."""
    period = out.period
    if period is None:
        return
    low = period.start.year * 12 + period.start.month - _FAR_MONTHS
    high = period.end.year * 12 + period.end.month + _FAR_MONTHS
    for activity in out.activities:
        month = activity.start_date.year * 12 + activity.start_date.month
        if not low <= month <= high:
            out.warnings.append(
                Problem(
                    activity.row,
                    "date",
                    f"{activity.start_date:%B %Y} is outside the issue's period ({period}); "
                    "check its year",
                )
            )


def _figures_date(out: Newsletter, start: int | None) -> None:
    """The figures' date: the end of the issue's period, or of the latest month its items
    name; the newsletter does not state it."""
    row = start + 1 if start is not None else None
    if out.indicators and out.period is not None:
        as_of = out.period.end
        why = f"the last day of the period the issue names ({out.period})"
    elif out.indicators and out.activities:
        latest = max(a.end_date for a in out.activities)
        as_of = _month_end(latest.year, latest.month)
        why = f"the last day of the latest month its dated items name ({latest:%B %Y})"
    elif out.indicators:
        out.errors.append(Problem(None, "as_of", "no dated item to infer the figures' date from"))
        return
    else:
        return
    out.indicators = [Figure(f.row, f.code, f.label, f.value, as_of) for f in out.indicators]
    out.notes.append(
        Problem(
            row,
            "as_of",
            f"the newsletter gives no date for its figures: {as_of.isoformat()} is taken, {why}; "
            "correct it if the figures were counted on another day",
        )
    )
