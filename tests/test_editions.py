"""Editions: version and date from CITATION.cff, glued values, changes between two editions,
the PDF report, and the print-only parts of the citations and tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from pybtex.database import Entry

from mcreport import datapackage, editions
from mcreport.sphinxext import citations, tables
from mcreport.sphinxext.editions import excluded

REPO = Path(__file__).resolve().parents[1]


def _notebook(path: Path, values: dict[str, str]) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("glue(...)")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/papermill.record/text/plain": value},
            metadata={"scrapbook": {"name": key, "mime_prefix": "application/papermill.record/"}},
        )
        for key, value in values.items()
    ]
    nb.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_glue_references_roles_and_directives():
    text = (
        "A {glue:text}`../analysis/x.ipynb::share:.1f` and {glue}`own` and "
        "{glue:md}`../analysis/y.ipynb::name`.\n```{glue:figure} ../analysis/x.ipynb::fig\n```\n"
    )
    assert editions.glue_references(text) == [
        ("../analysis/x.ipynb", "share"), ("", "own"), ("../analysis/y.ipynb", "name"),
        ("../analysis/x.ipynb", "fig")]


def test_values_table_and_compare(tmp_path):
    nb = _notebook(tmp_path / "analysis" / "x.ipynb", {"share": "11.9", "n": "27", "gone": "'a'"})
    page = tmp_path / "book" / "chapter.md"
    page.parent.mkdir(parents=True)
    page.write_text("# A chapter\n\n{glue:text}`../analysis/x.ipynb::share:.1f` per cent\n")
    first = editions.values_document(editions.values_table({"analysis/x": nb}, [page], tmp_path))
    row = next(r for r in first["values"] if r["key"] == "analysis/x::share")
    assert row == {"key": "analysis/x::share", "value": "11.9",
                   "pages": [{"doc": "book/chapter", "title": "A chapter"}]}
    _notebook(nb, {"share": "12.4", "n": "27", "new": "3"})
    second = editions.values_document(editions.values_table({"analysis/x": nb}, [page], tmp_path))
    changes = {c.key: c for c in editions.compare(first, second)}
    assert set(changes) == {"analysis/x::share", "analysis/x::new", "analysis/x::gone"}
    assert (changes["analysis/x::share"].kind, changes["analysis/x::share"].old,
            changes["analysis/x::share"].new) == ("changed", "11.9", "12.4")
    assert changes["analysis/x::share"].pages == (("book/chapter", "A chapter"),)
    assert changes["analysis/x::new"].kind == "appeared"
    assert changes["analysis/x::gone"].kind == "disappeared"
    text = editions.changes_markdown(editions.changes_document(first, second))
    assert "1 changed, 1 appeared, 1 disappeared" in text
    assert "{doc}`A chapter </book/chapter>`" in text


def test_edition_from_citation_file():
    meta = editions.edition(REPO)
    assert meta.version and meta.date and meta.author
    cff = (REPO / "CITATION.cff").read_text()
    assert "preferred-citation:" in cff and "type: report" in cff
    assert meta.author in cff.split("preferred-citation:")[1]
    assert editions.long_date("2026-12-01") == "1 December 2026"


def test_previous_edition(tmp_path):
    folder = tmp_path / editions.EDITIONS_DIR
    folder.mkdir()
    for name in ("0.1.0", "0.2.0", "0.10.0", "changes"):
        (folder / f"{name}.json").write_text("{}")
    assert editions.previous_edition(tmp_path, "0.10.0").name == "0.2.0.json"
    assert editions.previous_edition(tmp_path, "0.1.0") is None


def test_overfull_boxes_of_a_log():
    log = ("Overfull \\hbox (12.5pt too wide) in paragraph at lines 10--12\n"
           "Overfull \\hbox (0.3pt too wide) in alignment at lines 40--52\n")
    assert editions.overfull_boxes(log) == [(12.5, 10), (0.3, 40)]


def test_print_selection_patterns():
    assert excluded("analysis/participation", ["analysis/*"])
    assert not excluded("book/theme1-mapping", ["analysis/*"])


def test_audit_notes_left_out_of_print_only():
    entry = Entry("misc", fields=[("title", "A page"), ("year", "2024"),
                                  ("note", "unverified: year (no date shown)")])
    entry.key = "k"
    copy = citations.without_audit_note(entry)
    assert "note" not in copy.fields and copy.key == "k" and copy.fields["title"] == "A page"
    other = Entry("misc", fields=[("title", "A page"), ("note", "In French")])
    assert citations.without_audit_note(other) is other


def test_source_column_fits_its_longest_label_word():
    narrow, _ = tables.source_extent(["Myndigheten för yrkeshögskolan, n.d.", "Cedefop, 2023b"])
    assert narrow >= tables.text_units("yrkeshögskolan,")


def test_wide_tables_go_landscape():
    assert not tables.needs_landscape([(5.0, 10.0)] * 4)
    assert tables.needs_landscape([(8.0, 40.0)] * 8)
    weights, _size, landscape = tables.fit_page([(8.0, 40.0)] * 8)
    assert landscape and sum(weights) <= tables.LANDSCAPE_LINE_PT + 1


@pytest.mark.slow
def test_release_compares_with_previous_edition(tmp_path, monkeypatch):
    """The current values are the first edition; a data change makes the second, whose changes
    page lists the values that moved, with their pages."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("CITATION.cff", "_config.yml"):
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(REPO / "data", root / "data")
    shutil.copytree(REPO / "book", root / "book", ignore=shutil.ignore_patterns("figures"))
    (root / "analysis").mkdir()
    shutil.copy2(REPO / "analysis" / "participation.ipynb", root / "analysis")
    monkeypatch.setenv("MCREPORT_ROOT", str(root))

    out = tmp_path / "release"
    out.mkdir()
    message = editions.prepare_release(root, out)
    assert "first edition" in message
    version = editions.edition(root).version
    (root / editions.EDITIONS_DIR).mkdir(exist_ok=True)
    shutil.copy2(out / f"values-{version}.json", root / editions.EDITIONS_DIR / f"{version}.json")

    # the data change: the EU value of the last year of the four-week rate (a test edit)
    csv = root / "data" / "kivet_indicators.csv"
    lines = csv.read_text().splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("1050,EU27_2020,"))
    cells = lines[last].split(",")
    cells[3] = f"{float(cells[3]) + 1.0:.1f}"
    lines[last] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n")
    datapackage.write(root / "data")
    from mcreport.notebooks import execute

    execute(root / "analysis" / "participation.ipynb")
    cff = root / "CITATION.cff"
    cff.write_text(cff.read_text().replace(f'version: "{version}"', 'version: "99.0.0"'))

    message = editions.prepare_release(root, out)
    changes = json.loads((root / editions.CHANGES_FILE).read_text())
    assert changes["previous"]["version"] == version and changes["current"]["version"] == "99.0.0"
    changed = {c["key"]: c for c in changes["changes"]}
    assert changed, "a data change must change values"
    assert all(c["key"].startswith("analysis/participation::") for c in changes["changes"])
    assert any(p[0] == "book/theme3-end-users" for c in changes["changes"] for p in c["pages"])
    (tmp_path / "changes.md").write_text(message)
    print(message)


def test_stock_pybtex_plugins_found_without_entry_points():
    import pybtex.plugin

    citations.register_plugins()
    for group, name, klass in citations._stock_plugins():
        assert pybtex.plugin.find_plugin(group, name) is klass


def test_glue_cache_of_an_executed_notebook(tmp_path):
    """myst-nb keeps the glue outputs of a notebook it executed apart, as ``<name>.glue.json``."""
    cache = tmp_path / "x.glue.json"
    cache.write_text(json.dumps({"share": {
        "output_type": "display_data", "data": {"text/plain": "11.9"},
        "metadata": {"scrapbook": {"name": "share", "mime_prefix": "application/papermill.record/"}}}}))
    assert editions.glued_values(cache) == {"share": "11.9"}
