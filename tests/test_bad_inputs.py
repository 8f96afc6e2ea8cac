"""Catalogue of bad inputs: each one fails a check or the build, with a message that names the file
and the place (row and field, line, cell).

The checks are the project's own: :func:`mcreport.datapackage.validate` (and the loader that
calls it), :func:`mcreport.references.check_bibliography` and
:func:`~mcreport.references.unknown_citations`, :func:`mcreport.deps.resources_read`, the build
(``-n -W``, through the build driver, on the tiny book of :mod:`tests.tinybook`) and nbval.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from mcreport import datapackage, deps, references
from mcreport.data import load
from mcreport.datapackage import DataPackageError

from .conftest import MINI_BIB, REPO
from .tinybook import TinyBook, tiny_book_fixture  # noqa: F401 (the fixture)

CSV = "data/mini.csv"


# --- data files ------------------------------------------------------------------------------


def _drop_column(text: str, name: str) -> str:
    lines = text.splitlines()
    index = lines[0].split(",").index(name)
    return "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != index)
                     for line in lines) + "\n"


def _add_column(text: str) -> str:
    lines = text.splitlines()
    return "\n".join([lines[0] + ",note"] + [line + ",x" for line in lines[1:]]) + "\n"


# (id, how the file is changed, whether the descriptor is rewritten afterwards, the place named)
DATA_CASES = [
    ("wrong-cell-type", lambda t: t.replace("17.1", "n/a"), True, ["row 3", "field 'value'", "type"]),
    ("missing-column", lambda t: _drop_column(t, "value"), True,
     ["row 1", "field 'value'", "column 'value' of the schema is missing"]),
    ("extra-unknown-column", _add_column, True,
     ["row 1", "field 'note'", "column 6", "unknown column 'note'"]),
    ("duplicate-primary-key", lambda t: t.replace("AT,2023", "AT,2022"), True,
     ["row 3", "duplicate primary key (geo, year)"]),
    ("percentage-out-of-range", lambda t: t.replace("17.1", "171.0"), True,
     ["row 3", "field 'value'", "maximum", "171.0"]),
    ("unknown-country-code", lambda t: t.replace("EL,2023", "XX,2023"), True,
     ["row 4", "field 'geo'", "enum", "'XX'"]),
    ("year-not-an-integer", lambda t: t.replace("AT,2022", "AT,2022.5"), True,
     ["row 2", "field 'year'", "type", "2022.5"]),
    ("unknown-status", lambda t: t.replace("verified\nAT,2023", "checked\nAT,2023"), True,
     ["row 2", "field 'status'", "enum", "'checked'"]),
    ("missing-required-value", lambda t: t.replace(",secondhand", ","), True,
     ["row 4", "field 'status'", "required"]),
    ("empty-file", lambda t: "", False, ["row 1", "the file is empty"]),
    ("header-without-rows", lambda t: t.splitlines(keepends=True)[0], True,
     ["row 2", "no data rows"]),
    ("hash-mismatch", lambda t: t.replace("15.8", "15.9"), False,
     ["Hash Count Error", "data/datapackage.json"]),
]


@pytest.mark.parametrize(("change", "refresh", "place"), [c[1:] for c in DATA_CASES],
                         ids=[c[0] for c in DATA_CASES])
def test_bad_data_file(mini_root, change, refresh, place):
    path = mini_root / CSV
    path.write_text(change(path.read_text()), encoding="utf-8")
    if refresh:  # the descriptor matches the file: the schema has to catch the problem
        datapackage.write(mini_root / "data")
    problems = [str(p) for p in datapackage.validate(mini_root / "data")]
    assert problems, "not detected"
    first = problems[0]
    assert first.startswith(CSV), first
    for words in place:
        assert words in first, (words, problems)
    with pytest.raises(DataPackageError, match=CSV.replace(".", r"\.")):  # and the loader refuses it
        load("mini")


def test_wrong_encoding(mini_root):
    path = mini_root / CSV
    path.write_bytes(path.read_bytes() + "FR,2021,5.0,testk\u00e9y,verified\n".encode("latin-1"))
    problems = [str(p) for p in datapackage.validate(mini_root / "data")]
    assert problems == [f"{CSV}, row 5: column 18: byte 0xe9 is not UTF-8 (save the file as UTF-8)"]
    with pytest.raises(DataPackageError, match=r"mini\.csv, line 5: column 18: byte 0xe9"):
        datapackage.write(mini_root / "data")  # rewriting the descriptor refuses it too


def test_missing_resource_file(mini_root):
    (mini_root / CSV).unlink()
    problems = [str(p) for p in datapackage.validate(mini_root / "data")]
    assert problems == [f"{CSV}: file of resource 'mini' is missing"]
    with pytest.raises(DataPackageError, match=r"mini\.csv: file of resource 'mini' is missing"):
        datapackage.write(mini_root / "data")


# --- bibliography and citations ---------------------------------------------------------------

BIB_CASES = [
    ("duplicate-entry", MINI_BIB + "@misc{testkey, title = {Again}, author = {{X}}, year = {2020}}\n",
     "refs.bib:6: duplicate key 'testkey'"),
    ("malformed-entry", MINI_BIB + "@misc{broken, title = {Unclosed, year = {2020}\n",
     "refs.bib:6: block does not parse"),
    ("entry-missing-fields", MINI_BIB + "@article{art, title = {T}, author = {Y}, year = {2020}}\n",
     "refs.bib:6: article 'art' lacks journal"),
    ("malformed-doi", MINI_BIB + "@misc{d, title = {T}, author = {{Y}}, year = {2020}, "
     "doi = {doi.org/10.1/x}}\n", "refs.bib:6: 'd' has a malformed DOI 'doi.org/10.1/x'"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in BIB_CASES], ids=[c[0] for c in BIB_CASES])
def test_bad_bibliography(tmp_path, text, expected):
    bib = tmp_path / "refs.bib"
    bib.write_text(text)
    problems = references.check_bibliography(bib)
    assert any(p.startswith(expected) for p in problems), problems


def test_row_source_missing_from_bibliography(mini_root):
    path = mini_root / CSV
    path.write_text(path.read_text().replace("EL,2023,3.4,testkey", "EL,2023,3.4,nokey"))
    assert [str(c) for c in references.unknown_citations(mini_root)] == [
        f"{CSV}:4: unknown citation key 'nokey'"]


def test_descriptor_source_missing_from_bibliography(mini_root):
    frag = mini_root / "data" / "resources" / "mini.yaml"
    frag.write_text(frag.read_text().replace("bibkey: testkey", "bibkey: nosuchsource"))
    datapackage.write(mini_root / "data")
    (unknown,) = references.unknown_citations(mini_root)
    text = (mini_root / "data" / "datapackage.json").read_text()
    line = text[: text.index('"bibkey": "nosuchsource"')].count("\n") + 1
    assert str(unknown) == f"data/datapackage.json:{line}: unknown citation key 'nosuchsource'"


def test_page_cites_unknown_key(mini_root):
    (mini_root / "book").mkdir()
    (mini_root / "book" / "page.md").write_text("# T\n\nText.\nAs shown {cite:t}`nokey`.\n")
    assert [str(c) for c in references.unknown_citations(mini_root)] == [
        "book/page.md:4: unknown citation key 'nokey'"]


def test_notebook_cites_unknown_key(mini_root):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("1"),
                nbformat.v4.new_markdown_cell("Shown in {cite:p}`testkey,nokey`.")]
    (mini_root / "analysis").mkdir()
    nbformat.write(nb, mini_root / "analysis" / "x.ipynb")
    assert [str(c) for c in references.unknown_citations(mini_root)] == [
        "analysis/x.ipynb cell 3:1: unknown citation key 'nokey'"]


def test_notebook_load_without_literal_name(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from mcreport.data import load"),
                nbformat.v4.new_code_cell('name = "mini"\nframe = load(name)')]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(deps.DependencyError, match=r"x\.ipynb: code cell 2 calls load\(\) without"):
        deps.resources_read(path)


# --- the build (-n -W, through the build driver, on the tiny book) ----------------------------


@pytest.mark.slow
def test_broken_cross_reference_fails_the_build(tiny_book: TinyBook):
    tiny_book.settle()
    with tiny_book.edited("book/page.md", "{ref}`sec-page`", "{ref}`sec-nowhere`"):
        result = tiny_book.build()
    assert not result.ok
    assert "book/page.md:7: WARNING: undefined label: 'sec-nowhere'" in result.log


@pytest.mark.slow
def test_missing_glue_key_fails_the_build(tiny_book: TinyBook):
    tiny_book.settle()
    with tiny_book.edited("book/page.md", "a.ipynb::a_total", "a.ipynb::a_nokey"):
        result = tiny_book.build()
    assert not result.ok
    assert "book/page.md:4: WARNING: Glue reference 'a_nokey' not found in doc 'analysis/a'" in result.log


@pytest.mark.slow
def test_unknown_citation_fails_the_build(tiny_book: TinyBook):
    tiny_book.settle()
    with tiny_book.edited("book/page.md", "{cite:p}`testkey`", "{cite:p}`nosuchkey`"):
        result = tiny_book.build()
    assert not result.ok
    # sphinxcontrib-bibtex names the line where the paragraph with the citation starts
    assert "book/page.md:4: WARNING: could not find bibtex key \"nosuchkey\"" in result.log


@pytest.mark.slow
def test_failing_notebook_cell_fails_the_build(tiny_book: TinyBook):
    tiny_book.settle()
    new = 'beta = load("beta")\nshare = 1 / 0'
    with tiny_book.cell_edited("analysis/b.ipynb", 2, new):
        result = tiny_book.build()
    assert not result.ok
    log = result.log
    assert "analysis/b.ipynb" in log and "ZeroDivisionError" in log
    assert "----> 2 share = 1 / 0" in re.sub(r"\x1b\[[0-9;]*m", "", log)  # the failing line


@pytest.mark.slow
def test_bad_data_fails_the_build_naming_file_row_field(tiny_book: TinyBook):
    tiny_book.settle()
    with tiny_book.edited("data/beta.csv", "EL,2023,4.5", "EL,2023,450.0"):
        datapackage.write(tiny_book.root / "data")
        result = tiny_book.build()
    assert not result.ok
    assert "data/beta.csv, row 3, field 'value'" in result.log


# --- nbval: stored outputs are compared with a fresh run --------------------------------------


def _executed_notebook(path: Path, source: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A notebook"), nbformat.v4.new_code_cell(source)]
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def nbval_run(tmp_path_factory):
    """One nbval run over a notebook whose code changed after its outputs were stored, one whose
    output changes from run to run, and one that reproduces."""
    folder = tmp_path_factory.mktemp("nbval")
    _executed_notebook(folder / "stale.ipynb", "x = 20\nx * 2")
    nb = nbformat.read(folder / "stale.ipynb", as_version=4)
    nb.cells[1].source = "x = 21\nx * 2"  # edited, not re-executed: the stored 40 is stale
    nbformat.write(nb, folder / "stale.ipynb")
    _executed_notebook(folder / "random.ipynb", "import random\nrandom.random()")
    _executed_notebook(folder / "fine.ipynb", "sorted({3, 1, 2})")
    shutil.copy(REPO / "tests" / "nbval_sanitize.cfg", folder)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(folder),
         "--nbval", "--nbval-sanitize-with", "nbval_sanitize.cfg", "-rf",
         "stale.ipynb", "random.ipynb", "fine.ipynb"],
        cwd=folder, capture_output=True, text=True, timeout=600)
    return proc.returncode, re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)


def test_stored_outputs_that_no_longer_reproduce(nbval_run):
    code, out = nbval_run
    assert code == 1
    assert "FAILED stale.ipynb::Cell 0" in out
    assert "'40' == '42'" in out


def test_nondeterministic_output(nbval_run):
    code, out = nbval_run
    assert code == 1
    assert "FAILED random.ipynb::Cell 0" in out and "random.random()" in out
    assert "fine.ipynb::Cell 0" not in out.split("short test summary")[-1]  # the control passes
