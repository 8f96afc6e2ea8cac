"""Knowledge base, definitions and the European standard: row counts, keys, dates and sources."""

from __future__ import annotations

import datetime as dt

import bibtexparser
import pytest

from mcreport.data import load

from .conftest import REPO

DATASETS = ["definitions", "definition_components", "standard_elements", "policy_timeline"]
COMPONENTS = {
    "learning outcomes", "assessment against standards", "quality assurance", "size or workload",
    "level", "owned by the learner", "portable", "stackable", "awarding body", "digital",
}


@pytest.fixture(scope="module")
def bib_keys() -> set[str]:
    library = bibtexparser.parse_file(str(REPO / "references.bib"))
    assert not library.failed_blocks
    return {entry.key for entry in library.entries}


@pytest.fixture(scope="module")
def frames():
    return {name: load(name) for name in DATASETS}


def test_definitions_are_those_with_readable_text(frames):
    # Council 2022, Commission consultation group 2020, Cedefop glossary, OECD, UNESCO;
    # no definition text of MICROBOL or the ETF could be read.
    defs = frames["definitions"]
    assert len(defs) == 5
    assert set(defs["source"]) == {
        "council2022microcredentials", "ec2020consultationgroup", "cedefopndglossary",
        "oecd2023uses", "oliver2022unesco",
    }


def test_quotations_only_from_verified_wording(frames):
    defs = frames["definitions"]
    quoted = defs[defs["quotation"].notna()]
    assert len(quoted) >= 1
    assert set(quoted["status"]) == {"verified"}
    assert (quoted["quotation"].str.split().str.len() <= 40).all(), "quotations must stay short"


def test_every_definition_has_every_component_once(frames):
    comp = frames["definition_components"]
    defs = frames["definitions"]
    assert set(comp["definition_id"]) == set(defs["id"])
    assert set(comp["component"]) == COMPONENTS
    assert len(comp) == len(defs) * len(COMPONENTS)
    assert not comp.duplicated(["definition_id", "component"]).any()


def test_components_carry_the_source_and_status_of_their_definition(frames):
    merged = frames["definition_components"].merge(
        frames["definitions"], left_on="definition_id", right_on="id", suffixes=("", "_def"))
    assert (merged["source"] == merged["source_def"]).all()
    assert (merged["status"] == merged["status_def"]).all()


def test_standard_elements_counts(frames):
    std = frames["standard_elements"]
    counts = std.groupby(["annex", "kind"]).size().to_dict()
    assert counts == {("I", "mandatory"): 11, ("I", "optional"): 5, ("II", "principle"): 10}
    for (_, _), group in std.groupby(["annex", "kind"]):
        assert sorted(group["number"]) == list(range(1, len(group) + 1))


def test_unchecked_standard_rows_are_not_verified(frames):
    std = frames["standard_elements"]
    # The Annexes' text in the Official Journal could not be read: no row may claim more.
    assert not std["status"].isin(["verified", "verified-copy"]).any()
    unchecked = std[std["checked_in"].isna()]
    assert set(unchecked["status"]) == {"secondhand"}


def _parse(value: str) -> dt.date:
    parts = [int(p) for p in value.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def test_timeline_dates_parse_and_are_sorted(frames):
    tl = frames["policy_timeline"]
    starts = [_parse(d) for d in tl["date"]]
    assert starts == sorted(starts)
    assert list(tl["date"]) == sorted(tl["date"]), "ISO strings sort like the dates"
    assert (tl["year"] == [d.year for d in starts]).all()
    for start, end in zip(tl["date"], tl["end_date"], strict=True):
        if isinstance(end, str):
            assert _parse(end) >= _parse(start)
    assert not tl.duplicated(["date", "event"]).any()


def test_timeline_has_the_key_eu_milestones(frames):
    tl = frames["policy_timeline"].set_index("date")
    assert tl.loc["2020-07-01", "source"] == "ec2020skillsagenda"
    assert tl.loc["2022-06-16", "source"] == "council2022microcredentials"
    assert tl.loc["2021-12-10", "source"] == "ec2021proposal"


@pytest.mark.parametrize("name", DATASETS)
def test_every_source_key_is_in_the_bibliography(frames, bib_keys, name):
    frame = frames[name]
    keys = set(frame["source"])
    if "checked_in" in frame:
        keys |= set(frame["checked_in"].dropna())
    assert keys - bib_keys == set()


@pytest.mark.parametrize("name", DATASETS)
def test_secondhand_rows_say_why(frames, name):
    frame = frames[name]
    if "note" not in frame:
        return
    unsure = frame[frame["status"].isin(["secondhand", "partly-secondhand"])]
    assert unsure["note"].notna().all()
