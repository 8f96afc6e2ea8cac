"""Cedefop KIVET preparation, suspect-value rules, vintages and the target rule."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mcreport import indicators
from mcreport.prepare import kivet

FOLDER = "cedefop-kivet-2026"


@pytest.fixture
def prepared(raw_dir):
    tidy, tally, (listing, _) = kivet.make_indicators(
        kivet.read_folder(raw_dir / FOLDER), source="k", status="verified-copy")
    return tidy.set_index(["indicator", "geo", "year"]), tally, listing


def row(prepared, indicator, geo, year):
    return prepared[0].loc[(indicator, geo, year)]


def test_read_folder_layout(raw_dir):
    raw = kivet.read_folder(raw_dir / FOLDER)
    assert list(raw.columns) == kivet.RAW_COLUMNS
    assert len(raw) == 26


def test_tally_and_columns(prepared):
    tidy, tally, listing = prepared
    assert tally.raw == 26 and tally.kept == 25
    assert tally.dropped == {"indicator not used by the report": 1}  # 1093
    assert tally.notes["kept with the value withheld (suspect, excluded)"] == 4
    assert list(tidy.reset_index().columns[:8]) == ["indicator", "geo", "year", "value", "flag",
                                                     "suspect", "source", "status"]
    assert "EU27_2020" in tidy.index.get_level_values("geo")
    assert "EU27" not in tidy.index.get_level_values("geo")
    assert set(listing.indicator) == set(tidy.index.get_level_values("indicator"))


def test_unit_of_premium_is_points():
    assert kivet.INDICATORS["2090a"].unit == "pp"


def test_rule_hu_online_2025_excluded(prepared):
    r = row(prepared, "1140a", "HU", 2025)
    assert math.isnan(r.value) and "HU 2025" in r.suspect
    assert row(prepared, "1140a", "HU", 2024).value == 23.0


def test_rule_bg_participation_2025_flagged(prepared):
    r = row(prepared, "1050", "BG", 2025)
    assert r.value == 6.1 and r.suspect.startswith("BG 2025")


def test_rule_hu_break_2024_flagged(prepared):
    for ind in ("1092", "1100a"):
        r = row(prepared, ind, "HU", 2024)
        assert r.value > 30 and "break" in r.suspect
    assert row(prepared, "1092", "HU", 2022).suspect == ""


def test_rule_rs_outcomes_2011_excluded(prepared):
    assert math.isnan(row(prepared, "2128", "RS", 2011).value)
    assert row(prepared, "2128", "RS", 2016).suspect == ""


def test_rule_lu_vet_employment_excluded(prepared):
    assert math.isnan(row(prepared, "2080a", "LU", 2015).value)
    assert row(prepared, "2080a", "LU", 2017).suspect == ""


def test_rule_uk_digital_skills_excluded(prepared):
    assert math.isnan(row(prepared, "2130a", "UK", 2021).value)
    assert row(prepared, "2130a", "NL", 2021).suspect == ""


def test_rule_eu_france_break_2013_flagged(prepared):
    for ind in ("1091", "1100", "1110"):
        assert "France" in row(prepared, ind, "EU27_2020", 2013).suspect
    assert row(prepared, "1091", "EU27_2020", 2012).suspect == ""


def test_rule_lfs_2021_break_without_flag():
    frame = pd.DataFrame({"indicator": ["1050", "1050", "1051"], "geo": ["AT", "DE", "AT"],
                          "year": [2021, 2021, 2021], "value": [1.0, 2.0, 3.0],
                          "flag": ["b", "", ""]})
    out = kivet.apply_rules(frame)
    assert list(out.suspect.ne("")) == [False, True, False]
    assert out.value.tolist() == [1.0, 2.0, 3.0]  # flagged, not changed


def test_rules_never_overlap():
    frame = pd.DataFrame({"indicator": ["1050"], "geo": ["BG"], "year": [2025], "value": [6.1],
                          "flag": [""]})
    twice = kivet.SUSPECT_RULES + (kivet.Rule("again", "flag", "x", ("1050",)),)
    with pytest.raises(ValueError, match="already marked"):
        kivet.apply_rules(frame, twice)


def test_no_value_rows_are_counted():
    raw = pd.DataFrame({"indicator": ["cedefop-kivet-1050"] * 2, "geo": ["AT", "AT"],
                        "geo_name": ["Austria"] * 2, "time": ["2010", "2011"],
                        "value": ["13.8", ""], "flag": ["", ""], "unit": ["%", "%"]})
    tidy, tally, _ = kivet.make_indicators(raw, source="k", status="verified-copy")
    assert tally.dropped == {"no value in the file": 1} and len(tidy) == 1


# --- vintages -----------------------------------------------------------------------------

OLD = pd.DataFrame({"geo": ["AT", "AT", "AT", "BE"], "year": [2009, 2010, 2011, 2010],
                    "value": [13.0, 13.7, 13.5, 7.4], "flag": ["", "", "", ""]})
NEW = pd.DataFrame({"geo": ["AT", "AT", "AT", "BE"], "year": [2010, 2011, 2025, 2010],
                    "value": [13.8, 13.5, 16.0, 7.4], "flag": ["", "", "", ""]})


def test_revisions_table():
    rev = indicators.revisions(OLD, NEW, old_name="a", new_name="b")
    assert rev[["geo", "year"]].values.tolist() == [["AT", 2010]]
    assert rev.revision.tolist() == [0.1]
    assert indicators.overlap(OLD, NEW) == 3


def test_splice_labels_every_row_and_prefers_new():
    spliced = indicators.splice(OLD, NEW, old_name="a", new_name="b")
    assert indicators.vintages(spliced) == ["a", "b"]
    at = spliced[spliced.geo == "AT"].set_index("year")
    assert at.loc[2009, "vintage"] == "a" and at.loc[2010, "vintage"] == "b"
    assert at.loc[2010, "value"] == 13.8
    assert not spliced.duplicated(["geo", "year"]).any()


def test_series_without_vintage_refused():
    with pytest.raises(ValueError, match="vintage"):
        indicators.vintages(OLD)


# --- targets ------------------------------------------------------------------------------

TARGETS = pd.DataFrame({"id": ["T2025a", "T2025b"], "level": [47.0, 47.0],
                        "indicator": ["1051", "1050a"]})


def test_distance_to_target_own_indicator():
    assert indicators.distance_to_target(TARGETS, "T2025a", "1051", 39.5) == 7.5


@pytest.mark.parametrize("other", ["1052", "1050", "1050a"])
def test_distance_to_target_refuses_other_indicator(other):
    with pytest.raises(indicators.TargetIndicatorError):
        indicators.distance_to_target(TARGETS, "T2025a", other, 46.6)


def test_members_leave_out_suspect_and_excluded_rows():
    kivet = pd.DataFrame({"indicator": ["1050"] * 4, "geo": ["AT", "BG", "HU", "NO"],
                          "year": [2025] * 4, "value": [16.0, 6.1, float("nan"), 20.0],
                          "flag": [""] * 4, "suspect": ["", "jump", "excluded", ""]})
    assert indicators.members(kivet, "1050", 2025).to_dict() == {"AT": 16.0}
    assert list(indicators.members(kivet, "1050", 2025, geos=["AT", "NO"]).index) == ["AT", "NO"]
