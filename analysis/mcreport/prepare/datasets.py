"""From the publishers' raw layouts to the project's tidy datasets.

Each ``make_*`` function takes frames as read by :mod:`mcreport.prepare.eurostat` (or raw files)
and returns ``(tidy_frame, tally)``. Every tidy row carries ``source`` (a ``references.bib`` key)
and ``status`` (``verified`` when read from the publisher, ``verified-copy`` when read from a
faithful copy of the publisher's file).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import countries
from .tally import Tally

# Eurostat's isoc_ci_ac_i labels in the former Data Explorer export -> indicator codes.
ONLINE_LEARNING_INDICATORS = {
    "Internet use: doing an online course (of any subject)": "I_IUOLC",
    "Internet use: online learning material": "I_IUOLM",
    "Internet use: communicating with instructors or students using educational websites/portals":
        "I_IUOCIS",
    "Internet use: any of the learning activities i_iuolc, i_iuolm, i_iuocis": "I_IUOLANY",
}
ONLINE_LEARNING_CODES = set(ONLINE_LEARNING_INDICATORS.values())
ONLINE_LEARNING_YEARS = (2015, 2019)

OECD_INDICATORS = ("2_3_1", "3_1_1", "3_2_1", "5_1_1", "5_1_2", "5_1_3", "5_1_4", "7_1_2")
TRENDS_KEYWORDS = (
    "online course",
    "online courses",
    "online learning",
    "e-learning",
    "distance learning",
    "online education",
)


def _national(geo: pd.Series) -> pd.Series:
    return (geo.str.len() == 2) | geo.isin(list(countries.AGGREGATES))


def make_participation(
    raw: pd.DataFrame, *, age: str, dataset: str, source: str, status: str
) -> tuple[pd.DataFrame, Tally]:
    """Adult participation in education and training (last 4 weeks), national rows of one age band."""
    tally = Tally(dataset, raw=len(raw))
    frame = raw.copy()
    steps = [
        ("not annual", frame["freq"] != "A"),
        ("unit other than percentage", frame["unit"] != "PC"),
        ("sex other than total", frame["sex"] != "T"),
        (f"age band other than {age}", frame["age"] != age),
        ("regional (NUTS 1-3) row", ~_national(frame["geo"])),
        ("aggregate not used (only EU27_2020 is kept)",
         frame["geo"].isin(list(countries.AGGREGATES)) & (frame["geo"] != "EU27_2020")),
        ("not available (:)", frame["value"].isna()),
    ]
    keep = tally.apply(steps)
    out = frame.loc[keep, ["geo", "time", "value", "flag"]].rename(columns={"time": "year"})
    out["year"] = out["year"].str.strip().astype(int)
    out["flag"] = out["flag"].fillna("").astype(str)
    return tally.finish(out, source=source, status=status, sort=["geo", "year"])


def make_online_learning(raw: pd.DataFrame, *, source: str, status: str) -> tuple[pd.DataFrame, Tally]:
    """Individuals doing an online course / using online learning material (isoc_ci_ac_i)."""
    tally = Tally("online_learning_2015_2019", raw=len(raw))
    frame = raw.copy()
    if "INDIC_IS" in frame.columns:  # labelled export
        frame["indic_is"] = frame["INDIC_IS"].map(ONLINE_LEARNING_INDICATORS)
        frame["geo"] = frame["GEO"].map(_geo_from_label)
        frame["unit_ok"] = frame["UNIT"].eq("Percentage of individuals")
        frame["ind_ok"] = frame["IND_TYPE"].eq("All Individuals")
    else:  # API layout with codes
        frame["unit_ok"] = frame["unit"].eq("PC_IND")
        frame["ind_ok"] = frame["ind_type"].eq("IND_TOTAL")
    frame["year"] = frame["time"].astype(str).str.strip().astype(int)
    steps = [
        ("activity other than a learning activity", ~frame["indic_is"].isin(ONLINE_LEARNING_CODES)),
        ("unit other than % of individuals", ~frame["unit_ok"]),
        ("population other than all individuals", ~frame["ind_ok"]),
        ("year other than 2015 or 2019", ~frame["year"].isin(ONLINE_LEARNING_YEARS)),
        ("geography not a country", frame["geo"].isna() | ~_national(frame["geo"].fillna(""))),
        ("not available (:)", frame["value"].isna()),
    ]
    keep = tally.apply(steps)
    out = frame.loc[keep, ["geo", "year", "indic_is", "value", "flag"]].rename(
        columns={"indic_is": "indicator"}
    )
    out["flag"] = out["flag"].fillna("").astype(str)
    return tally.finish(out, source=source, status=status, sort=["indicator", "geo", "year"])


def _geo_from_label(label: str) -> str | None:
    try:
        return countries.from_name(label)
    except KeyError:
        return None


def read_oecd_long(folder: Path) -> pd.DataFrame:
    """All ``*_wide.tsv`` tables of the OECD PAL dashboard (``Country, variable, value``)."""
    frames = []
    for path in sorted(folder.glob("*_wide.tsv")):
        part = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
        part["table"] = path.stem.removesuffix("_wide")
        frames.append(part)
    if not frames:
        raise FileNotFoundError(f"{folder}: no *_wide.tsv tables")
    return pd.concat(frames, ignore_index=True)


def make_oecd(raw: pd.DataFrame, *, source: str, status: str) -> tuple[pd.DataFrame, Tally]:
    """Raw (not adjusted, not normalised) values of the PAL indicators the report uses."""
    tally = Tally("oecd_adult_learning", raw=len(raw))
    frame = raw.copy()
    var = frame["variable"]
    frame["geo"] = frame["Country"].map(_geo_from_label)
    steps = [
        ("outlier-adjusted or normalised variant (_adj, _norm)", var.str.contains("_adj|_norm")),
        ("indicator not used by the report", ~var.isin(OECD_INDICATORS)),
        ("country name not matched", frame["geo"].isna()),
        ("not available (NA)", frame["value"].isin(["NA", ""])),
    ]
    keep = tally.apply(steps)
    out = frame.loc[keep, ["geo", "variable", "value"]].rename(columns={"variable": "indicator"})
    out["value"] = out["value"].astype(float)
    return tally.finish(out, source=source, status=status, sort=["indicator", "geo"])


def make_oecd_guide(guide: pd.DataFrame, *, source: str, status: str) -> tuple[pd.DataFrame, Tally]:
    tally = Tally("oecd_adult_learning_indicators", raw=len(guide))
    keep = guide["Indicator_code"].isin(OECD_INDICATORS)
    tally.drop("indicator not used by the report", int((~keep).sum()))
    out = guide.loc[keep, ["Indicator_code", "Dimension", "Indicator_short", "Indicator_Long",
                           "Source"]]
    out.columns = ["indicator", "dimension", "short_label", "label", "survey"]
    out = out.apply(lambda s: s.str.strip())
    return tally.finish(out, source=source, status=status, sort="indicator")


def make_trends(raw: dict[str, pd.DataFrame], *, source: str, status: str) -> tuple[pd.DataFrame, Tally]:
    """Weekly Google Trends interest for the report's keywords, worldwide and UK."""
    frames = []
    for region, part in raw.items():
        part = part.copy()
        part["region"] = region
        frames.append(part)
    frame = pd.concat(frames, ignore_index=True)
    tally = Tally("google_trends_learning", raw=len(frame))
    steps = [
        ("computed mean across keywords, not a Trends series", frame["keyword"] == "learning_mean"),
        ("keyword not used by the report", ~frame["keyword"].isin(TRENDS_KEYWORDS)),
        ("no value", frame["value"].isna()),
    ]
    keep = tally.apply(steps)
    out = frame.loc[keep, ["region", "keyword", "date", "value"]].rename(columns={"date": "week"})
    out["value"] = out["value"].astype(float)
    return tally.finish(out, source=source, status=status, sort=["region", "keyword", "week"])
