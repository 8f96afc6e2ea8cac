"""Small helpers that turn data into words for glued text (shared by the notebooks)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .countries import name
from .glue import glue

# Country names that take "the" after a preposition ("in the Netherlands").
WITH_ARTICLE = ("Netherlands", "Czech Republic", "United Kingdom", "Slovak Republic")
VERIFIED = ("verified", "verified-copy")


def country(code: str) -> str:
    """Country name as it reads after a preposition: ``"the Netherlands"``, ``"Sweden"``."""
    label = name(code)
    return f"the {label}" if label in WITH_ARTICLE else label


def and_join(items: Iterable[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``; one item is returned as it is."""
    items = [str(i) for i in items]
    if not items:
        raise ValueError("nothing to join")
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def share(count: int, total: int) -> str:
    """``"all 12"`` or ``"11 of the 12"``."""
    return f"all {total}" if count == total else f"{count} of the {total}"


def published(findings: pd.DataFrame, row_id: str, key: str, status=VERIFIED,
              qualifier: str | None = None) -> pd.Series:
    """Glue the figure of register row ``row_id`` under ``key`` (and ``key_max`` for a range).

    ``findings`` is indexed by row id with ``value``, ``status`` and, optionally, ``value_max``
    and ``qualifier``. The row's status must be one of ``status`` and its qualifier must be the
    one the chapter words it with (``None`` for none): a changed register row fails here, not
    silently in the text.
    """
    row = findings.loc[row_id]
    if row["status"] not in status:
        raise ValueError(f"{row_id}: status {row['status']!r}, expected one of {status}")
    found = row.get("qualifier")
    found = found if isinstance(found, str) and found else None
    if found != qualifier:
        raise ValueError(f"{row_id}: qualifier {found!r}, the text says {qualifier!r}")
    for suffix, value in (("", row["value"]), ("_max", row.get("value_max", float("nan")))):
        if pd.notna(value):
            glue(key + suffix, int(value) if float(value).is_integer() else float(value))
    return row
