"""Indicator series: one vintage per series, distances to EU targets against their own indicator.

``kivet_indicators`` is the 2026 vintage of Cedefop's Key indicators on VET; the Eurostat extract
``adult_participation_25_64`` is the 2023 vintage of the same 4-week series (KIVET 1050). A series
drawn from both carries a ``vintage`` column on every row (:func:`splice`), and the differences
between the vintages are published (:func:`revisions`).
"""

from __future__ import annotations

import pandas as pd

VINTAGE_COLUMN = "vintage"


class TargetIndicatorError(ValueError):
    """A target was compared with an indicator it is not monitored with."""


def series(kivet: pd.DataFrame, indicator: str, geo: str | None = None,
           usable: bool = True) -> pd.DataFrame | pd.Series:
    """Rows of one indicator (``usable``: without excluded rows, i.e. with a value).

    With ``geo``, the values indexed by year.
    """
    rows = kivet[kivet["indicator"] == indicator]
    if rows.empty:
        raise KeyError(f"no indicator {indicator!r}")
    rows = rows.assign(**{c: rows[c].fillna("") for c in ("flag", "suspect") if c in rows})
    if usable:
        rows = rows[rows["value"].notna()]
    if geo is None:
        return rows
    return rows[rows["geo"] == geo].set_index("year")["value"]


def members(kivet: pd.DataFrame, indicator: str, year: int, geos=None) -> pd.Series:
    """Comparable values (no suspect mark) of one indicator and year for ``geos`` (default: the
    EU member states), indexed by country and sorted from lowest to highest."""
    from .countries import EU27

    rows = comparable(series(kivet, indicator))
    rows = rows[rows["geo"].isin(list(geos or EU27)) & (rows["year"] == year)]
    return rows.set_index("geo")["value"].sort_values()


def comparable(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows without a suspect mark: the ones used in comparisons between countries."""
    return rows[rows["suspect"].fillna("").eq("") & rows["value"].notna()]


def distance_to_target(targets: pd.DataFrame, target_id: str, indicator: str,
                       value: float) -> float:
    """Percentage points from ``value`` of ``indicator`` to target ``target_id`` (positive: short).

    Raises :class:`TargetIndicatorError` unless ``indicator`` is the one the target row names:
    a target is compared only with the indicator it is monitored with.
    """
    row = targets.set_index("id").loc[target_id] if "id" in targets.columns else targets.loc[
        target_id]
    if str(row["indicator"]) != str(indicator):
        raise TargetIndicatorError(
            f"target {target_id} is monitored with indicator {row['indicator']}, "
            f"not {indicator}")
    return round(float(row["level"]) - float(value), 1)


def revisions(old: pd.DataFrame, new: pd.DataFrame, *, old_name: str, new_name: str,
              tolerance: float = 0.05) -> pd.DataFrame:
    """Country-years present in both vintages whose values differ by more than ``tolerance``.

    ``old`` and ``new`` have ``geo``, ``year`` and ``value``; the result has ``geo``, ``year``,
    both values (columns ``old_name`` and ``new_name``) and ``revision`` (new minus old).
    """
    both = old[["geo", "year", "value"]].merge(new[["geo", "year", "value"]],
                                                on=["geo", "year"], suffixes=("_old", "_new"))
    both = both.dropna(subset=["value_old", "value_new"])
    both["revision"] = (both["value_new"] - both["value_old"]).round(2)
    out = both[both["revision"].abs() > tolerance].rename(
        columns={"value_old": old_name, "value_new": new_name})
    return out.sort_values(["geo", "year"]).reset_index(drop=True)


def overlap(old: pd.DataFrame, new: pd.DataFrame) -> int:
    """Number of country-years with a value in both vintages."""
    both = old[["geo", "year", "value"]].merge(new[["geo", "year", "value"]], on=["geo", "year"])
    return int(both.dropna().shape[0])


def splice(old: pd.DataFrame, new: pd.DataFrame, *, old_name: str, new_name: str) -> pd.DataFrame:
    """One series from two vintages: every year of ``new``, and of ``old`` only the years that
    ``new`` lacks for that geo. Every row says which vintage it comes from (``vintage``)."""
    cols = ["geo", "year", "value", "flag"]
    extra = [c for c in ("suspect",) if c in new.columns]
    newer = new[cols + extra].assign(**{VINTAGE_COLUMN: new_name})
    have = set(zip(newer["geo"], newer["year"], strict=True))
    older = old[cols][[(g, y) not in have for g, y in zip(old["geo"], old["year"], strict=True)]]
    older = older.assign(**{c: "" for c in extra}, **{VINTAGE_COLUMN: old_name})
    out = pd.concat([older, newer], ignore_index=True)
    return out.sort_values(["geo", "year"]).reset_index(drop=True)


def vintages(frame: pd.DataFrame) -> list[str]:
    """The vintages a series mixes; refuses a series without the ``vintage`` column."""
    if VINTAGE_COLUMN not in frame.columns:
        raise ValueError("series without a vintage column: say which vintage each row is")
    return sorted(frame[VINTAGE_COLUMN].unique())
