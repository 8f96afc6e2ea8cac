"""The country matrix of Theme 2 is one: its CSV, the chapter, its table and the register page agree."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mcreport import matrix
from mcreport.data import load

from .conftest import REPO


@pytest.fixture(scope="module")
def built():
    return matrix.build(load("nqf_countries"), load("national_initiatives"))


def test_csv_is_what_the_registers_give(built):
    stored = (REPO / "data" / "kb" / "country_matrix.csv").read_text("utf-8")
    assert built.to_csv(index=False, lineterminator="\n") == stored, \
        "rebuild it: python -m mcreport.matrix"
    assert len(load("country_matrix")) == len(built)


def test_every_provision_has_a_basis(built):
    recorded = built[built.mc_status != matrix.STATUS[None]]
    assert recorded.mc_basis.str.len().gt(0).all()
    assert set(built.geo) == set(matrix.GEOS)


def test_basis_rows_exist(built):
    ids = set(load("national_initiatives").id) | set(load("nqf_countries").id)
    for basis in built.mc_basis[built.mc_basis != ""]:
        for part in basis.split("; "):
            row_id = part.split(":")[0].split()[-1]
            assert row_id in ids, part


def test_closest_relation_wins():
    nqf = pd.DataFrame({"id": ["XX"], "country": ["AT"], "levels": [8],
                        "year_referenced_eqf": [2012], "comprehensive": [None],
                        "open_to_non_formal": [True], "microcredential_provisions": ["planned"],
                        "source": ["k"], "status": ["verified"]})
    inis = pd.DataFrame({"id": ["B1", "B2"], "country": ["AT", "AT"],
                         "nqf_relation": ["credit-rated", "levelled"],
                         "called_microcredentials": [True, False], "status": ["verified"] * 2})
    row = matrix.build(nqf, inis).set_index("geo").loc["AT"]
    assert row.mc_status == "placed in the framework" and row.mc_called == "no"
    assert row.mc_basis == "register B2: levelled"


def _sources(name):
    text = (REPO / "book" / name).read_text("utf-8")
    return text


def test_chapter_and_register_page_use_the_matrix():
    for page in ("theme2-qualifications.md", "kb/frameworks.md"):
        assert ":::{datatable} country_matrix" in _sources(page), page
    chapter = _sources("theme2-qualifications.md")
    assert "figures/theme2-nqf-overview" not in chapter
    assert "figures/theme2-initiatives-nqf-relation" not in chapter


def test_notebook_glues_provision_from_the_matrix():
    cells = json.loads((REPO / "analysis" / "theme2_frameworks.ipynb").read_text("utf-8"))["cells"]
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert 'load("country_matrix")' in source
    assert "microcredential_provisions ==" not in source  # no second reading of provision
