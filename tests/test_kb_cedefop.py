"""Findings of Cedefop's microcredentials project and related studies: complete, sourced, labelled.

The expected counts were taken from the compiled register of checked facts when the table was
curated: every finding of the project frame, the three themes, CrowdLearn and the Google Trends
analysis that was read on its source (verified, or verified in a copy of the original text) or
is labelled secondhand, one row per figure. Left out: findings no source confirmed, parts of
documents that could not be read, one secondhand slide whose values cannot be matched to their
labels, bibliographic details (kept in the bibliography and the policy timeline) and facts on
national initiatives (kept in the initiative register). A change to any count must be
deliberate: update the constant together with the data.
"""

from __future__ import annotations

import bibtexparser
import pandas as pd
import pytest

from mcreport.data import load
from mcreport.datapackage import resource_descriptor

from .conftest import REPO

N_FINDINGS = 86
N_BY_STATUS = {"verified": 62, "verified-copy": 8, "secondhand": 16}
N_BY_THEME = {"frame": 14, "1": 15, "2": 11, "3": 46}
PREFIX_THEME = {"P": {"frame"}, "M": {"1"}, "Q": {"2"}, "E": {"3"}, "C": {"3"}, "G": {"3"},
                "L": {"frame", "2"}}
# The three research papers could be read only on their publication pages and in abstracts: no
# figure from inside them may appear. The two figures cited to the mapping report describe the
# project (its themes and countries) on the page presenting it.
RESEARCH_PAPERS = {"cedefop2022mapping", "cedefop2023qualifications", "cedefop2023endusers"}
FIGURES_FROM_PAPERS = {"P1", "P2"}
# Figures as published, which the chapters rely on.
PUBLISHED = {"M4a": 18, "M4b": 21, "P2": 30, "P3a": 8, "E6a": 4, "E6b": 8, "C5a": 1001,
             "C6b": 1004, "C7a": 11, "C9b": 10}
# Disagreeing figures kept side by side: each row's note names the other.
CONFLICTS = [("C4e", "C5c")]


@pytest.fixture(scope="module")
def findings() -> pd.DataFrame:
    return load("cedefop_findings")


@pytest.fixture(scope="module")
def bib_keys() -> set[str]:
    library = bibtexparser.parse_file(str(REPO / "references.bib"))
    assert not library.failed_blocks
    return {entry.key for entry in library.entries}


def test_row_counts_match_the_evidence(findings):
    assert len(findings) == N_FINDINGS
    assert findings.status.value_counts().to_dict() == N_BY_STATUS
    assert findings.theme.value_counts().to_dict() == N_BY_THEME


def test_ids_name_their_theme(findings):
    for row in findings.itertuples():
        assert row.theme in PREFIX_THEME[row.id[0]], row.id


def test_sources_exist_in_the_bibliography(findings, bib_keys):
    missing = sorted(set(findings.source) - bib_keys)
    assert missing == []


def test_descriptor_lists_exactly_the_row_sources(findings):
    listed = {s["bibkey"] for s in resource_descriptor("cedefop_findings")["sources"]}
    assert listed == set(findings.source)


def test_every_number_has_a_unit(findings):
    with_value = findings[findings.value.notna()]
    assert with_value.unit.notna().all(), list(with_value.id[with_value.unit.isna()])
    without = findings[findings.value.isna()]
    assert without[["unit", "qualifier", "value_max"]].isna().all().all(), \
        "a statement without a value carries no unit, qualifier or upper bound"


def test_ranges_are_ordered(findings):
    ranged = findings[findings.value_max.notna()]
    assert len(ranged) >= 1
    assert (ranged.value_max > ranged.value).all()


def test_figures_as_published(findings):
    by_id = findings.set_index("id")
    assert {k: by_id.loc[k, "value"] for k in PUBLISHED} == PUBLISHED


def test_no_figures_from_inside_the_research_papers(findings):
    figures = findings[findings.value.notna() & findings.source.isin(RESEARCH_PAPERS)]
    assert set(figures.id) == FIGURES_FROM_PAPERS


def test_secondhand_rows_say_where_they_come_from(findings):
    secondhand = findings[findings.status == "secondhand"]
    assert secondhand.note.notna().all()
    assert secondhand.note.str.contains("third-party", case=False).all()


def test_conflicts_are_kept_with_both_sources(findings):
    by_id = findings.set_index("id")
    for a, b in CONFLICTS:
        assert by_id.loc[a, "unit"] == by_id.loc[b, "unit"]
        assert by_id.loc[a, "value"] != by_id.loc[b, "value"]
        assert by_id.loc[a, "source"] != by_id.loc[b, "source"]
        assert b in by_id.loc[a, "note"] and a in by_id.loc[b, "note"]


def test_findings_are_paraphrased_not_quoted(findings):
    # Findings are in the report's own words: no quotation marks around source wording.
    assert not findings.finding.str.contains('"').any()
