"""The "Compact in Numbers" newsletter as text: its eight figures and its dated, placed items."""

from __future__ import annotations

import calendar
import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from ctdash import geo
from ctdash.ingest import ActivityRecord, ObservationRecord, Problem
from ctdash.ingest.sheet import file_size

INDICATORS_CSV = Path(__file__).resolve().parent.parent.parent / "data" / "indicators.csv"
# An issue is about 10 to 30 KB of text, its longest line under 300 characters. Past these
# limits the text is not a newsletter, and reading it would only keep the page waiting.
MAX_NEWSLETTER_BYTES = 512 * 1024
MAX_LINE_CHARS = 1_000

# Ways the newsletter has written a label besides the indicator's own label.
LABEL_VARIANTS: dict[str, tuple[str, ...]] = {
    "intl_regional_orgs": (
        "International/ regional organizations",
        "International and regional organizations",
        "International/regional organisations",
    ),
    "focal_points": ("Focal points",),
    "ct_platform_visits": ("Virtual visits to the CT Platform", "CT Platform visits"),
    "documents_shared": ("Shared documents",),
    "cted_ta_recommendations": ("CTED technical assistance recommendations",),
}

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in {calendar.month_name[number].casefold(), calendar.month_abbr[number].casefold()}
} | {"sept": 9}
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# The body of a "(...)" date: "6-9 Mar", "27 Sep-7 Oct", "24 Mar/online", "Apr", "28 April".
_DATE_BODY = re.compile(
    rf"(?:(?P<d1>\d{{1,2}})(?:\s*(?P<m1>{_MONTH}))?\s*[-–]\s*)?"
    rf"(?P<d2>\d{{1,2}})?\s*(?P<m2>{_MONTH})(?:\s+(?P<y>\d{{4}}))?"
    r"(?:\s*/\s*(?P<mode>online|hybrid|virtual|in[- ]person))?",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\(([^()]*)\)")
# A working group line starts with its date: "3 March **NARS WG** discussed ...".
_LEADING_DATE = re.compile(rf"^(?P<d>\d{{1,2}})\s+(?P<m>{_MONTH})\s+", re.IGNORECASE)
_WG_LEAD = re.compile(r"^\*\*(?P<code>[A-Za-z][\w-]*)\s+WG\*\*\s*")
_WG_NAMED = re.compile(r"\b(?:the|The)\s+(?P<code>[A-Z][\w-]*)\s+WG\b")
# Neither part may hold a bracket, so a run of unclosed "[" is read once, not once per "[".
_LINK = re.compile(r"\[([^\[\]]*)\]\([^)\[\]]*\)")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_MAX_FIGURE_DIGITS = 18
_LOWER_WORD = re.compile(r"[a-z][\w-]*")
_NUMBER = re.compile(r"^\d{1,3}(?:[,.\s\u202f]\d{3})+$|^\d+$")

KNOWN_ENTITIES = (
    "UNOCT", "UNCCT", "CTED", "UNODC", "UNDP", "UNICRI", "INTERPOL", "UNAOC", "UN Women",
    "IOM", "UNFPA", "UNICEF", "OSCE", "OPCW", "UNIDIR", "ICAO", "WCO", "GCTF", "EU", "OSAPG",
    "UNESCO", "UNRCCA", "OICT", "IEP", "UNODA", "IGAD", "SEARCCT", "UNHCR", "OHCHR", "UNHCHR",
    "DPPA", "DPO", "UNITAR", "UNSSC", "UNMAS", "IAEA", "IMO", "IPU", "FATF", "UNOPS", "AU",
    "ASEAN", "OIC", "UNWTO", "WHO", "UNU", "UNEP", "UNRWA", "ILO", "UNHabitat", "ITU",
    "UNSOM", "UNAMA", "CTITF", "OCT",
)  # fmt: skip
# Other spellings of an entity, and long names written by their usual short form.
ENTITY_ALIASES = {
    "SEARCHCT": "SEARCCT",
    "Institute for Economics and Peace": "IEP",
    "UN Counter-Terrorism Coordination Compact": "CT Compact",
    "Counter-Terrorism Compact": "CT Compact",
    "UN Special Rapporteur on human rights while countering terrorism": (
        "UN Special Rapporteur on human rights while countering terrorism"
    ),
    "SG’s": "UN",
    "SG's": "UN",
    "Secretary-General’s": "UN",
    "Secretary-General's": "UN",
}
# Heads of entities the newsletter names without their entity ("USG Voronkov").
HEADS = {"Voronkov": "UNOCT", "Guterres": "UN", "Coninsx": "CTED", "Gherman": "CTED"}
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
    r"(?P<span>[A-Z][\w’'.-]*(?:\s+(?:(?:and|of|the|de|du|la)\s+)?[A-Z][\w’'.-]*)*)"
)
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

    def observation(self) -> ObservationRecord | None:
        """The figure as a record to store, or None while its date is unknown."""
        if self.as_of is None:
            return None
        note = f"Read from the newsletter (line {self.row}, '{self.label}'); date inferred."
        return ObservationRecord(self.row, self.code, self.as_of, self.value, note)


@dataclass
class Newsletter:
    """What a newsletter holds, and what to tell the person checking it."""

    indicators: list[Figure] = field(default_factory=list)
    activities: list[ActivityRecord] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    year: int | None = None

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


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _label_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", _fold(text))


@lru_cache(maxsize=1)
def shipped_indicators() -> tuple[tuple[str, str], ...]:
    """The (code, label) pairs of data/indicators.csv, in their order."""
    with INDICATORS_CSV.open(newline="", encoding="utf-8") as handle:
        return tuple((row["code"], row["label"]) for row in csv.DictReader(handle))


def clean(text: str) -> str:
    """An item's text without list markers, link markup, bold, backslash escapes or ` >`."""
    text = text.strip().lstrip("→•").strip()
    if text.startswith("- "):
        text = text[2:]
    text = _LINK.sub(r"\1", text)
    text = text.replace("**", "")
    text = re.sub(r"\\(.)", r"\1", text)
    return " ".join(_without_arrow(text).split())


def _without_arrow(text: str) -> str:
    """The text without a closing ">" and the spaces around it (a regex would be quadratic)."""
    stripped = text.rstrip()
    return stripped[:-1].rstrip() if stripped.endswith(">") else text


def _is_heading(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 3 and not any(ch.islower() for ch in letters) and "→" not in line


def _month(text: str) -> int:
    return MONTHS.get(text.casefold().rstrip(".")) or MONTHS[text.casefold()[:3]]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_date_text(body: str, year: int) -> tuple[date, date, bool] | None:
    """Read a bracketed date ("6-9 Mar", "27 Sep-7 Oct", "Apr", "12 Oct/hybrid") in year.

    Returns (start, end, online-or-hybrid), or None when the text is not a date. Raises
    ValueError for a date that does not exist (31 Feb). A range whose end month comes before
    its start month ends in the next year.
    """
    found = _date_body(body)
    if not found:
        return None
    if found["y"]:
        year = int(found["y"])
    end_month = _month(found["m2"])
    start_month = _month(found["m1"]) if found["m1"] else end_month
    online = bool(found["mode"]) and not found["mode"].lower().startswith("in")
    if found["d2"] is None:
        if found["d1"]:
            return None
        return date(year, end_month, 1), _month_end(year, end_month), online
    end_year = year + 1 if end_month < start_month else year
    end = date(end_year, end_month, int(found["d2"]))
    start = date(year, start_month, int(found["d1"] or found["d2"]))
    if start > end:
        raise ValueError(f"the range '{' '.join(body.split())}' ends before it starts")
    return start, end, online


def _date_body(body: str) -> re.Match[str] | None:
    # Runs of spaces collapsed first: the pattern's optional spaces backtrack over a long run.
    return _DATE_BODY.fullmatch(" ".join(body.split()))


def infer_year(text: str) -> tuple[int | None, str]:
    """The year the items fall in, guessed from 4-digit years on lines that carry a date.

    Returns (year, why). Years on dated lines count; the most frequent wins, and it must be
    named at least twice so that a lone "the 2022 conference" does not decide.
    """
    votes: Counter[int] = Counter()
    for line in text.splitlines():
        body = clean(line)
        has_date = _LEADING_DATE.match(body) or any(
            _date_body(m.group(1)) for m in _PAREN.finditer(body)
        )
        if has_date:
            votes.update(int(y) for y in _YEAR.findall(body) if 2000 <= int(y) <= 2100)
    if not votes:
        return None, "no year is named beside the dated items"
    (best, count), *rest = votes.most_common()
    if count < 2 or (rest and rest[0][1] == count):
        return None, f"the years named beside the dated items do not agree ({dict(votes)})"
    return best, f"{best} is the year named most often beside the dated items ({count} times)"


def _read_figures(
    lines: list[str], start: int, indicators: Sequence[tuple[str, str]], out: Newsletter
) -> int:
    """Read number/label pairs from line index start; return the index where items begin."""
    lookup: dict[str, str] = {}
    for code, label in indicators:
        lookup[_label_key(label)] = code
        for variant in LABEL_VARIANTS.get(code, ()):
            lookup.setdefault(_label_key(variant), code)
    labels = dict(indicators)
    index = start
    while index < len(lines):
        line = lines[index].strip()
        if not line:
            index += 1
            continue
        if not _NUMBER.match(line):
            break
        number_row = index + 1
        index += 1
        while index < len(lines) and not lines[index].strip():
            index += 1
        label_lines = []
        while index < len(lines) and lines[index].strip() and not _NUMBER.match(lines[index]):
            label_lines.append(lines[index].strip())
            index += 1
        label = " ".join(" ".join(label_lines).replace("/ ", "/").split())
        printed = " ".join(label_lines)
        match = lookup.get(_label_key(label)) or lookup.get(_label_key(printed))
        digits = re.sub(r"\D", "", line).lstrip("0") or "0"
        if not label_lines:
            out.errors.append(Problem(number_row, "label", f"the figure {line} has no label"))
        elif len(digits) > _MAX_FIGURE_DIGITS:
            # int() refuses a text of more than 4,300 digits; a stored figure fits in 18.
            message = (
                f"the figure has {len(digits):,} digits; a figure has at most {_MAX_FIGURE_DIGITS}"
            )
            out.errors.append(Problem(number_row, "value", message))
        elif match is None:
            known = ", ".join(f"'{label}'" for _, label in indicators)
            out.errors.append(
                Problem(number_row, "label", f"'{printed}' is not a known figure ({known})")
            )
        elif any(f.code == match for f in out.indicators):
            out.errors.append(Problem(number_row, "label", f"'{printed}' is given twice"))
        else:
            out.indicators.append(
                Figure(number_row, match, labels.get(match, label), int(digits), None)
            )
    missing = [label for code, label in indicators if all(f.code != code for f in out.indicators)]
    if missing:
        out.warnings.append(
            Problem(start + 1, None, "figures not found in the newsletter: " + ", ".join(missing))
        )
    return index


def _items(lines: list[str], start: int, out: Newsletter) -> list[_Item]:
    items: list[_Item] = []
    section = ""
    for index in range(start, len(lines)):
        raw = lines[index].strip()
        if not raw:
            continue
        if len(raw) > MAX_LINE_CHARS:
            message = (
                f"the line is {len(raw):,} characters long; an item is at most "
                f"{MAX_LINE_CHARS:,}, so it was not read: put each item on a line of its own"
            )
            out.errors.append(Problem(index + 1, None, message))
            continue
        if _is_heading(raw):
            section = raw
            continue
        text = clean(raw)
        if not text:
            continue
        item = _Item(index + 1, text, raw, section)
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


def _dates(item: _Item, year: int) -> list[_When]:
    found = []
    for paren in _PAREN.finditer(item.text):
        parsed = parse_date_text(paren.group(1), year)
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
    names = [(name, name) for name in KNOWN_ENTITIES] + list(ENTITY_ALIASES.items())
    names.sort(key=lambda pair: -len(pair[0]))  # "UN Women" before a shorter name inside it
    return tuple((_entity_pattern(name), canonical) for name, canonical in names)


def _country_strict(span: str) -> str | None:
    """A country code for span only when span is that country's name, not just contains it."""
    words = span.replace(",", " ").split()
    if not words or len(words) > 5 or span.isupper() or not span[:1].isupper():
        return None
    if any(w[:1].islower() and w not in _CONNECTORS for w in words):
        return None
    # "UNODA-Kenya-IGAD" is a partner chain, not a place.
    if any(len(token) > 1 and token.isupper() for token in re.split(r"[\s,-]+", span)):
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
        canonical = ENTITY_ALIASES.get(token, token)
        if canonical in KNOWN_ENTITIES:
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
        if speaker and speaker["org"] in ("UN", *KNOWN_ENTITIES):
            return (speaker["org"],)
        for head, entity in HEADS.items():
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
    return place or _place_from_national_event(text) or _Place()


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


def _activities(item: _Item, year: int, out: Newsletter) -> None:
    statement_or_pub = _kind(item.section, "", None, wg_meeting=False)
    try:
        dates = _dates(item, year)
        if item.leading:
            day, month = item.leading
            on = date(year, month, day)
            dates = [_When(on, on, False, (0, 0))]
    except ValueError as error:
        out.errors.append(Problem(item.row, "date", f"{error}: {item.text}"))
        return
    if not dates:
        out.warnings.append(Problem(item.row, None, f"no date: not an activity: {item.text}"))
        return
    wg_meeting = bool(item.leading and item.working_group)
    whole = item.text
    whole_kind = _keyword_kind(whole)
    raw = _raw_text(item)
    # Each date closes the stretch of text it belongs to.
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
    first_clean = " ".join(segments[0].split())
    first_place = _place(first_clean, raw_segments[0] if raw_segments else "")
    head = first_clean
    if first_place.basis and first_place.basis.split()[-1] in first_clean:
        head = first_clean[: first_clean.rfind(first_place.basis.split()[-1])].strip(" ,")
    # Later stretches name audiences too ("for ... GCTF inspired institutions"): the actors
    # are those of the first stretch unless a stretch starts a sentence of its own.
    item_entities = _entities(
        first_clean if len(dates) > 1 else whole, statement=statement_or_pub == "statement"
    )
    chain_states = _partners(whole)[1]
    chain = _CHAIN.match(whole)
    lead = _event_lead(first_clean)
    for number, when in enumerate(dates):
        segment = " ".join(segments[number].split())
        title = _segment_title(first_clean, segment, number, head, lead)
        if len(dates) == 1:
            title = " ".join((whole[: when.span[0]] + whole[when.span[1] :]).split())
        if item.leading:
            title = whole
        title = title.strip(" ,;")
        kind = _kind(item.section, segment, whole_kind, wg_meeting=wg_meeting)
        place = _Place()
        if kind not in ("publication", "statement") and not wg_meeting:
            raw_segment = raw_segments[number] if number < len(raw_segments) else ""
            place = first_place if number == 0 else _place(segment, raw_segment)
        if wg_meeting:
            entities: tuple[str, ...] = ()
        else:
            piece = re.sub(r"^[\s,;&]*(?:and\s+)?", "", segment)
            own = number > 0 and _starts_sentence(piece)
            entities = (_entities(piece, statement=False) if own else ()) or item_entities
        located = geo.locate(city=place.city, country=place.iso3, region=place.region)
        if place.basis is None and chain_states and not wg_meeting:
            out.warnings.append(
                Problem(
                    item.row,
                    "place",
                    f"{', '.join(chain_states)} named only as a partner in "
                    f"'{chain['chain'] if chain else whole}': "
                    "not placed; place it there in review if the activity took place there",
                )
            )
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

    Problems carry the line number (as `cat -n` counts) in `row`.
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
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "IN NUMBERS" in line.upper()), None)
    body_start = _read_figures(lines, start + 1, pairs, out) if start is not None else 0
    if start is None:
        out.warnings.append(Problem(None, None, "no 'IN NUMBERS' heading: no figures read"))
    if year is None:
        year, why = infer_year(text)
        if year is None:
            out.errors.append(
                Problem(None, "year", f"{name}cannot tell the year ({why}): give it with --year")
            )
            return out
        out.warnings.append(Problem(None, "year", f"year {year} inferred: {why}"))
    out.year = year
    for item in _items(lines, body_start, out):
        _activities(item, year, out)
    if out.indicators and out.activities:
        latest = max(a.end_date for a in out.activities)
        as_of = _month_end(latest.year, latest.month)
        out.indicators = [Figure(f.row, f.code, f.label, f.value, as_of) for f in out.indicators]
        out.warnings.append(
            Problem(
                start + 1 if start is not None else None,
                "as_of",
                f"the newsletter gives no date for its figures: {as_of.isoformat()} is inferred, "
                f"the last day of the latest month its dated items name "
                f"({latest:%B %Y}); correct it if the figures were counted on another day",
            )
        )
    elif out.indicators:
        out.errors.append(Problem(None, "as_of", "no dated item to infer the figures' date from"))
    return out
