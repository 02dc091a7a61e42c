"""When each figure is due: its cadence, its last figure, the next due date and its state.

A figure is fresh after it comes in, due in the last tenth of its cadence before the next one
is expected, and overdue once that date has passed. An indicator with no cadence is never due.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import pandas as pd

from ctdash.config import get_settings

State = Literal["fresh", "due", "overdue", "unscheduled", "missing"]

# Each state in words and with an icon, so that it is never told by colour alone.
STATES: dict[str, tuple[str, str]] = {
    "fresh": ("Fresh", ":material/check_circle:"),
    "due": ("Due", ":material/schedule:"),
    "overdue": ("Overdue", ":material/error:"),
    "unscheduled": ("No cadence set", ":material/event_busy:"),
    "missing": ("No figure yet", ":material/help:"),
}
# The badge colour of each state; the word and the icon carry it too.
COLOURS = {"fresh": "green", "due": "orange", "overdue": "red"}


def real_today() -> date:
    """Today: CTDASH_TODAY when an operator sets it, else the real date."""
    return get_settings().today or date.today()


# What every page and command asks for today; tests replace it.
clock: Callable[[], date] = real_today


def add_months(day: date, months: int) -> date:
    """The same day `months` later; a month's last day stays the last day (30 April + 2 months
    is 30 June, 31 January + 1 month is 28 or 29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    at_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month, last if at_end else min(day.day, last))


def next_due(last: date | None, cadence_months: int | None) -> date | None:
    """The date the next figure is expected: one cadence after the last figure's date."""
    if last is None or cadence_months is None:
        return None
    return add_months(last, cadence_months)


def state_of(last: date | None, cadence_months: int | None, today: date) -> State:
    """fresh, due (in the cadence's last tenth), overdue (past the due date), unscheduled (no
    cadence) or missing (no figure yet)."""
    if last is None:
        return "missing"
    due = next_due(last, cadence_months)
    if due is None:
        return "unscheduled"
    if today > due:
        return "overdue"
    if today >= due - timedelta(days=(due - last).days // 10):
        return "due"
    return "fresh"


def cadence_text(cadence_months: int | None) -> str:
    """'every 2 months', 'every month', 'every 12 months', or 'no regular cadence'."""
    if cadence_months is None:
        return "no regular cadence"
    return "every month" if cadence_months == 1 else f"every {cadence_months} months"


@dataclass(frozen=True)
class Freshness:
    """Where one indicator stands: who provides it, its last figure, when the next is due."""

    code: str
    label: str
    provider: str
    cadence_months: int | None
    last_value: int | None
    last_as_of: date | None
    next_due: date | None
    state: State
    today: date

    @property
    def word(self) -> str:
        """The state in words: Fresh, Due, Overdue, No cadence set, No figure yet."""
        return STATES[self.state][0]

    @property
    def icon(self) -> str:
        """The state's Material icon."""
        return STATES[self.state][1]

    @property
    def days_overdue(self) -> int:
        """Days since the next figure was due (0 unless overdue)."""
        if self.state != "overdue" or self.next_due is None:
            return 0
        return (self.today - self.next_due).days

    def status_text(self) -> str:
        """The state with its date: 'Overdue since 2023-06-30', 'Due by 2023-06-30', 'Fresh
        until 2023-06-24'..."""
        if self.state == "overdue":
            return f"Overdue since {self.next_due}"
        if self.state == "due":
            return f"Due by {self.next_due}"
        if self.state == "fresh":
            return f"Fresh · next due {self.next_due}"
        return self.word

    def updated_text(self) -> str:
        """'updated 2023-04-30 · next due 2023-06-30' (or what of it is known)."""
        if self.last_as_of is None:
            return "no figure yet"
        due = f" · next due {self.next_due}" if self.next_due else " · no regular cadence"
        return f"updated {self.last_as_of}{due}"

    def as_json(self) -> dict[str, object]:
        """The fields the data API and the brief carry."""
        return {
            "provider": self.provider,
            "cadence_months": self.cadence_months,
            "last_as_of": self.last_as_of.isoformat() if self.last_as_of else None,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "state": self.state,
        }


def freshness(
    indicator_frame: pd.DataFrame, obs: pd.DataFrame, schedules: pd.DataFrame, today: date
) -> list[Freshness]:
    """Each indicator's freshness, in the newsletter's order.

    `obs` is queries.observations() (the current figures), `schedules` context.schedules().
    """
    plan = {
        str(row["indicator_code"]): row
        for row in schedules.to_dict("records")  # one row per indicator
    }
    found = []
    for ind in indicator_frame.to_dict("records"):
        code = str(ind["code"])
        rows = obs[obs["indicator_code"] == code].sort_values("as_of")
        last = rows.iloc[-1] if not rows.empty else None
        schedule = plan.get(code, {})
        months = schedule.get("cadence_months")
        months = None if months is None or pd.isna(months) else int(months)
        last_as_of = None if last is None else last["as_of"]
        found.append(
            Freshness(
                code=code,
                label=str(ind["label"]),
                provider=str(schedule.get("provider") or ""),
                cadence_months=months,
                last_value=None if last is None else int(last["value"]),
                last_as_of=last_as_of,
                next_due=next_due(last_as_of, months),
                state=state_of(last_as_of, months, today),
                today=today,
            )
        )
    return found
