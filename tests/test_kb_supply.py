"""Knowledge-base tables on supply and qualifications frameworks: complete, sourced, labelled.

The expected counts below were taken from the compiled source tables when the datasets were
curated: 34 national initiatives in 25 countries (28 countries or regions), 44 rows of the
country table of qualifications frameworks (42 countries; Belgium has one row per Community),
155 MOOC-supply figures with 6 groups of disagreeing figures. The counts of initiatives per
relation to the national framework were set when that column was classified from the same tables.
A change to any of them must be deliberate: update the constant together with the data.
"""

from __future__ import annotations

import bibtexparser
import pandas as pd
import pytest

from mcreport.data import load, schema_fields

from .conftest import REPO

N_INITIATIVES = 34
N_INITIATIVE_COUNTRIES = 25
N_INITIATIVE_PLACES = 28  # countries, or regions where an initiative is regional
INITIATIVE_COUNTRIES = {
    "B01": "IE", "B02": "IE", "B03": "NL", "B04": "NL", "B05": "ES", "B06": "ES", "B07": "ES",
    "B08": "HR", "B09": "EE", "B10": "EE", "B11": "FI", "B12": "LT", "B13": "LV", "B14": "BE",
    "B15": "AT", "B16": "DE", "B17": "FR", "B18": "FR", "B19": "PT", "B20": "EL", "B21": "EL",
    "B22": "MT", "B23": "PL", "B24": "CZ", "B25": "SK", "B26": "HU", "B27": "SI", "B28": "UK",
    "B29": "UK", "B30": "UK", "B31": "SE", "B32": "NO", "B33": "RO", "B34": "BG",
}
REGIONAL = {"B06": "Galicia", "B07": "Andalucía", "B14": "Flanders", "B28": "England",
            "B29": "Scotland", "B30": "Scotland"}
NOT_CALLED_MICROCREDENTIALS = {"B31", "B32", "B33", "B34"}
# Relation to the national qualifications framework, classified from the sources' statements
# (definitions in the field description of data/resources/national_initiatives.yaml).
NQF_RELATION_COUNTS = {
    "levelled": 11,
    "part of a qualification": 2,
    "credit-rated": 8,
    "under discussion": 3,
    "outside": 1,
    "not stated": 9,
}
NQF_RELATION_SECONDHAND = {"B02", "B05"}  # category rests on a secondhand cell of a mixed row

NQF_IDS = (
    "AT BE-FL BE-FR BE-DE BG HR CY CZ DK EE FI FR DE EL HU IE IT LV LT LU MT NL PL PT RO SK SI ES "
    "SE IS LI NO CH UK AL BA MK XK ME RS TR UA MD GE"
).split()
N_NQF_ROWS = 44
N_NQF_COUNTRIES = 42
N_NQF_EU_COUNTS = 27

N_MOOC_FIGURES = 155
N_MOOC_CONFLICT_GROUPS = 6
N_INITIATIVE_COUNTS = 85

DATASETS = ["national_initiatives", "initiative_counts", "nqf_countries", "nqf_eu_counts",
            "mooc_supply"]


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {name: load(name) for name in DATASETS}


@pytest.fixture(scope="module")
def bib_keys() -> set[str]:
    library = bibtexparser.parse_file(str(REPO / "references.bib"))
    return {entry.key for entry in library.entries}


def _keys(cell) -> list[str]:
    if pd.isna(cell):
        return []
    return [k.strip() for k in str(cell).split(";") if k.strip()]


# --- completeness --------------------------------------------------------------------------


def test_every_initiative_is_there(frames):
    df = frames["national_initiatives"]
    assert len(df) == N_INITIATIVES
    assert dict(zip(df["id"], df["country"], strict=False)) == INITIATIVE_COUNTRIES


def test_initiative_countries_and_regions(frames):
    df = frames["national_initiatives"]
    assert df["country"].nunique() == N_INITIATIVE_COUNTRIES
    places = {(c, r if pd.notna(r) else "") for c, r in zip(df["country"], df["region"], strict=False)}
    assert len(places) == N_INITIATIVE_PLACES
    for ident, region in REGIONAL.items():
        assert region in df.set_index("id").at[ident, "region"]
    national = df[~df["id"].isin(list(REGIONAL))]
    assert national["region"].isna().all()


def test_instruments_not_called_microcredentials(frames):
    df = frames["national_initiatives"].set_index("id")
    flagged = set(df.index[df["called_microcredentials"].eq(False).fillna(False)])
    assert flagged == NOT_CALLED_MICROCREDENTIALS


def test_every_initiative_has_a_relation_to_the_framework(frames):
    df = frames["national_initiatives"]
    assert df["nqf_relation"].notna().all()
    assert df["nqf_relation"].value_counts().to_dict() == NQF_RELATION_COUNTS
    assert sum(NQF_RELATION_COUNTS.values()) == N_INITIATIVES


def test_relation_to_the_framework_has_its_basis(frames):
    df = frames["national_initiatives"]
    for row in df.itertuples():
        if row.nqf_relation != "not stated":
            assert pd.notna(row.nqf_relation_basis) and row.nqf_relation_basis.strip(), row.id
        if row.nqf_relation in ("levelled", "outside", "under discussion", "part of a qualification"):
            assert pd.notna(row.nqf_placement), f"{row.id}: {row.nqf_relation} without a placement text"
        if row.nqf_relation == "credit-rated":
            assert pd.notna(row.size_rule), f"{row.id}: credit-rated without a size rule"


def test_relation_resting_on_secondhand_cells_is_flagged(frames):
    df = frames["national_initiatives"].set_index("id")
    flagged = {i for i, cell in df["secondhand_fields"].items() if "nqf_relation" in _keys(cell)}
    assert flagged == NQF_RELATION_SECONDHAND


def test_every_nqf_country_is_there(frames):
    df = frames["nqf_countries"]
    assert len(df) == N_NQF_ROWS
    assert list(df["id"]) == NQF_IDS
    assert df["country"].nunique() == N_NQF_COUNTRIES
    assert set(df.loc[df["country"] == "BE", "region"]) == {
        "Flemish Community", "French Community", "German-speaking Community"}


def test_eu_counts_and_mooc_figures_are_all_there(frames):
    assert len(frames["nqf_eu_counts"]) == N_NQF_EU_COUNTS
    assert len(frames["mooc_supply"]) == N_MOOC_FIGURES
    assert len(frames["initiative_counts"]) == N_INITIATIVE_COUNTS


# --- sources ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DATASETS)
def test_every_source_key_is_in_the_bibliography(frames, bib_keys, name):
    df = frames[name]
    cited = set(df["source"])
    if "further_sources" in df:
        cited |= {k for cell in df["further_sources"] for k in _keys(cell)}
    assert cited - bib_keys == set()


def test_counts_belong_to_initiatives(frames):
    ids = set(frames["national_initiatives"]["id"])
    counts = frames["initiative_counts"]
    assert set(counts["initiative_id"]) <= ids
    assert all(i.startswith(f"{b}-") for i, b in zip(counts["id"], counts["initiative_id"], strict=False))


# --- secondhand and conflicts ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["national_initiatives", "nqf_countries"])
def test_partly_secondhand_rows_name_their_secondhand_fields(frames, name):
    df = frames[name]
    columns = {f["name"] for f in schema_fields(name)}
    for _, row in df.iterrows():
        named = _keys(row["secondhand_fields"])
        if row["status"] == "partly-secondhand":
            assert named, f"{row['id']}: partly secondhand but no secondhand_fields"
            for field in named:
                assert field in columns, f"{row['id']}: unknown column {field!r}"
                assert pd.notna(row[field]), f"{row['id']}: secondhand column {field!r} is empty"
        else:
            assert not named, f"{row['id']}: secondhand_fields on a {row['status']} row"


@pytest.mark.parametrize("name", ["national_initiatives", "nqf_countries"])
def test_conflict_fields_are_columns(frames, name):
    columns = {f["name"] for f in schema_fields(name)}
    for cell in frames[name]["conflict_fields"]:
        assert set(_keys(cell)) <= columns


def test_secondhand_rows_exist_and_are_labelled(frames):
    statuses = {name: set(df["status"]) for name, df in frames.items()}
    assert "secondhand" in statuses["mooc_supply"]
    assert "partly-secondhand" in statuses["national_initiatives"]
    assert "partly-secondhand" in statuses["nqf_countries"]
    assert "secondhand" in statuses["initiative_counts"]


def test_mooc_conflict_groups_disagree(frames):
    df = frames["mooc_supply"]
    groups = df.dropna(subset=["conflict_group"]).groupby("conflict_group")
    assert groups.ngroups == N_MOOC_CONFLICT_GROUPS
    for name, group in groups:
        assert len(group) >= 2, name
        assert group["value"].nunique() > 1, name
        assert group["source"].nunique() > 1, name
        assert group[["provider", "measure"]].drop_duplicates().shape[0] == 1, name
        assert group["year"].nunique() == 1, name


def test_count_conflicts_disagree(frames):
    df = frames["initiative_counts"].dropna(subset=["conflict_group"])
    for name, group in df.groupby("conflict_group"):
        assert len(group) >= 2 and group["value"].nunique() > 1, name
        assert group["source"].nunique() > 1, name


def test_one_status_per_mooc_source(frames):
    df = frames["mooc_supply"]
    assert (df.groupby("source")["status"].nunique() == 1).all()


# --- dates ------------------------------------------------------------------------------------


def test_undated_figures_are_marked(frames):
    mooc = frames["mooc_supply"]
    undated = mooc[mooc["year"].isna()]
    assert len(undated) >= 1
    assert (undated["date_note"] == "undated").all()
    eu = frames["nqf_eu_counts"]
    assert eu.loc[eu["date"].isna(), "notes"].str.contains("Undated").all()


def test_initiative_years_are_ordered(frames):
    df = frames["national_initiatives"].dropna(subset=["start_year", "end_year"])
    assert (df["start_year"] <= df["end_year"]).all()
    sizes = frames["national_initiatives"].dropna(subset=["ects_min", "ects_max"])
    assert (sizes["ects_min"] <= sizes["ects_max"]).all()
