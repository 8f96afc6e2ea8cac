"""Cedefop's Key indicators on VET (KIVET): one CSV per indicator -> one long table.

The raw layout is one folder per indicator, ``<id>/cedefop-kivet-<id>.csv`` with the columns
``indicator,geo,geo_name,time,value,flag,unit`` (one row per geo and year, as republished from
Cedefop's master file). :func:`make_indicators` keeps the indicators the report uses, renames the
EU aggregate to ``EU27_2020`` and applies the suspect-value rules of :data:`SUSPECT_RULES`: a
suspect row is either kept with its value and a reason in ``suspect`` (flagged) or kept with an
empty value and the reason (excluded). Nothing is corrected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import countries
from .tally import Tally

RAW_COLUMNS = ["indicator", "geo", "geo_name", "time", "value", "flag", "unit"]


@dataclass(frozen=True)
class Indicator:
    title: str
    unit: str
    survey: str
    family: str


# The indicators the report uses (id -> short English title, unit, survey, family). The unit is
# the report's: 2090a is a difference of two rates, in percentage points, although the file says %.
INDICATORS: dict[str, Indicator] = {
    "1050": Indicator("Adults 25-64 learning in the last 4 weeks", "%", "LFS", "adult_learning"),
    "1050a": Indicator("Adults 25-64 learning in the last 12 months", "%", "LFS", "adult_learning"),
    "1051": Indicator("Adults 25-64 learning in the last 12 months, excluding guided "
                      "on-the-job training", "%", "AES", "adult_learning"),
    "1052": Indicator("Adults 25-64 learning in the last 12 months, including guided "
                      "on-the-job training", "%", "AES", "adult_learning"),
    "1130a": Indicator("Adults 25-64 in job-related non-formal learning, last 12 months", "%",
                       "AES", "adult_learning"),
    "1091": Indicator("Older adults 55-64 learning in the last 4 weeks", "%", "LFS", "equity"),
    "1092": Indicator("Older adults 55-64 learning in the last 12 months", "%", "LFS", "equity"),
    "1100": Indicator("Low-qualified adults 25-64 learning in the last 4 weeks", "%", "LFS",
                      "equity"),
    "1100a": Indicator("Low-qualified adults 25-64 learning in the last 12 months", "%", "LFS",
                       "equity"),
    "1110": Indicator("Unemployed adults 25-64 learning in the last 4 weeks", "%", "LFS",
                      "equity"),
    "1120": Indicator("Adults 25-64 who wanted to take part in training but did not", "%", "AES",
                      "equity"),
    "2125": Indicator("Job-related non-formal learning activities whose skills are used at "
                      "least to a fair extent", "% of activities", "AES", "outcomes"),
    "2128": Indicator("Job-related non-formal learning activities with favourable outcomes",
                      "% of activities", "AES", "outcomes"),
    "2034": Indicator("Adults' average spending on non-formal learning", "EUR per participant",
                      "AES", "outcomes"),
    "2110": Indicator("Workers whose training helped them improve their work", "%", "EWCS",
                      "outcomes"),
    "1060": Indicator("Enterprises providing training", "% of enterprises", "CVTS",
                      "employers"),
    "1030": Indicator("Employees in continuing vocational training courses", "% of employees",
                      "CVTS", "employers"),
    "1075": Indicator("Employees of small enterprises in continuing vocational training courses",
                      "% of employees", "CVTS", "employers"),
    "1135": Indicator("Hours in continuing vocational training courses", "hours per 1000 hours "
                      "worked", "CVTS", "employers"),
    "2030": Indicator("Enterprise spending on continuing vocational training courses",
                      "% of labour cost", "CVTS", "employers"),
    "1040a": Indicator("Workers in on-the-job training", "% of workers", "ESJS",
                       "employers"),
    "1140a": Indicator("People 16-74 learning online (course or material)",
                       "% of all individuals", "ICT", "online_digital"),
    "2130a": Indicator("People 16-74 with at least basic digital skills", "% of all individuals",
                       "ICT", "online_digital"),
    "2080a": Indicator("Employment rate of recent VET graduates 20-34", "%", "LFS",
                       "vet_outcomes"),
    "2090a": Indicator("Employment premium of recent VET graduates over general-stream "
                       "graduates", "pp", "LFS", "vet_outcomes"),
}
FAMILIES = ("adult_learning", "equity", "outcomes", "employers", "online_digital", "vet_outcomes")
LFS_BREAK_YEAR = 2021


@dataclass(frozen=True)
class Rule:
    """A suspect-value rule: which rows, what the report does (``flag`` or ``exclude``), why."""

    name: str
    action: str  # "flag": value kept, reason recorded; "exclude": value emptied, reason recorded
    reason: str
    indicators: tuple[str, ...]
    geo: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    only_without_flag: str = ""  # apply only to rows whose flag lacks this letter

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        mask = frame["indicator"].isin(self.indicators)
        if self.geo:
            mask &= frame["geo"].isin(self.geo)
        if self.years:
            mask &= frame["year"].isin(self.years)
        if self.only_without_flag:
            mask &= ~frame["flag"].str.contains(self.only_without_flag, regex=False)
        return mask


SUSPECT_RULES: tuple[Rule, ...] = (
    Rule("hu_online_2025", "exclude",
         "HU 2025 jumps from 23.0 (2024) to 45.62 without a break flag; unexplained, not used",
         ("1140a",), ("HU",), (2025,)),
    Rule("bg_participation_2025", "flag",
         "BG 2025 jumps from 1.8 (2024) to 6.1 without a break flag; not used in country "
         "comparisons", ("1050",), ("BG",), (2025,)),
    Rule("hu_break_2024", "flag",
         "HU 2024 more than doubles the 2022 value across a break; level shown, change "
         "2022-2024 not used", ("1092", "1100a"), ("HU",), (2024,)),
    Rule("rs_outcomes_2011", "exclude",
         "RS 2011 is 15.4 (low reliability) against 88.8 in 2016; unusable",
         ("2128",), ("RS",), (2011,)),
    Rule("lu_vet_employment_100", "exclude",
         "LU 100.0 from a very small sample (low reliability); not a plausible rate",
         ("2080a",), ("LU",), (2015, 2016, 2019)),
    Rule("uk_digital_skills", "exclude",
         "UK has not taken part in the EU ICT survey since 2020; rows not credible",
         ("2130a",), ("UK",)),
    Rule("eu_france_break_2013", "flag",
         "France's 2013 break lifts the EU value; the EU row carries no break flag",
         ("1091", "1100", "1110"), ("EU27_2020",), (2013,)),
    Rule("lfs_break_2021_unflagged", "flag",
         "2021 is a break in every LFS series (new legal framework) although this row has no b flag",
         ("1050", "1091", "1100", "1110", "2080a", "2090a"), (), (LFS_BREAK_YEAR,), "b"),
)


def read_folder(raw: Path) -> pd.DataFrame:
    """Every ``*/cedefop-kivet-*.csv`` below ``raw`` as one frame of the raw columns (strings)."""
    frames = []
    for path in sorted(raw.glob("*/cedefop-kivet-*.csv")):
        part = pd.read_csv(path, dtype=str, keep_default_na=False)
        if list(part.columns) != RAW_COLUMNS:
            raise ValueError(f"{path}: columns {list(part.columns)}, expected {RAW_COLUMNS}")
        frames.append(part)
    if not frames:
        raise FileNotFoundError(f"{raw}: no */cedefop-kivet-*.csv")
    return pd.concat(frames, ignore_index=True)


def apply_rules(frame: pd.DataFrame, rules=SUSPECT_RULES) -> pd.DataFrame:
    """Fill ``suspect`` with each matching rule's reason; empty ``value`` where a rule excludes.

    A row matched by two rules would be ambiguous: it is refused.
    """
    frame = frame.copy()
    frame["suspect"] = ""
    for rule in rules:
        if rule.action not in ("flag", "exclude"):
            raise ValueError(f"rule {rule.name}: unknown action {rule.action!r}")
        mask = rule.mask(frame)
        clash = mask & frame["suspect"].ne("")
        if clash.any():
            raise ValueError(f"rule {rule.name} matches rows another rule already marked")
        frame.loc[mask, "suspect"] = rule.reason
        if rule.action == "exclude":
            frame.loc[mask, "value"] = float("nan")
    return frame


def make_indicators(raw: pd.DataFrame, *, source: str, status: str):
    """``(kivet_indicators, tally, kivet_indicator_list)`` from the raw rows of all indicators."""
    tally = Tally("kivet_indicators", raw=len(raw))
    frame = raw.copy()
    frame["indicator"] = frame["indicator"].str.removeprefix("cedefop-kivet-")
    frame["geo"] = frame["geo"].replace({"EU27": "EU27_2020"})
    frame["value"] = pd.to_numeric(frame["value"].str.strip().replace({"": None, ":": None}))
    steps = [
        ("indicator not used by the report", ~frame["indicator"].isin(list(INDICATORS))),
        ("geography not a country or the EU-27", ~frame["geo"].isin(countries.geo_codes())),
        ("no value in the file", frame["value"].isna()),
    ]
    keep = tally.apply(steps)
    out = frame.loc[keep, ["indicator", "geo", "time", "value", "flag"]].rename(
        columns={"time": "year"})
    out["year"] = out["year"].str.strip().astype(int)
    out["flag"] = out["flag"].str.strip()
    out = apply_rules(out)
    excluded = out["value"].isna() & out["suspect"].ne("")
    tally.note("kept with the value withheld (suspect, excluded)", int(excluded.sum()))
    tally.note("kept and flagged as suspect", int((~excluded & out["suspect"].ne("")).sum()))
    out, tally = tally.finish(out, source=source, status=status, sort=["indicator", "geo", "year"])
    return out, tally, indicator_list(sorted(set(out["indicator"])), source=source,
                                      status=status)


def indicator_list(ids, *, source: str, status: str):
    rows = [{"indicator": i, "title": INDICATORS[i].title, "unit": INDICATORS[i].unit,
             "survey": INDICATORS[i].survey, "family": INDICATORS[i].family} for i in ids]
    frame = pd.DataFrame(rows, columns=["indicator", "title", "unit", "survey", "family"])
    tally = Tally("kivet_indicator_list", raw=len(frame))
    order = {f: n for n, f in enumerate(FAMILIES)}
    frame = frame.assign(_f=frame["family"].map(order)).sort_values(["_f", "indicator"])
    frame = frame.drop(columns="_f")
    out, tally = tally.finish(frame, source=source, status=status, sort=[])
    return out, tally


def from_raw(folder: Path, *, source: str, status: str):
    """Both KIVET datasets from the folder of indicator folders."""
    tidy, tally, (listing, list_tally) = make_indicators(read_folder(folder), source=source,
                                                         status=status)
    return {"kivet_indicators": (tidy, tally), "kivet_indicator_list": (listing, list_tally)}
