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


def _compare(value: float, reference: float, digits: int | None) -> int:
    """-1, 0 or 1: ``value`` against ``reference``, as the reader sees them (rounded to ``digits``)."""
    value, reference = float(value), float(reference)
    if value != value or reference != reference:
        raise ValueError("cannot compare with NaN")
    if digits is not None:
        value, reference = round(value, digits), round(reference, digits)
    return (value > reference) - (value < reference)


def direction(new: float, old: float, digits: int | None = 1,
              words: tuple[str, str, str] = ("rose", "fell", "did not change")) -> str:
    """The verb for a change from ``old`` to ``new``: ``"rose"``, ``"fell"`` or ``"did not change"``.

    Values are compared as printed (rounded to ``digits``; ``None``: exactly), so the word never
    contradicts the two numbers beside it. ``words`` gives other verbs in the same order, e.g.
    ``("grew", "shrank", "stayed the same")``.
    """
    return words[{1: 0, -1: 1, 0: 2}[_compare(new, old, digits)]]


def side(value: float, reference: float, digits: int | None = 1,
         words: tuple[str, str, str] = ("above", "below", "at")) -> str:
    """Where ``value`` lies against ``reference``: ``"above"``, ``"below"`` or ``"at"``."""
    return words[{1: 0, -1: 1, 0: 2}[_compare(value, reference, digits)]]


def more(value: float, reference: float, digits: int | None = None,
         words: tuple[str, str, str] = ("more", "less", "as much")) -> str:
    """``"more"``, ``"less"`` or ``"as much"``: ``value`` against ``reference`` (for counts pass
    ``words=("more", "fewer", "as many")``)."""
    return words[{1: 0, -1: 1, 0: 2}[_compare(value, reference, digits)]]


def edition(root=None) -> tuple[str, str]:
    """``(version, date)`` of this edition of the report, read from ``CITATION.cff``.

    The date is ``date-released`` when the file has one, else the copyright year of
    ``_config.yml``.
    """
    import yaml

    from .paths import project_root

    root = project_root() if root is None else root
    citation = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    date = citation.get("date-released")
    if not date:
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
        date = config["copyright"]
    return str(citation["version"]), str(date)
