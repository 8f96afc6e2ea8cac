"""The build driver publishes only good builds, in one step; the bench's helpers (no real build)."""

from __future__ import annotations

import json
import os

import pytest

from mcreport import bench
from mcreport import build as driver


def _site(folder, text: str):
    (folder / "book").mkdir(parents=True)
    (folder / "index.html").write_text(f"<p>{text}</p>")
    (folder / "book" / "page.html").write_text(f"<p>{text} page</p>")
    (folder / "_static").mkdir()
    (folder / "_static" / "style.css").write_text("p {}")
    return folder


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A checkout whose last good build is published and whose work folder holds a new one."""
    monkeypatch.setattr(driver.checks, "report", lambda root: 0)  # no inputs here: no input check
    root = tmp_path / "repo"
    _site(root / "_build" / "html", "old")
    _site(driver.work_dir(root) / "_build" / "html", "new")
    return root


def _published(root) -> str:
    return (root / "_build" / "html" / "book" / "page.html").read_text()


def test_publish_swaps_in_the_new_site(root):
    driver.publish_html(root)
    assert _published(root) == "<p>new page</p>"
    assert (root / "_build" / "html" / "_static" / "style.css").is_file()
    leftovers = [p.name for p in (root / "_build").iterdir() if p.name.startswith(".html-new")]
    assert leftovers == []


def test_publish_without_a_previous_site(root):
    import shutil

    shutil.rmtree(root / "_build" / "html")
    driver.publish_html(root)
    assert _published(root) == "<p>new page</p>"


def test_publish_reuses_unchanged_files_and_never_shares_them_with_the_work_folder(root):
    driver.publish_html(root)  # first publication: everything copied
    work = driver.work_dir(root) / "_build" / "html"
    published = root / "_build" / "html"
    assert os.stat(work / "index.html").st_ino != os.stat(published / "index.html").st_ino
    (work / "book" / "page.html").write_text("<p>newer page</p>")
    before = os.stat(published / "_static" / "style.css").st_ino
    driver.publish_html(root)
    assert _published(root) == "<p>newer page</p>"
    # the unchanged file is linked from the previous publication, not from the work folder
    assert os.stat(published / "_static" / "style.css").st_ino == before
    assert os.stat(published / "_static" / "style.css").st_ino != os.stat(
        work / "_static" / "style.css").st_ino


def test_failure_while_copying_leaves_the_published_site(root, monkeypatch):
    def broken_copy(source, dest, previous):
        (dest / "book").mkdir(parents=True)
        (dest / "book" / "page.html").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(driver, "copy_site", broken_copy)
    with pytest.raises(OSError, match="disk full"):
        driver.publish_html(root)
    assert _published(root) == "<p>old page</p>"
    assert not [p for p in (root / "_build").iterdir() if p.name.startswith(".html-new")]


def test_a_build_without_index_is_not_published(root):
    (driver.work_dir(root) / "_build" / "html" / "index.html").unlink()
    with pytest.raises(FileNotFoundError, match="index.html"):
        driver.publish_html(root)
    assert _published(root) == "<p>old page</p>"


def test_swap_falls_back_to_two_renames(root, monkeypatch):
    monkeypatch.setattr(driver, "_renameat2_exchange", lambda a, b: False)
    driver.publish_html(root)
    assert _published(root) == "<p>new page</p>"


def test_failed_build_is_not_published(root, monkeypatch, capsys):
    monkeypatch.setattr(driver, "run_jupyter_book", lambda *a, **k: (1, {"analysis/x.ipynb": 1.5}))
    result = driver.build("html", root=root, quiet=True)
    assert result.returncode == 1 and result.published is None
    assert _published(root) == "<p>old page</p>"
    assert "FAILED; the published output is unchanged" in result.line()
    summary = json.loads((driver.work_dir(root) / driver.SUMMARY).read_text())
    assert summary["returncode"] == 1 and summary["executed"] == {"analysis/x.ipynb": 1.5}


def test_successful_build_is_published_with_its_figures(root, monkeypatch):
    monkeypatch.setattr(driver, "run_jupyter_book", lambda *a, **k: (0, {"analysis/x.ipynb": 2.0}))
    result = driver.build("html", root=root, quiet=True)
    assert result.returncode == 0 and result.published == "_build/html/index.html"
    assert _published(root) == "<p>new page</p>"
    assert "1 notebook(s) executed in 2.0 s" in result.line()


def test_published_pdf_stays_next_to_the_html(root):
    latex = driver.work_dir(root) / "_build" / "latex"
    latex.mkdir(parents=True)
    (latex / "report.pdf").write_bytes(b"%PDF-1.5 new")
    assert driver.publish_pdf(root) == root / "_build" / "pdf" / "report.pdf"
    assert (root / "_build" / "html" / "report.pdf").read_bytes() == b"%PDF-1.5 new"
    driver.publish_html(root)  # a later HTML publication keeps the PDF
    assert (root / "_build" / "html" / "report.pdf").read_bytes() == b"%PDF-1.5 new"


def test_command_line_of_the_build(tmp_path):
    command = driver.jupyter_book_command(tmp_path, "html", clean=True)
    assert command[-6:] == ["-n", "-W", "--keep-going", "--builder", "html", "--all"]
    assert "--path-output" in command and str(driver.work_dir(tmp_path)) in command
    assert {"-n", "-W", "--keep-going", "--all"} <= set(command)
    assert "--all" not in driver.jupyter_book_command(tmp_path, "pdflatex", clean=False)
    env = driver.build_environment(tmp_path)
    assert env["MCREPORT_ROOT"] == str(tmp_path) and "PYTHONDONTWRITEBYTECODE" not in env


def test_executed_notebooks_are_read_from_the_log():
    line = "/x/analysis/a.ipynb: Executed notebook in 2.35 seconds [mystnb]"
    match = driver._EXECUTED.search(line)
    assert match and match.group("path") == "/x/analysis/a.ipynb" and match.group("s") == "2.35"


# --- bench helpers ---------------------------------------------------------------------------


def test_site_differences_mask_only_timestamps(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for site, stamp in ((a, "2026-01-01 10:00"), (b, "2026-01-02T11:30:05")):
        site.mkdir()
        (site / "p.html").write_text(f"<p>Last updated on {stamp}</p><p>1.0</p>")
        (site / "data.csv").write_text("x\n1\n")
    assert bench.site_differences(a, b) == []
    (b / "p.html").write_text("<p>Last updated on x</p><p>2.0</p>")
    (b / "data.csv").write_text("x\n2\n")
    (b / "extra.html").write_text("")
    assert bench.site_differences(a, b) == ["data.csv", "extra.html: only in one build", "p.html"]


def test_phases_of_a_build_log(tmp_path):
    log = tmp_path / "html.log"
    log.write_text("\n".join([
        "[    2.0s] updating environment: 3 added",
        "[    2.5s] /b/analysis/a.ipynb: Executing notebook using local CWD [mystnb]",
        "[    6.0s] /b/analysis/a.ipynb: Executed notebook in 3.40 seconds [mystnb]",
        "[    9.0s] /b/analysis/b.ipynb: Executed notebook in 2.90 seconds [mystnb]",
        "[   10.0s] pickling environment... done",
        "[   14.0s] build succeeded.",
        "[   14.5s] ",
    ]))
    assert bench.phases(log) == {
        "start-up (imports, configuration, outdated check)": 2.0,
        "reading notebooks (execution included)": 7.0,
        "reading the other pages": 1.0,
        "consistency checks and writing HTML": 4.0,
        "after the build (jupyter-book exit)": 0.5,
    }


def test_bench_assessment():
    steps = [
        {"name": "clean build", "wall": 23.5, "execution": 20.0, "executed": {"a": 20.0},
         "expected": ["a"], "correct": True, "returncode": 0},
        {"name": "no-change rebuild", "wall": 2.5, "execution": 0.0, "executed": {},
         "expected": [], "correct": True, "returncode": 0},
        {"name": "rebuild after a prose edit", "wall": 3.5, "execution": 0.0, "executed": {},
         "expected": [], "correct": True, "returncode": 0},
        {"name": "raw execution (every notebook, nbclient)", "wall": 20.0, "execution": 0.0,
         "executed": {}, "expected": None, "correct": None, "returncode": 0},
        {"name": "nbval run (every notebook)", "wall": 30.0, "execution": 0.0, "executed": {},
         "expected": None, "correct": None, "returncode": 0},
    ]
    met = dict((target, ok) for target, _, ok in bench.assess(
        {"steps": steps, "determinism": {"glue_differences": [], "site_differences": [],
                                         "identical": True}}))
    assert met["clean build <= 1.15 x notebook execution"] is False  # 23.5 / 20 = 1.18 x
    assert met["no-change rebuild <= 3 s, 0 notebooks"] is True
    assert met["rebuild after a prose edit <= 3 s, 0 notebooks"] is False
    assert met["nbval run <= 1.2 x raw execution"] is False  # 1.5 x
    assert met["clean build: executes exactly what it should"] is True
    assert met["two clean builds: same glued values and HTML"] is True


def test_bench_edits(tmp_path):
    nb = tmp_path / "x.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": ["x = 1\n", "x"], "metadata": {}, "outputs": [],
         "execution_count": 1, "id": "c1"}]}))
    bench.edit_code(nb)
    cell = json.loads(nb.read_text())["cells"][0]
    assert cell["source"].endswith("# edited to time a rebuild") and cell["outputs"] == []
    page = tmp_path / "p.md"
    page.write_text("# T\n")
    bench.edit_prose(page)
    assert page.read_text().startswith("# T\n") and "prose edit" in page.read_text()


def test_pasted_notebooks_of_a_notebook_read_markdown_only_and_fast(tmp_path):
    """A notebook's stored outputs (long unbroken base64) are not scanned for pasted glue."""
    import time

    from mcreport import deps

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


def test_nothing_changed_since_the_last_good_build_runs_nothing(root, monkeypatch):
    runs = []

    def fake_build(*args, **kwargs):
        runs.append(args)
        return 0, {}

    monkeypatch.setattr(driver, "run_jupyter_book", fake_build)
    (root / "book").mkdir()
    (root / "book" / "page.md").write_text("# Page\n")
    assert driver.build("html", root=root, quiet=True).returncode == 0 and len(runs) == 1
    again = driver.build("html", root=root, quiet=True)
    assert again.up_to_date and len(runs) == 1 and "nothing changed" in again.line()
    assert driver.build("html", root=root, quiet=True, force=True).returncode == 0
    assert len(runs) == 2
    (root / "book" / "figures").mkdir()  # what notebooks write does not count
    (root / "book" / "figures" / "f.svg").write_text("<svg/>")
    assert driver.build("html", root=root, quiet=True).up_to_date
    (root / "book" / "page.md").write_text("# Page, edited\n")  # an edit does
    assert not driver.build("html", root=root, quiet=True).up_to_date and len(runs) == 3
    (root / "book" / "page.md").unlink()  # so does a deletion
    assert not driver.build("html", root=root, quiet=True).up_to_date and len(runs) == 4
    monkeypatch.setattr(driver, "run_jupyter_book", lambda *a, **k: (1, {}))
    (root / "book" / "new.md").write_text("# New\n")
    assert driver.build("html", root=root, quiet=True).returncode == 1
    monkeypatch.setattr(driver, "run_jupyter_book", fake_build)
    assert not driver.build("html", root=root, quiet=True).up_to_date  # after a failure: runs
