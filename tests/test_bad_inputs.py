"""Catalogue of bad inputs: each one fails a check or the build, with a message that names the file
and the place (row and field, line, cell).

The checks are the project's own: :func:`mcreport.datapackage.validate` (and the loader that
calls it), :func:`mcreport.datapackage.check` (the whole package: descriptors and files),
:func:`mcreport.references.check_bibliography`, :func:`~mcreport.references.check_pages` and
:func:`~mcreport.references.unknown_citations`, :func:`mcreport.checks.problems` (all of these,
which the build runs before anything executes), :func:`mcreport.glue.glue`,
:func:`mcreport.data.expect`, :func:`mcreport.deps.resources_read`, the build (``-n -W``,
through the build driver, on the tiny book of :mod:`tests.tinybook`) and nbval.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from mcreport import checks, datapackage, deps, references
from mcreport.data import UnexpectedValue, expect, load
from mcreport.datapackage import DataPackageError
from mcreport.glue import GlueError, glue

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
    # numbers that Python, pandas or frictionless read although the CSV must not hold them
    ("underscore-in-number", lambda t: t.replace("17.1", "8_6"), True,
     ["row 3", "field 'value'", "'8_6' is not a plain number"]),
    ("underscore-in-integer", lambda t: t.replace("AT,2023", "AT,2_023"), True,
     ["row 3", "field 'year'", "'2_023' is not a plain integer"]),
    ("space-in-number", lambda t: t.replace(",3.4,", ", 3.4,"), True,
     ["row 4", "field 'value'", "' 3.4' is not a plain number"]),
    ("infinite-number", lambda t: t.replace("17.1", "inf"), True,
     ["row 3", "field 'value'", "'inf' is not a finite number"]),
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


@pytest.mark.parametrize("cell", ["inf", "-inf", "Infinity", "nan", "-NaN"])
def test_non_finite_number_refused_without_bounds(mini_root, cell):
    """The schema sets no minimum or maximum: infinity and NaN are still refused, by the
    validator and by the loader, naming the file, the row and the field."""
    frag = mini_root / "data" / "resources" / "mini.yaml"
    frag.write_text(frag.read_text().replace(", minimum: 0, maximum: 100", ""))
    path = mini_root / CSV
    path.write_text(path.read_text().replace("17.1", cell))
    datapackage.write(mini_root / "data")
    problems = [str(p) for p in datapackage.validate(mini_root / "data")]
    assert problems == [f"{CSV}, row 3, field 'value': Type Error: {cell!r} is not a finite number "
                        "(type number: infinite and NaN values are refused; leave the cell empty "
                        "when the value is missing)"]
    with pytest.raises(DataPackageError, match=r"data/mini\.csv, row 3, field 'value'"):
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


# --- descriptors: data/resources/*.yaml, data/package.yaml, data/datapackage.json --------------

FRAGMENT = "data/resources/mini.yaml"
# (id, file, old text, new text, the message: file and place first)
DESCRIPTOR_CASES = [
    ("fragment-yaml-syntax-error", FRAGMENT, "modifications: none", "modifications: [none",
     f"{FRAGMENT}, line 13: column 7: not valid YAML: while parsing a flow sequence started at "
     "line 12, column 16; expected ',' or ']', but got ':'"),
    ("fragment-names-a-missing-file", FRAGMENT, "path: mini.csv", "path: gone.csv",
     f"{FRAGMENT}, line 4, field 'path': data/gone.csv: file of resource 'mini' is missing"),
    ("hand-edited-licence-title", "data/datapackage.json", '"title": "Public domain"',
     '"title": "Any use, no conditions"',
     "data/datapackage.json, line 23: resource 'mini', licenses[0].title: 'Any use, no "
     "conditions' here, but data/resources/mini.yaml gives 'Public domain'"),
    ("hand-edited-description", "data/datapackage.json", '"Two countries, two years."',
     '"Three countries."', "data/datapackage.json, line 8: resource 'mini', description: "
     "'Three countries.' here, but data/resources/mini.yaml gives 'Two countries, two years.'"),
    ("hand-edited-package-name", "data/datapackage.json", '"name": "test-package"',
     '"name": "other-package"', "data/datapackage.json, line 2: name: 'other-package' here, but "
     "data/package.yaml gives 'test-package'"),
    ("fragment-edited-without-rewriting", FRAGMENT, "title: A tiny test resource",
     "title: A small test resource", "data/datapackage.json, line 7: resource 'mini', title: "
     "'A tiny test resource' here, but data/resources/mini.yaml gives 'A small test resource'"),
    ("package-yaml-syntax-error", "data/package.yaml", "licenses: []", "licenses: [}",
     "data/package.yaml, line 2: column 12: not valid YAML"),
]


@pytest.mark.parametrize(("rel", "old", "new", "expected"), [c[1:] for c in DESCRIPTOR_CASES],
                         ids=[c[0] for c in DESCRIPTOR_CASES])
def test_bad_descriptor(mini_root, rel, old, new, expected):
    """Descriptors are inputs: the package's check (which the build runs first) refuses a
    fragment that does not read or names a missing file, and a descriptor that is not what the
    fragments and the files produce."""
    path = mini_root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(DataPackageError) as failure:
        datapackage.check(mini_root / "data")
    assert expected in str(failure.value), str(failure.value)
    assert any(p.startswith(expected) for p in checks.problems(mini_root))


def test_descriptor_check_passes_on_a_good_package(mini_root):
    datapackage.check(mini_root / "data")
    assert checks.problems(mini_root) == []


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
    # a stray "}" closes the entry early: the URL after it is dropped, and nothing else is missing
    ("stray-brace-drops-fields", MINI_BIB + "@misc{lost,\n  author = {{Y}},\n  title = {T}},\n"
     "  year = {2020},\n  url = {https://example.org/x}\n}\n",
     "refs.bib:6: 'lost': field(s) url, year not parsed: the entry closes early at line 8"),
    ("stray-brace-drops-last-field", MINI_BIB + "@misc{lost,\n  author = {{Y}},\n  title = {T},\n"
     "  year = {2020}},\n  url = {https://example.org/x}\n}\n",
     "refs.bib:6: 'lost': field(s) url not parsed: the entry closes early at line 9"),
    ("stray-brace-after-entry", MINI_BIB + "@misc{d, title = {T}, author = {{Y}}, year = {2020}}\n}\n",
     "refs.bib:7: text outside any entry: '}'"),
    ("doi-trailing-dot", MINI_BIB + "@misc{d, title = {T}, author = {{Y}}, year = {2020}, "
     "doi = {10.2801/351271.}}\n", "refs.bib:6: 'd' has a malformed DOI '10.2801/351271.' (the link "
     "https://doi.org/10.2801/351271. would be broken)"),
    ("doi-with-space", MINI_BIB + "@misc{d, title = {T}, author = {{Y}}, year = {2020}, "
     "doi = {10.2801/35 1271}}\n", "refs.bib:6: 'd' has a malformed DOI '10.2801/35 1271'"),
    ("doi-trailing-comma", MINI_BIB + "@misc{d, title = {T}, author = {{Y}}, year = {2020}, "
     "doi = {10.1787/3388385e-en,}}\n", "refs.bib:6: 'd' has a malformed DOI '10.1787/3388385e-en,'"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in BIB_CASES], ids=[c[0] for c in BIB_CASES])
def test_bad_bibliography(tmp_path, text, expected):
    bib = tmp_path / "refs.bib"
    bib.write_text(text)
    problems = references.check_bibliography(bib)
    assert any(p.startswith(expected) for p in problems), problems


def test_well_formed_entries_and_dois_pass(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(MINI_BIB + "% a comment\n@misc{d, title = {T = {U}}, author = {{Y}}, year = 2020,"
                   " month = oct, url = {https://example.org/?a=1,b=2},\n  doi = {10.3368/jhr."
                   "0519-10226R3}}\n@misc{e, title = \"T, x = y\", author = {{Y}}, year = {2021},"
                   " doi = {10.1002/(SICI)1097-4571(199806)49:8}}\n")
    assert references.check_bibliography(bib) == []


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


def test_chapter_not_utf8(mini_root):
    """A page with a byte that is not UTF-8: the citation check, which reads every page, and the
    check of the book's inputs name the file, the line and the byte position."""
    (mini_root / "book").mkdir()
    page = mini_root / "book" / "page.md"
    page.write_bytes("# T\n\nAs shown {cite:t}`testkey`.\nCaf\u00e9 prices.\n".encode("latin-1"))
    expected = ("book/page.md:4: column 4 (byte 36): byte 0xe9 is not UTF-8 (save the file as "
                "UTF-8)")
    with pytest.raises(references.EncodingError) as failure:
        references.unknown_citations(mini_root)
    assert str(failure.value) == expected
    assert references.check_pages(mini_root) == [expected]
    assert checks.problems(mini_root) == [expected]


def test_notebook_load_without_literal_name(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from mcreport.data import load"),
                nbformat.v4.new_code_cell('name = "mini"\nframe = load(name)')]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(deps.DependencyError, match=r"x\.ipynb: code cell 2 calls load\(\) without"):
        deps.resources_read(path)


# --- what notebooks compute ------------------------------------------------------------------


@pytest.mark.parametrize("value", [float("inf"), -np.inf, np.float64("inf"), float("nan")],
                         ids=["inf", "-inf", "numpy-inf", "nan"])
def test_glue_refuses_non_finite(value):
    with pytest.raises(GlueError, match=r"^glue 'share_ratio': refusing to glue -?(inf|nan)"):
        glue("share_ratio", value)


def test_infinite_ratio_fails_the_cell_that_glues_it(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import pandas as pd\nfrom mcreport.glue import glue"),
                nbformat.v4.new_code_cell("shares = pd.Series([12.5, 0.0])\n"
                                          "glue('ratio_high_low', shares[0] / shares[1])")]
    from nbclient.exceptions import CellExecutionError

    with pytest.raises(CellExecutionError) as failure:
        NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(failure.value))
    assert "glue('ratio_high_low', shares[0] / shares[1])" in text  # the cell
    assert "GlueError: glue 'ratio_high_low': refusing to glue inf" in text


def test_unexpected_value_names_dataset_field_value(mini_root):
    frame = load("mini")
    assert expect(frame, "status", ["verified", "secondhand"]) is frame
    with pytest.raises(UnexpectedValue) as failure:
        expect(frame, "status", ["verified"])
    assert str(failure.value) == ("data/mini.csv (dataset 'mini'), field 'status': value "
                                  "'secondhand' (row 4); expected only ['verified']")
    with pytest.raises(UnexpectedValue, match=r"field 'geo': value 'EL' \(index 2\); no row has "
                                              r"the expected value 'DE'; expected exactly"):
        expect(frame[frame.year == 2023], "geo", ["AT", "DE"], exact=True)


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
    # the check of the inputs, before Sphinx, names the line of the citation itself
    assert "book/page.md:5: unknown citation key 'nosuchkey'" in result.log
    assert result.executed == []


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


# Inputs the build checks before anything executes (mcreport.checks): nothing runs, nothing is
# published, and the log names the file and the place. (file, old, new, what the log names)
INPUT_CASES = [
    ("hand-edited-descriptor", "data/datapackage.json", '"title": "Public domain"',
     '"title": "Any use"', "data/datapackage.json, line 23: resource 'alpha', licenses[0].title"),
    ("fragment-yaml-syntax-error", "data/resources/beta.yaml", "modifications: none",
     "modifications: [none", "data/resources/beta.yaml, line 13: column 7: not valid YAML"),
    ("fragment-names-a-missing-file", "data/resources/beta.yaml", "path: beta.csv",
     "path: gone.csv", "data/resources/beta.yaml, line 4, field 'path': data/gone.csv"),
    ("chapter-not-utf8", "book/page.md", "largest", "larg\udce9st",
     "book/page.md:4: column 72 (byte 94): byte 0xe9 is not UTF-8"),
    ("stray-brace-in-bibliography", "references.bib", "title = {A test},", "title = {A test}},",
     "references.bib:1: 'testkey': field(s) year not parsed"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("rel", "old", "new", "place"), [c[1:] for c in INPUT_CASES],
                         ids=[c[0] for c in INPUT_CASES])
def test_bad_input_stops_the_build_before_it_runs(tiny_book: TinyBook, rel, old, new, place):
    before = tiny_book.site("book/page").read_bytes()
    path = tiny_book.root / rel
    with tiny_book._restored(path):
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_bytes(text.replace(old, new, 1).encode("utf-8", "surrogateescape"))
        result = tiny_book.build()
    assert not result.ok
    assert result.executed == []
    assert place in result.log, result.log[-3000:]
    assert tiny_book.site("book/page").read_bytes() == before


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["8_6", "inf"])
def test_bad_number_stops_the_build_naming_file_row_field(tiny_book: TinyBook, cell):
    with tiny_book.edited("data/beta.csv", "EL,2023,4.5", f"EL,2023,{cell}"):
        datapackage.write(tiny_book.root / "data")  # as `python -m mcreport` would
        result = tiny_book.build()
    assert not result.ok and result.executed == []
    assert f"data/beta.csv, row 3, field 'value': Type Error: '{cell}'" in result.log


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
