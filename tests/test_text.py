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
