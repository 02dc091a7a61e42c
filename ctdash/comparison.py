"""Two snapshots side by side: each figure at both dates, and the change between them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ctdash import queries


@dataclass(frozen=True)
class Compared:
    """One indicator at the shown date (`now`) beside its figure at the compared date."""

    now: queries.Tile
    then: queries.Tile

    @property
    def label(self) -> str:
        """The indicator's label."""
        return self.now.label

    @property
    def change(self) -> int | None:
        """The figure now less the figure then; None unless both exist."""
        if self.now.value is None or self.then.value is None:
            return None
        return self.now.value - self.then.value

    @property
    def percent(self) -> float | None:
        """The change as a share of the figure then, in percent; None when that is 0 or none."""
        if self.change is None or not self.then.value:
            return None
        return self.change / self.then.value * 100

    def change_text(self) -> str:
        """'+0', '+1,279', or '—' when either figure is missing."""
        return "—" if self.change is None else f"{self.change:+,}"

    def percent_text(self) -> str:
        """'+0.0%', '-12.5%', or '—' when it cannot be said."""
        return "—" if self.percent is None else f"{self.percent:+.1f}%"

    def as_json(self) -> dict[str, object]:
        """Both figures and the change, for the brief and the data API."""
        return {
            "code": self.now.code,
            "label": self.label,
            "value": self.now.value,
            "as_of": self.now.as_of.isoformat() if self.now.as_of else None,
            "compared_value": self.then.value,
            "compared_as_of": self.then.as_of.isoformat() if self.then.as_of else None,
            "change": self.change,
            "percent": None if self.percent is None else round(self.percent, 1),
        }


def compare(now: Sequence[queries.Tile], then: Sequence[queries.Tile]) -> list[Compared]:
    """Each indicator's tile beside its tile at the compared date, in the tiles' order."""
    earlier = {tile.code: tile for tile in then}
    return [Compared(tile, earlier[tile.code]) for tile in now if tile.code in earlier]
