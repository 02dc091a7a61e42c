"""What the Map says beside its deck: the legend of the kinds shown, the counts of where the
matching activities are, and which point or country was clicked."""

from __future__ import annotations

import pandas as pd
import pytest

from ctdash import maps

PLACES = pd.DataFrame(
    [
        {"lat": -1.3, "lon": 36.8, "kind": "training", "country_iso3": "KEN", "activities": 4},
        {"lat": -1.3, "lon": 36.8, "kind": "meeting", "country_iso3": "KEN", "activities": 1},
        {"lat": 9.1, "lon": 7.4, "kind": "training", "country_iso3": "NGA", "activities": 2},
        {"lat": 8.0, "lon": 20.0, "kind": "workshop", "country_iso3": None, "activities": 3},
        {"lat": None, "lon": None, "kind": "statement", "country_iso3": None, "activities": 6},
    ]
)


def test_the_counts_say_how_many_are_on_the_map_by_country_and_at_a_region() -> None:
    counts = maps.place_counts(PLACES)
    assert (counts.matching, counts.on_map, counts.at_a_region) == (16, 10, 3)
    assert counts.by_country == [("KEN", 5), ("NGA", 2)]


def test_the_legend_lists_only_the_kinds_on_the_map_in_the_fixed_order() -> None:
    legend = maps.legend_html(["training", "meeting", "training"])
    assert legend.startswith('<div role="group" aria-label="Legend: the colour of each kind">')
    shown = [kind for kind in maps.KIND_COLOURS if f"</span> {kind}</span>" in legend]
    assert shown == [k for k in maps.KIND_COLOURS if k in {"training", "meeting"}]
    assert maps.legend_html([]) == ""


def test_a_kind_the_legend_does_not_know_never_reaches_its_html() -> None:
    assert maps.legend_html(["<img src=x onerror=alert(1)>"]) == ""


@pytest.mark.parametrize(
    ("event", "picked"),
    [
        (None, None),
        ({"selection": {"objects": {}}}, None),
        ({"selection": {"objects": {maps.POINTS_LAYER: [{"key": "k1"}]}}}, {"key": "k1"}),
        (
            {"selection": {"objects": {maps.COUNTRIES_LAYER: [{"properties": {"place": "KEN"}}]}}},
            {"properties": {"place": "KEN"}},
        ),
    ],
)
def test_the_clicked_point_or_country_is_read_from_the_selection(event, picked) -> None:
    assert maps.picked_object(event) == picked
