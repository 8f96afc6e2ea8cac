"""Helpers that turn data into words (mcreport.text)."""

from __future__ import annotations

import pandas as pd
import pytest

from mcreport import text


def test_and_join():
    assert text.and_join(["a"]) == "a"
    assert text.and_join(["a", "b"]) == "a and b"
    assert text.and_join(iter(["a", "b", "c"])) == "a, b and c"
    with pytest.raises(ValueError):
        text.and_join([])


def test_country_article():
    assert text.country("NL") == "the Netherlands"
    assert text.country("SE") == "Sweden"
    assert text.country("CZ") == "Czechia"


def test_share():
    assert text.share(12, 12) == "all 12"
    assert text.share(11, 12) == "11 of the 12"


FINDINGS = pd.DataFrame(
    {"value": [10.0, 2.5], "value_max": [12.0, float("nan")], "qualifier": ["up to", ""],
     "status": ["verified", "secondhand"]}, index=["A1", "A2"])


def test_published_checks_status_and_qualifier(monkeypatch):
    glued = {}
    monkeypatch.setattr(text, "glue", lambda k, v: glued.__setitem__(k, v))
    text.published(FINDINGS, "A1", "x", qualifier="up to")
    assert glued == {"x": 10, "x_max": 12}
    assert isinstance(glued["x"], int)
    text.published(FINDINGS, "A2", "y", status=("secondhand",))
    assert glued["y"] == 2.5
    with pytest.raises(ValueError, match="status"):
        text.published(FINDINGS, "A2", "z")
    with pytest.raises(ValueError, match="qualifier"):
        text.published(FINDINGS, "A1", "z")


def test_direction_words():
    assert text.direction(33.2, 24.0) == "rose"
    assert text.direction(24.0, 33.2) == "fell"
    assert text.direction(12.04, 11.96) == "did not change"  # both print as 12.0
    assert text.direction(12.04, 11.96, digits=2) == "rose"
    assert text.direction(910, 420, digits=None, words=("grew", "shrank", "held")) == "grew"
    with pytest.raises(ValueError, match="NaN"):
        text.direction(float("nan"), 1.0)


def test_side_and_more():
    assert text.side(39.5, 47.0) == "below"
    assert text.side(47.01, 47.0) == "at"
    assert text.side(50.0, 47.0) == "above"
    assert text.more(18, 7) == "more"
    assert text.more(7, 18, words=("more", "fewer", "as many")) == "fewer"
    assert text.more(7, 7) == "as much"


def test_numpy_values_give_words():
    import numpy as np

    assert text.direction(np.int64(910), np.int64(420), digits=None) == "rose"
    assert text.side(np.float64(1.0), np.float64(2.0)) == "below"


def test_edition_reads_citation_and_config(tmp_path):
    (tmp_path / "_config.yml").write_text('copyright: "2026"\n')
    (tmp_path / "CITATION.cff").write_text('version: "0.1.0"\n')
    assert text.edition(tmp_path) == ("0.1.0", "2026")
    (tmp_path / "CITATION.cff").write_text('version: "1.0.0"\ndate-released: "2026-12-01"\n')
    assert text.edition(tmp_path) == ("1.0.0", "2026-12-01")
