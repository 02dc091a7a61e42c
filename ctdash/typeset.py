"""Briefs typeset as PDF and PNG with Typst."""

from __future__ import annotations

from typing import Any


def typeset(made: Any, fmt: str) -> bytes:
    """The brief as PDF or PNG."""
    raise NotImplementedError(fmt)
