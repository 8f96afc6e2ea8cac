"""The book's data tables: helpers of mcreport.sphinxext.tables and a small Sphinx build."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docutils import nodes
from sphinx import addnodes
from sphinx.testing.util import SphinxTestApp

from mcreport import countries, datapackage
from mcreport.sphinxext import tables

# ---------------------------------------------------------------------------------------------
# Formatting of values
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (11.9, "11.9"),
        (float("11.6"), "11.6"),
        (np.float64("46.6"), "46.6"),
        (86.0, "86"),
        (-3.0, "-3"),
        (0.25, "0.25"),
        (1e-7, "0.0000001"),
        (1234567.5, "1234567.5"),
        (2020, "2020"),
        (np.int64(2019), "2019"),
        (True, "yes"),
        (np.bool_(False), "no"),
        (pd.Timestamp("2020-01-05"), "2020-01-05"),
        ("EL", "EL"),
    ],
)
def test_format_value(value, text):
    assert tables.format_value(value) == text


@pytest.mark.parametrize("value", [None, pd.NA, np.nan, float("nan"), pd.NaT])
def test_format_missing(value):
    assert tables.format_value(value) == tables.MISSING == "\u2013"
    assert tables.format_value(value, missing="") == ""


def test_format_values_read_by_pandas():
    frame = pd.DataFrame(
        {
            "n": pd.array([1, None, 3], dtype="Int64"),
            "x": pd.array([11.9, None, 86.0], dtype="float64"),
            "b": pd.array([True, None, False], dtype="boolean"),
            "s": pd.array(["a", None, "c"], dtype="string"),
        }
    )
    got = {c: [tables.format_value(v) for v in frame[c].tolist()] for c in frame}
    assert got == {
        "n": ["1", "\u2013", "3"],
        "x": ["11.9", "\u2013", "86"],
        "b": ["yes", "\u2013", "no"],
        "s": ["a", "\u2013", "c"],
    }


# ---------------------------------------------------------------------------------------------
# Columns, sorting, statuses
# ---------------------------------------------------------------------------------------------

FIELDS = ["id", "measure", "year", "value", "source", "status"]


def test_default_columns_leave_out_source_and_status():
    assert tables.select_columns(FIELDS) == ["id", "measure", "year", "value"]
    assert tables.select_columns(FIELDS, "") == ["id", "measure", "year", "value"]


def test_requested_columns_keep_their_order():
    assert tables.select_columns(FIELDS, " value, id ,year") == ["value", "id", "year"]


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        ("id, nope", "unknown column(s) nope"),
        ("id, year, id", "listed twice: id"),
        ("id, source", "leave source out"),
    ],
)
def test_bad_columns(requested, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tables.select_columns(FIELDS, requested)


def test_parse_and_sort():
    keys = tables.parse_sort("measure, -year", FIELDS)
    assert keys == [("measure", True), ("year", False)]
    frame = pd.DataFrame(
        {
            "measure": ["b", "a", "a", "a"],
            "year": pd.array([2020, 2019, None, 2021], dtype="Int64"),
        }
    )
    out = tables.sort_frame(frame, keys)
    assert out["measure"].tolist() == ["a", "a", "a", "b"]
    assert out["year"].tolist()[:3] == [2021, 2019, pd.NA]
    assert tables.sort_frame(frame, []) is frame
    with pytest.raises(ValueError, match="unknown column 'nope'"):
        tables.parse_sort("nope", FIELDS)


def test_status_labels_and_classes():
    assert [tables.status_label(s) for s in datapackage.STATUSES] == [
        "verified",
        "verified (copy)",
        "secondhand",
        "partly secondhand",
    ]
    assert tables.status_classes("verified") == ["mc-status-verified"]
    assert tables.status_classes("verified-copy") == ["mc-status-verified-copy"]
    assert tables.status_classes("secondhand") == ["mc-status-secondhand", "mc-secondhand"]
    assert "mc-secondhand" in tables.status_classes("partly-secondhand")
    with pytest.raises(ValueError, match="unknown status 'VERIFIED'"):
        tables.status_label("VERIFIED")


def test_every_package_status_has_a_label():
    assert set(tables.STATUS_LABELS) == set(datapackage.STATUSES)


def test_column_title():
    assert tables.column_title({"name": "geo", "title": "Country"}) == "Country"
    assert tables.column_title({"name": "geo"}) == "Geo"
    assert tables.column_title({"name": "ects_min"}) == "Ects min"
    assert tables.column_title({"name": "x", "title": "Level (EQF)"}) == "Level (EQF)"


def test_latex_colspec_fills_the_line():
    spec = tables.latex_colspec([3, 7], [True, False])
    assert spec == (r">{\raggedleft\arraybackslash}\X{3}{10}>{\raggedright\arraybackslash}\X{7}{10}")


def test_text_units():
    assert tables.text_units("") == 0
    assert tables.text_units("2020") == 4
    # capitals are wider than lower case
    assert tables.text_units("EU") > tables.text_units("eu")


def test_column_extent():
    units = tables.text_units
    long_cells = ["a short one"] + ["x" * 60] * 9
    # narrowest: the longest word (capped); preferred: nine cells in ten on one line (capped)
    assert tables.column_extent("M", long_cells) == (16.0, 45.0)
    assert tables.column_extent("M", ["a short one", "xx"]) == (units("short"), units("short"))
    # numbers never wrap; a long header word may be hyphenated (capped)
    assert tables.column_extent("Participation", ["11.9", "100"], numeric=True) == (9.0, 9.0)
    assert tables.column_extent("", []) == (2.0, 2.0)


def test_fit_widths():
    assert tables.fit_widths([(5, 10), (5, 20)], budget=100) == [10, 20]
    assert tables.fit_widths([(60, 70), (50, 60)], budget=100) == [60, 50]
    widths = tables.fit_widths([(10, 50), (10, 10), (10, 90)], budget=100)
    assert widths[1] == 10 and widths[0] < widths[2]
    assert sum(widths) == pytest.approx(100)


def test_fit_columns_shrinks_the_type_of_wide_tables():
    widths, size = tables.fit_columns([(5.0, 10.0)] * 4)
    assert size == ""
    assert widths == [62] * 4  # 10 units of 5pt plus 6pt padding each side
    _, size = tables.fit_columns([(7.0, 20.0)] * 10)
    assert size == r"\small"
    _, size = tables.fit_columns([(30.0, 40.0)] * 10)
    assert size == r"\scriptsize"


def test_describe_constraints():
    field = {
        "name": "value",
        "constraints": {"required": True, "minimum": 0, "maximum": 100.0},
    }
    assert tables.describe_constraints(field) == "required; minimum 0; maximum 100"
    many = {"name": "geo", "constraints": {"enum": [f"C{i}" for i in range(30)]}}
    assert tables.describe_constraints(many) == "one of 30 codes"
    assert tables.describe_constraints({"name": "x"}) == ""
    geo = {"name": "geo", "constraints": {"enum": list(countries.geo_codes())}}
    assert tables.describe_constraints(geo).startswith("a country or aggregate code as Eurostat")


# ---------------------------------------------------------------------------------------------
# A small Sphinx build
# ---------------------------------------------------------------------------------------------

CSV = (
    "id,measure,year,value,open,note,source,status\n"
    "a,Alpha,2020,11.9,true,,tiny2020report,verified\n"
    'b,Beta,2021,86,false,"first, second",tiny2020report,secondhand\n'
    "c,Gamma,2019,0.25,,,tiny2020report,verified-copy\n"
)

RESOURCE = """\
name: tiny
title: Tiny reference values
description: Three rows to test the tables.
path: kb/tiny.csv
format: csv
mediatype: text/csv
encoding: utf-8
sources:
  - {title: Tiny report, publisher: Tiny office, dataset: tiny_ds, bibkey: tiny2020report}
licenses:
  - {name: CC-BY-4.0, title: Creative Commons Attribution 4.0, path: "https://creativecommons.org/licenses/by/4.0/"}
modifications: Transcribed.
schema:
  primaryKey: [id]
  fields:
    - {name: id, type: string, constraints: {required: true, unique: true}}
    - {name: measure, type: string, title: What is measured}
    - {name: year, type: integer}
    - {name: value, type: number, title: Value (%)}
    - {name: open, type: boolean}
    - {name: note, type: string}
    - {name: source, type: string, constraints: {required: true}}
    - name: status
      type: string
      constraints: {required: true, enum: [verified, verified-copy, secondhand, partly-secondhand]}
"""

CONF = """\
extensions = ["myst_parser", "sphinxcontrib.bibtex", "mcreport.sphinxext"]
myst_enable_extensions = ["colon_fence"]
bibtex_bibfiles = ["references.bib"]
bibtex_reference_style = "author_year"
numfig = True
exclude_patterns = ["_build", "data"]
"""

PAGE = """\
# Tiny

See {numref}`tbl-tiny`.

:::{datatable} tiny
:caption: Tiny values
:name: tbl-tiny
:sort: -year
:::

```{bibliography}
```
"""

CATALOGUE = """\
# Catalogue

:::{datacatalogue}
:::
"""


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "project"
    (root / "data" / "resources").mkdir(parents=True)
    (root / "data" / "kb").mkdir()
    (root / "_config.yml").write_text("title: Tiny\n", encoding="utf-8")
    (root / "conf.py").write_text(CONF, encoding="utf-8")
    (root / "index.md").write_text(PAGE + "\n```{toctree}\n:hidden:\ncatalogue\n```\n", encoding="utf-8")
    (root / "catalogue.md").write_text(CATALOGUE, encoding="utf-8")
    (root / "references.bib").write_text(
        "@misc{tiny2020report, author = {{Tiny office}}, title = {Tiny report}, year = {2020}}\n",
        encoding="utf-8",
    )
    (root / "data" / "package.yaml").write_text(
        "name: tiny-package\ntitle: Tiny package\nlicenses: [{name: CC-BY-4.0}]\n",
        encoding="utf-8",
    )
    (root / "data" / "resources" / "tiny.yaml").write_text(RESOURCE, encoding="utf-8")
    (root / "data" / "kb" / "tiny.csv").write_text(CSV, encoding="utf-8", newline="\n")
    monkeypatch.setenv("MCREPORT_ROOT", str(root))
    datapackage.write(root / "data")
    assert datapackage.validate(root / "data") == []
    return root


def build(root: Path, builder: str = "html") -> tuple[SphinxTestApp, str]:
    """Build the project in-process (incrementally when built before); (app, warnings)."""
    warnings = io.StringIO()
    app = SphinxTestApp(
        builder,
        srcdir=root,
        status=io.StringIO(),
        warning=warnings,
        warningiserror=True,
        keep_going=True,
    )
    try:
        app.build()
    finally:
        app.cleanup()  # restore docutils' global registries for the next build
    return app, warnings.getvalue()


def test_datatable_build(project):
    app, warnings = build(project)
    assert warnings == ""
    assert app.statuscode == 0

    doctree = app.env.get_doctree("index")
    (table,) = [t for t in doctree.findall(nodes.table) if "mc-datatable-table" in t["classes"]]
    assert "tbl-tiny" in table["ids"]
    assert table[0].astext() == "Tiny values"  # caption: a numbered table
    head = [e.astext() for e in table.findall(nodes.thead)][0]
    assert head.split("\n\n")[:4] == ["ID", "What is measured", "Year", "Value (%)"]
    assert head.endswith("Status\n\nSource")
    head_classes = [e["classes"] for e in next(iter(table.findall(nodes.thead))).findall(nodes.entry)]
    assert "mc-num" in head_classes[2] and "mc-sorted-desc" in head_classes[2]
    assert "mc-num" not in head_classes[1]
    body = next(iter(table.findall(nodes.tbody)))
    rows = list(body.children)
    assert len(rows) == 3
    # sorted by year, descending
    assert [r[0].astext() for r in rows] == ["b", "a", "c"]
    beta, alpha, gamma = rows
    assert [e.astext() for e in alpha.children][:6] == ["a", "Alpha", "2020", "11.9", "yes", "\u2013"]
    assert [e.astext() for e in gamma.children][3:5] == ["0.25", "\u2013"]
    assert beta[3].astext() == "86"
    # secondhand row labelled on the row and in the cell
    assert "mc-secondhand" in beta["classes"]
    assert beta[-2].astext() == "secondhand"
    assert "mc-secondhand" not in alpha["classes"]
    assert gamma[-2].astext() == "verified (copy)"
    # every Source cell is a citation of sphinxcontrib-bibtex
    for row in rows:
        (xref,) = list(row[-1].findall(addnodes.pending_xref))
        assert xref["refdomain"] == "cite"
        assert xref["reftarget"] == "tiny2020report"
    # LaTeX widths come with the table
    (spec,) = list(doctree.findall(addnodes.tabular_col_spec))
    assert spec["spec"].count(r"\X{") == 8

    html = (project / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    assert html.count('class="bibtex-citation"') == 3
    assert 'class="mc-row mc-status-secondhand mc-secondhand' in html
    assert "Table 1" in html
    static = project / "_build" / "html" / "_static"
    for name in (tables.CSS_FILE, tables.JS_FILE):
        assert (static / name).is_file()
        assert f"_static/{name}" in html
    assert "http" not in (static / tables.JS_FILE).read_text(encoding="utf-8")

    catalogue = (project / "_build" / "html" / "catalogue.html").read_text(encoding="utf-8")
    assert "Tiny reference values" in catalogue
    assert "3 rows" in catalogue
    assert "tiny_ds" in catalogue
    assert "Creative Commons Attribution 4.0" in catalogue
    downloads = {p.name for p in (project / "_build" / "html" / "_downloads").rglob("*.*")}
    assert downloads == {"tiny.csv", "datapackage.json"}
    assert 'class="bibtex-citation"' in catalogue


def test_corrupted_cell_fails_the_build_naming_file_row_and_field(project):
    app, warnings = build(project)
    assert app.statuscode == 0, warnings
    csv = project / "data" / "kb" / "tiny.csv"
    csv.write_text(CSV.replace("Alpha,2020,11.9", "Alpha,2020,eleven"), encoding="utf-8")

    app, warnings = build(project)  # incremental: the changed file re-reads the page
    assert app.statuscode != 0
    line = next(w for w in warnings.splitlines() if "ERROR" in w)
    assert "index.md:5" in line
    assert "data/kb/tiny.csv, row 2, field 'value'" in warnings

    app, warnings = build(project)  # still reported while the file is broken
    assert app.statuscode != 0
    assert "data/kb/tiny.csv, row 2, field 'value'" in warnings

    csv.write_text(CSV, encoding="utf-8")
    app, warnings = build(project)
    assert app.statuscode == 0
    assert warnings == ""


def test_bad_option_is_an_error(project):
    page = project / "index.md"
    page.write_text(PAGE.replace(":sort: -year", ":columns: id, source"), encoding="utf-8")
    app, warnings = build(project)
    assert app.statuscode != 0
    assert "leave source out of :columns:" in warnings


def test_latex_build(project):
    app, warnings = build(project, "latex")
    assert warnings == ""
    tex = next((project / "_build" / "latex").glob("*.tex")).read_text(encoding="utf-8")
    assert r"\begin{longtable}{>{\raggedright\arraybackslash}\X{" in tex
    assert r"\sphinxstyleemphasis{\DUrole{mc-status,mc-status-secondhand}{secondhand}}" in tex
    assert r"\caption{Tiny values" in tex
