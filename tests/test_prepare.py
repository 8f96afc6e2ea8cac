"""Preparation from the publishers' raw layouts, on small fixtures in those layouts."""

from __future__ import annotations

import io
import math
import shutil

import pytest

from mcreport.prepare import __main__ as cli
from mcreport.prepare import datasets, eurostat

from .conftest import REPO


@pytest.mark.parametrize(
    ("cell", "value", "flag"),
    [("11.6 b", 11.6, "b"), ("8.3 ", 8.3, ""), (": ", None, ""), (": u", None, "u"),
     ("3.5 bu", 3.5, "bu"), ("12", 12.0, "")],
)
def test_split_cell(cell, value, flag):
    assert eurostat.split_cell(cell) == (value, flag)


def test_split_cell_rejects_garbage():
    with pytest.raises(ValueError, match="cannot read"):
        eurostat.split_cell("12,5")


def test_bulk_tsv_and_participation(raw_dir):
    raw = eurostat.read_bulk_tsv(next((raw_dir / "eurostat-trng_lfse_04").glob("*.tsv")))
    assert len(raw) == 7 * 3
    tidy, tally = datasets.make_participation(raw, age="Y25-64", dataset="p", source="k",
                                              status="verified")
    assert tally.raw == 21 and tally.kept == len(tidy)
    assert tally.dropped == {"sex other than total": 3, "regional (NUTS 1-3) row": 3,
                             "aggregate not used (only EU27_2020 is kept)": 3,
                             "not available (:)": 2}
    assert set(tidy.geo) == {"AT", "BA", "EL", "EU27_2020"}
    at21 = tidy[(tidy.geo == "AT") & (tidy.year == 2021)].iloc[0]
    assert at21.value == 14.6 and at21.flag == "b"
    assert tidy[(tidy.geo == "EL") & (tidy.year == 2021)].iloc[0].flag == "bu"
    assert list(tidy.columns) == ["geo", "year", "value", "flag", "source", "status"]


def test_bulk_tsv_rejects_ragged_rows():
    text = "freq,geo\\TIME_PERIOD\t2019 \t2020 \nA,AT\t1.0 \n"
    with pytest.raises(ValueError, match="line 2: 1 cells for 2 periods"):
        eurostat.read_bulk_tsv(io.StringIO(text))


def test_sdmx_csv(raw_dir):
    raw = eurostat.read_sdmx_csv(next((raw_dir / "eurostat-trng_lfse_01").glob("*.csv")))
    assert {"freq", "unit", "sex", "age", "geo", "time", "value", "flag"} <= set(raw.columns)
    tidy, tally = datasets.make_participation(raw, age="Y25-74", dataset="p", source="k",
                                              status="verified")
    assert tally.kept == 4
    assert tally.dropped["age band other than Y25-74"] == 1
    assert tidy.set_index(["geo", "year"]).loc[("HR", 2020), "flag"] == "u"


def test_labelled_csv_online_learning(raw_dir):
    raw = eurostat.read_labelled_csv(next((raw_dir / "eurostat-isoc_ci_ac_i").glob("*.csv")))
    tidy, tally = datasets.make_online_learning(raw, source="k", status="verified")
    assert tally.raw == 8 and tally.kept == 5
    assert tally.dropped == {"activity other than a learning activity": 1,
                             "year other than 2015 or 2019": 1, "not available (:)": 1}
    assert set(tidy.geo) == {"BE", "EL", "UK"}
    assert tidy.set_index(["geo", "year"]).loc[("EL", 2019), "flag"] == "b"
    assert set(tidy.indicator) == {"I_IUOLC", "I_IUOLM", "I_IUOLANY"}


def test_oecd(raw_dir):
    folder = raw_dir / "oecd-priorities-for-adult-learning"
    tidy, tally = datasets.make_oecd(datasets.read_oecd_long(folder), source="k", status="v")
    assert tally.dropped == {"outlier-adjusted or normalised variant (_adj, _norm)": 2,
                             "indicator not used by the report": 1, "not available (NA)": 1}
    assert tidy.set_index(["indicator", "geo"]).value.to_dict() == {
        ("5_1_3", "AT"): 63.4, ("5_1_4", "OECD"): 8.5, ("5_1_4", "SK"): 9.9}


def test_trends(raw_dir):
    import pandas as pd

    folder = raw_dir / "google-trends-learning"
    raw = {"WORLD": pd.read_csv(folder / "trends_learning_world.csv"),
           "UK": pd.read_csv(folder / "trends_learning_UK.csv")}
    tidy, tally = datasets.make_trends(raw, source="k", status="v")
    assert tally.kept == 3 and tally.dropped_total == 2
    assert not math.isnan(tidy.value.sum())


def test_cli_end_to_end_on_fixtures(raw_dir, tmp_path, capsys):
    target = tmp_path / "data"
    shutil.copytree(REPO / "data" / "resources", target / "resources")
    shutil.copy(REPO / "data" / "package.yaml", target / "package.yaml")
    for frag in (target / "resources").glob("*.yaml"):  # keep only the prepared resources
        if frag.stem not in cli.SOURCES:
            frag.unlink()
    assert cli.main(["--raw", str(raw_dir), "--data", str(target)]) == 0
    out = capsys.readouterr().out
    assert "adult_participation_25_64: 21 raw -> 10 kept, 11 dropped" in out
    assert "validated 10 resources: 0 problem(s)" in out
    assert "kivet_indicators: 26 raw -> 25 kept, 1 dropped" in out
    assert (target / "datapackage.json").is_file()
