"""Unit tests of the analysis package: countries, glue, figures, dependency tracking."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from mcreport import countries, deps, figures
from mcreport.glue import builtin

from .conftest import REPO


def test_country_codes_follow_eurostat():
    codes = countries.geo_codes()
    assert {"EL", "UK", "EU27_2020", "OECD", "XK"} <= set(codes)
    assert "GR" not in codes and "GB" not in codes
    assert len(countries.EU27) == 27 and set(countries.EU27) <= set(codes)


@pytest.mark.parametrize(("label", "code"), [
    ("Greece", "EL"), ("United Kingdom", "UK"), ("Slovak Republic", "SK"), ("Korea", "KR"),
    ("Germany (until 1990 former territory of the FRG)", "DE"), ("Czechia", "CZ"),
    ("North Macedonia", "MK"), ("OECD", "OECD")])
def test_country_names(label, code):
    assert countries.from_name(label) == code


def test_unknown_country_name():
    with pytest.raises(KeyError, match="Atlantis"):
        countries.from_name("Atlantis")


def test_names_of_codes():
    assert countries.name("EL") == "Greece" and countries.name("UK") == "United Kingdom"
    assert countries.name("EU27_2020").startswith("European Union")


@pytest.mark.parametrize(("value", "expected", "kind"), [
    (np.float64(2.5), 2.5, float), (np.int64(7), 7, int), (3, 3, int), ("x", "x", str)])
def test_glue_builtins(value, expected, kind):
    out = builtin(value)
    assert out == expected and type(out) is kind


@pytest.mark.parametrize("value", [np.nan, True, [1], None])
def test_glue_refuses(value):
    with pytest.raises((TypeError, ValueError)):
        builtin(value)


def test_figure_finish_writes_svg_and_pdf_with_source(tmp_path):
    fig, ax = figures.new("half")
    ax.plot([1, 2], [3, 4])
    figures.finish(fig, "t", source="Test publisher (code)", folder=tmp_path)
    assert (tmp_path / "t.svg").is_file() and (tmp_path / "t.pdf").is_file()
    assert any("Source: Test publisher" in t.get_text() for t in fig.texts)
    with pytest.raises(ValueError, match="source line"):
        figures.finish(fig, "u", source=" ", folder=tmp_path)


def test_figure_whose_layout_collapses_is_an_error_naming_it(tmp_path):
    fig, ax = figures.new("half", height=0.6)
    ax.set_ylabel("a label far too long\nfor so small\na figure\nto hold\nat all")
    ax.set_title("a title\non\nmany\nlines")
    with pytest.raises(figures.FigureError, match="'collapsed'.*collapsed to zero"):
        figures.finish(fig, "collapsed", source="S", folder=tmp_path)
    assert not list(tmp_path.iterdir())  # nothing published


def test_figures_are_byte_reproducible(tmp_path):
    paths = []
    for run in ("a", "b"):
        fig, ax = figures.new("half")
        ax.bar(["x", "y"], [1, 2])
        figures.finish(fig, run, source="S", folder=tmp_path)
        paths.append(tmp_path / f"{run}.svg")
    assert paths[0].read_bytes() == paths[1].read_bytes()


def _notebook(tmp_path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    return path


def test_resources_read_from_literal_calls(tmp_path):
    path = _notebook(tmp_path, 'a = load("x")\nb = load( "y" )', "c = load('x')")
    assert deps.resources_read(path) == ["x", "y"]


def test_non_literal_load_is_refused(tmp_path):
    path = _notebook(tmp_path, 'name = "x"\nload(name)')
    with pytest.raises(deps.DependencyError, match="code cell 1"):
        deps.resources_read(path)


def test_package_modules_follow_imports():
    files = deps.package_modules(["from mcreport.data import load"], REPO)
    names = {f.name for f in files}
    assert {"__init__.py", "data.py", "datapackage.py", "countries.py", "paths.py"} <= names
    assert "figures.py" not in names
    assert deps.package_modules(["import pandas"], REPO) == []


def test_real_notebooks_declare_their_data():
    for path in sorted((REPO / "analysis").glob("*.ipynb")):
        assert deps.resources_read(path), f"{path.name} loads no data"


def test_fingerprint_tracks_data_package_and_lock(mini_root, tmp_path):
    (mini_root / "analysis" / "mcreport").mkdir(parents=True)
    (mini_root / "analysis" / "mcreport" / "__init__.py").write_text("")
    (mini_root / "analysis" / "mcreport" / "data.py").write_text("X = 1\n")
    (mini_root / "requirements").mkdir()
    (mini_root / "requirements" / "book.lock").write_text("pandas==1\n")
    nb = _notebook(mini_root, 'from mcreport.data import load\nload("mini")')
    first = deps.fingerprint(nb, mini_root)
    assert deps.fingerprint(nb, mini_root) == first
    (mini_root / "data" / "mini.csv").write_text((mini_root / "data" / "mini.csv").read_text()
                                                + "DE,2023,8.2,testkey,verified\n")
    second = deps.fingerprint(nb, mini_root)
    assert second != first
    (mini_root / "analysis" / "mcreport" / "data.py").write_text("X = 2\n")
    third = deps.fingerprint(nb, mini_root)
    assert third != second
    (mini_root / "requirements" / "book.lock").write_text("pandas==2\n")
    assert deps.fingerprint(nb, mini_root) != third
    inputs = deps.inputs(nb, mini_root)
    assert set(inputs) >= {"code", "resource:mini", "data/mini.csv",
                           "analysis/mcreport/data.py", "requirements/book.lock"}


def test_pasted_notebooks(tmp_path):
    page = tmp_path / "book" / "p.md"
    page.parent.mkdir()
    page.write_text("A {glue:text}`../analysis/a.ipynb::k:.1f` and {glue:text}`../analysis/b.ipynb::j:d`"
                    "\n```{glue:figure} x\n:doc: ../analysis/a.ipynb\n```\n")
    assert [p.name for p in deps.pasted_notebooks(page)] == ["a.ipynb", "b.ipynb"]


def test_notebooks_are_committed_with_outputs():
    for path in sorted((REPO / "analysis").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(c.get("execution_count") for c in code), f"{path.name}: not executed"
        assert any(c.get("outputs") for c in code), f"{path.name}: no stored outputs"
