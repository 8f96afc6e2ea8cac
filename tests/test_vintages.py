"""No series mixes vintages without saying so.

The four-week participation rate of adults aged 25-64 exists as Eurostat's 2023 extract
(``adult_participation_25_64``) and as Cedefop's 2026 release (KIVET ``1050`` in
``kivet_indicators``). A notebook that loads both must combine them only through
``indicators.splice`` (every row labelled with its vintage) and check the labels
(``indicators.vintages``), and every chapter that pastes values from it must name the vintages.
"""

from __future__ import annotations

import json
import re

import pytest

from .conftest import REPO

OLD, NEW = "adult_participation_25_64", "kivet_indicators"


def notebook_source(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


NOTEBOOKS = sorted((REPO / "analysis").glob("*.ipynb"))
# Notebooks that read the 4-week series from both vintages (a notebook that only counts the rows
# of every dataset does not read the series).
BOTH = [p for p in NOTEBOOKS
        if f'load("{OLD}")' in notebook_source(p) and f'load("{NEW}")' in notebook_source(p)
        and '"1050"' in notebook_source(p)]


def test_some_notebook_uses_both_vintages():
    assert BOTH, "the revisions table needs a notebook that loads both vintages"


@pytest.mark.parametrize("path", BOTH, ids=lambda p: p.name)
def test_both_vintages_only_through_splice(path):
    source = notebook_source(path)
    assert "indicators.splice(" in source and "indicators.vintages(" in source, path.name
    assert "indicators.revisions(" in source, f"{path.name}: publish the revisions"


@pytest.mark.parametrize("path", BOTH, ids=lambda p: p.name)
def test_chapters_pasting_from_it_name_the_vintage(path):
    pattern = re.compile(rf"analysis/{re.escape(path.name)}::")
    pages = [p for p in (REPO / "book").rglob("*.md") if pattern.search(p.read_text("utf-8"))]
    assert pages
    for page in pages:
        text = page.read_text("utf-8")
        if re.search(rf"{re.escape(path.name)}::eu64_", text):
            assert "vintage" in text, f"{page.name} uses the spliced series without naming it"


def test_only_one_vintage_elsewhere():
    """A notebook that loads one vintage of the series does not splice by hand."""
    for path in set(NOTEBOOKS) - set(BOTH):
        assert "concat(" not in notebook_source(path) or f'load("{OLD}")' not in \
            notebook_source(path), path.name
