"""The share link of a view, built from the address the browser shows: at the root and under a
base path (`server.baseUrlPath = "dash"`), as a proxy may serve the dashboard."""

from __future__ import annotations

import pytest

from ctdash.urlstate import share_url

CASES = [
    # (the page's address, the page, its view's parameters, the link)
    ("http://localhost:8501/", "overview", {}, "http://localhost:8501/"),
    (
        "http://localhost:8501/",
        "overview",
        {"asof": "2023-04-30"},
        "http://localhost:8501/?asof=2023-04-30",
    ),
    (
        "http://localhost:8501/map?kind=training",
        "map",
        {"kind": "training~workshop", "country": "NGA"},
        "http://localhost:8501/map?kind=training~workshop&country=NGA",
    ),
    ("http://localhost:8501/trends/", "trends", {}, "http://localhost:8501/trends"),
    # Under a base path.
    ("https://un.example/dash", "overview", {}, "https://un.example/dash/"),
    (
        "https://un.example/dash/",
        "overview",
        {"asof": "2022-12-31"},
        "https://un.example/dash/?asof=2022-12-31",
    ),
    (
        "https://un.example/dash/activities?q=old",
        "activities",
        {"q": "border security"},
        "https://un.example/dash/activities?q=border+security",
    ),
    # A page whose address does not end with its name yet (the first run) gets it.
    ("https://un.example/dash", "map", {}, "https://un.example/dash/map"),
    # The default page's own name is not served: the root is.
    ("https://un.example/dash/overview", "overview", {}, "https://un.example/dash/"),
    # A fragment is not part of the view.
    ("http://localhost:8501/map#deck", "map", {}, "http://localhost:8501/map"),
]


@pytest.mark.parametrize(("page_url", "page", "params", "link"), CASES)
def test_a_view_is_shared_at_its_own_address_with_its_parameters(
    page_url: str, page: str, params: dict[str, str], link: str
) -> None:
    assert share_url(page_url, page, params) == link


def test_nothing_in_the_address_can_break_out_of_a_markdown_link() -> None:
    link = share_url("http://h/da sh)[x](javascript:1", "map", {})
    assert " " not in link and ")" not in link and "(" not in link and "[" not in link
