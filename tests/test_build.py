"""The build driver publishes only good builds, in one step; the bench's helpers (no real build)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from mcreport import bench, deps
from mcreport import build as driver


def _site(folder, text: str):
    (folder / "book").mkdir(parents=True, exist_ok=True)  # Sphinx's output is kept between builds
    (folder / "index.html").write_text(f"<p>{text}</p>")
    (folder / "book" / "page.html").write_text(f"<p>{text} page</p>")
    return folder


class _Root(type(Path())):
    """A path that also holds what the fake render saw."""


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A checkout with a published site; Sphinx replaced by a function that writes a new one."""
    root = _Root(tmp_path / "repo")
    _site(root / "_build" / "html", "old")
    (root / "book").mkdir()
    (root / "book" / "page.md").write_text("# Page\n")
    root.renders = []

    def render(root_, work, log, quiet):
        root.renders.append(work)
        _site(work / "_build" / "html", "new")
        return 0

    monkeypatch.setattr(driver, "render", render)
    monkeypatch.setattr(driver.site, "check", lambda html, since=0.0: [])
    monkeypatch.setattr(driver.checks, "report", lambda root, data=True: 0)  # no data/ in this checkout
    monkeypatch.setattr(driver.notebooks, "run", lambda root, everything=False: {})
    return root


def _published(root) -> str:
    return (root / "_build" / "html" / "book" / "page.html").read_text()


def test_successful_build_is_published_in_one_step(root):
    result = driver.build(root, quiet=True)
    assert result.published and _published(root) == "<p>new page</p>"
    assert not (root / "_build" / ".html-old").exists()
    assert "published _build/html" in result.line()
    # a copy is published: the next build, writing into its own output, never writes the site
    (root.renders[0] / "_build" / "html" / "book" / "page.html").write_text("<p>next</p>")
    assert _published(root) == "<p>new page</p>"


def test_publish_without_a_previous_site(root):
    import shutil

    shutil.rmtree(root / "_build" / "html")
    assert driver.build(root, quiet=True).published
    assert _published(root) == "<p>new page</p>"


def test_a_site_with_problems_is_not_published(root, monkeypatch, capsys):
    monkeypatch.setattr(driver.site, "check", lambda html, since=0.0: ["book/page.html: #x: no anchor"])
    result = driver.build(root, quiet=True)
    assert result.returncode == 1 and not result.published
    assert _published(root) == "<p>old page</p>"
    assert "no anchor" in capsys.readouterr().err


def test_a_failing_notebook_is_not_published_and_names_it(root, monkeypatch, capsys):
    def fail(root, everything=False):
        raise driver.notebooks.NotebookError("analysis/x.ipynb: cell 2 failed")

    monkeypatch.setattr(driver.notebooks, "run", fail)
    result = driver.build(root, quiet=True)
    assert result.returncode == 1 and not root.renders
    assert "analysis/x.ipynb: cell 2 failed" in capsys.readouterr().err
    assert "FAILED; _build/html is unchanged" in result.line()


def test_published_pdf_stays_next_to_the_html(root):
    (root / "_build" / "pdf").mkdir()
    (root / "_build" / "pdf" / "report.pdf").write_bytes(b"%PDF-1.5")
    driver.build(root, quiet=True)
    assert (root / "_build" / "html" / "report.pdf").read_bytes() == b"%PDF-1.5"


def test_nothing_changed_since_the_last_good_build_runs_nothing(root, monkeypatch):
    assert driver.build(root, quiet=True).published and len(root.renders) == 1
    again = driver.build(root, quiet=True)
    assert again.up_to_date and len(root.renders) == 1 and "nothing changed" in again.line()
    assert driver.build(root, quiet=True, force=True).published and len(root.renders) == 2
    (root / "book" / "figures").mkdir()  # what notebooks write does not count
    (root / "book" / "figures" / "f.svg").write_text("<svg/>")
    assert driver.build(root, quiet=True).up_to_date
    (root / "book" / "page.md").write_text("# Page, edited\n")  # an edit does
    assert not driver.build(root, quiet=True).up_to_date and len(root.renders) == 3
    (root / "book" / "page.md").unlink()  # so does a deletion
    assert not driver.build(root, quiet=True).up_to_date and len(root.renders) == 4
    monkeypatch.setattr(driver, "render", lambda *a: 1)
    (root / "book" / "new.md").write_text("# New\n")
    assert driver.build(root, quiet=True).returncode == 1
    assert driver.build(root, quiet=True).returncode == 1  # after a failure: runs again


def test_data_package_problems_stop_the_build(tmp_path):
    """Item 2, as far as the build goes: it validates the data package it publishes and treats
    the descriptors as inputs (a fragment that does not parse is named)."""
    (tmp_path / "data" / "resources").mkdir(parents=True)
    (tmp_path / "data" / "package.yaml").write_text("name: p\nlicenses: []\n")
    (tmp_path / "data" / "resources" / "x.yaml").write_text("name: x\npath: [unclosed\n")
    found = driver.checks.problems(tmp_path)
    assert found and any("x.yaml" in p or "datapackage.json" in p for p in found), found


# --- bench helpers ---------------------------------------------------------------------------


def test_site_differences_byte_for_byte(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for site in (a, b):
        site.mkdir()
        (site / "p.html").write_text("<p>Last updated on 2026-01-01</p><p>1.0</p>")
        (site / "data.csv").write_text("x\n1\n")
    assert bench.site_differences(a, b) == []
    (b / "p.html").write_text("<p>Last updated on 2026-01-02</p><p>1.0</p>")
    (b / "data.csv").write_text("x\n2\n")
    (b / "extra.html").write_text("")
    assert bench.site_differences(a, b) == ["data.csv", "extra.html", "p.html"]


def test_bench_reads_executed_notebooks_from_both_commands():
    log = "analysis/a.ipynb: executed in 2.5 s\n  executed analysis/b.ipynb in 1.0 s\n"
    assert dict(bench._EXECUTED.findall(log)) == {"analysis/a.ipynb": "2.5", "analysis/b.ipynb": "1.0"}


def test_pasted_notebooks_of_a_notebook_read_markdown_only_and_fast(tmp_path):
    """A notebook's stored outputs (long unbroken base64) are not scanned for pasted glue."""
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "id": "m",
         "source": ["Pasted: {glue:text}`other.ipynb::k:.1f`."]},
        {"cell_type": "code", "metadata": {}, "id": "c", "execution_count": 1, "source": "1",
         "outputs": [{"output_type": "display_data", "metadata": {},
                      "data": {"image/png": "A" * 2_000_000, "text/plain": "x.ipynb::k"}}]}]}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    start = time.perf_counter()
    assert [p.name for p in deps.pasted_notebooks(path)] == ["other.ipynb"]
    assert time.perf_counter() - start < 2


def test_a_descriptor_edited_by_hand_stops_the_build(mini_root):
    """Item 2: data/datapackage.json edited by hand (a licence title) is not published."""
    path = mini_root / "data" / "datapackage.json"
    path.write_text(path.read_text().replace("Public domain", "Anything goes"))
    found = driver.checks.problems(mini_root)
    assert any("datapackage.json" in p for p in found), found
