"""Incremental builds re-execute exactly what a change affects, and pasted values are current.

One tiny book (:mod:`tests.tinybook`: notebooks ``a`` reads ``alpha``, ``b`` reads ``beta``, ``c``
reads both and writes a figure file; ``book/page.md`` pastes ``a_total`` and ``b_max``) is built
clean once with the build driver; each test changes one thing, builds incrementally and checks
which notebooks were executed (from the lines myst-nb prints) and what the published site shows.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from mcreport import datapackage
from mcreport.bench import site_differences

from .tinybook import TinyBook, environ, make_book, tiny_book_fixture  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow


def test_clean_build_executes_every_notebook_and_publishes(tiny_book: TinyBook):
    assert sorted(tiny_book.clean.executed) == ["a", "b", "c"]
    assert "3 notebook(s) executed" in tiny_book.clean.log
    assert (tiny_book.root / "_build" / "html" / "index.html").is_file()
    assert tiny_book.pasted() == ("32.9", "4.5")
    assert tiny_book.figure() == "32.9"


def test_no_change_executes_nothing(tiny_book: TinyBook):
    tiny_book.settle()
    result = tiny_book.build()  # the driver sees that no file changed: nothing is run
    assert result.ok, result.log[-3000:]
    assert "nothing changed since the last good build" in result.log
    assert result.executed == []
    forced = tiny_book.build("--force")  # Sphinx itself finds nothing out of date
    assert forced.ok, forced.log[-3000:]
    assert forced.executed == [] and "0 added, 0 changed, 0 removed" in forced.log
    assert tiny_book.pasted() == ("32.9", "4.5")


def test_prose_edit_executes_nothing_and_updates_the_page(tiny_book: TinyBook):
    tiny_book.settle()
    with tiny_book.edited("book/page.md", "largest value", "highest value"):
        result = tiny_book.build()
        assert result.ok, result.log[-3000:]
        assert result.executed == []
        assert "the highest value is 4.5" in tiny_book.text()
        assert tiny_book.pasted() == ("32.9", "4.5")
        assert re.search(r"writing output\.\.\. .*book/page", result.log)
        assert not re.search(r"writing output\.\.\. .*book/figure", result.log)  # written once only


def test_title_edit_is_shown_in_every_page_s_navigation(tiny_book: TinyBook):
    """A prose edit writes the edited page only, but a new title is in the navigation of every
    page, which is then written again."""
    tiny_book.settle()
    with tiny_book.edited("book/figure.md", "# Figure", "# The figure of the book"):
        result = tiny_book.build()
        assert result.ok, result.log[-3000:]
        assert result.executed == [] and "writing every page" in result.log
        assert "The figure of the book" in tiny_book.text("book/page")
        assert "The figure of the book" in tiny_book.text("analysis/a")
    assert tiny_book.build().ok
    assert "The figure of the book" not in tiny_book.text("book/page")


def test_stylesheet_edit_is_published_and_every_page_links_the_new_one(tiny_book: TinyBook):
    """Sphinx copies static files only when it writes a page: a changed one writes every page
    (each links it with its checksum)."""
    tiny_book.settle()
    published = tiny_book.root / "_build" / "html" / "_static" / "tiny.css"
    link = re.compile(r'href="[./]*_static/tiny\.css\?v=(\w+)"')
    before = link.findall(tiny_book.site("book/page").read_text(encoding="utf-8"))
    assert before
    with tiny_book.edited("_static/tiny.css", "#222", "#333"):
        result = tiny_book.build()
        assert result.ok, result.log[-3000:]
        assert result.executed == [] and "a static file changed: writing every page" in result.log
        assert "#333" in published.read_text(encoding="utf-8")
        for page in ("book/page", "book/figure", "analysis/a"):  # the stylesheet's new checksum
            assert link.findall(tiny_book.site(page).read_text(encoding="utf-8")) not in ([], before)
    assert tiny_book.build().ok
    assert "#222" in published.read_text(encoding="utf-8")


def test_code_edit_executes_that_notebook_only_and_repastes(tiny_book: TinyBook):
    tiny_book.settle()
    new = 'beta = load("beta")\nglue("b_max", beta.value.max() + 10)'
    with tiny_book.cell_edited("analysis/b.ipynb", 2, new):
        result = tiny_book.build()
        assert result.ok, result.log[-3000:]
        assert result.executed == ["b"]
        assert tiny_book.pasted() == ("32.9", "14.5")


def test_data_edit_executes_exactly_its_readers_and_every_pasted_value_is_new(tiny_book: TinyBook):
    tiny_book.settle()
    with tiny_book.edited("data/alpha.csv", "17.1", "18.1"):
        datapackage.write(tiny_book.root / "data")  # as `python -m mcreport` after a data change
        result = tiny_book.build()
        assert result.ok, result.log[-3000:]
        assert sorted(result.executed) == ["a", "c"]  # b reads beta only
        assert tiny_book.pasted() == ("33.9", "4.5")  # pasted on another page: current
        assert tiny_book.figure() == "33.9"  # the figure page was written again with the new file
        assert tiny_book.glue("a")["a_total"] == "33.9"


def test_data_edit_without_new_descriptor_fails_naming_the_file(tiny_book: TinyBook):
    tiny_book.settle()
    before = tiny_book.site("book/page").read_bytes()
    with tiny_book.edited("data/beta.csv", "4.5", "4.6"):
        result = tiny_book.build()
        assert not result.ok
        assert result.executed == []  # b is executed and stops at load("beta")
        assert "data/beta.csv" in result.log and "hash" in result.log.lower()
        assert tiny_book.site("book/page").read_bytes() == before


def test_package_module_edit_executes_the_notebooks_importing_it(tiny_book: TinyBook):
    tiny_book.settle()
    with tiny_book.edited("analysis/mcreport/glue.py", '"""Glue values', '"""Glue (edited) values'):
        result = tiny_book.build()
        assert result.ok, result.log[-3000:]
        assert sorted(result.executed) == ["a", "b"]  # c does not import mcreport.glue


def test_lock_edit_executes_every_notebook(tiny_book: TinyBook):
    tiny_book.settle()
    with tiny_book.edited("requirements/book.lock", "example==1.0", "example==1.1"):
        result = tiny_book.build()
        assert result.ok, result.log[-3000:]
        assert sorted(result.executed) == ["a", "b", "c"]


def test_failed_build_leaves_the_published_site_and_fails_until_fixed(tiny_book: TinyBook):
    tiny_book.settle()
    published = tiny_book.root / "_build" / "html"
    before = {p.relative_to(published): p.read_bytes() for p in published.rglob("*.html")}
    new = 'beta = load("beta")\nglue("b_max", 99.0)\n1 / 0'
    with tiny_book.cell_edited("analysis/b.ipynb", 2, new):
        first = tiny_book.build()
        assert not first.ok
        assert "ZeroDivisionError" in first.log and "analysis/b.ipynb" in first.log
        assert "_build/html is unchanged" in first.log
        after = {p.relative_to(published): p.read_bytes() for p in published.rglob("*.html")}
        assert after == before
        assert tiny_book.pasted() == ("32.9", "4.5")
        second = tiny_book.build()  # nothing changed: still failing, and nothing else re-executed
        assert not second.ok and second.executed == []
    fixed = tiny_book.build()
    assert fixed.ok, fixed.log[-3000:]
    assert fixed.executed == []  # b failed, so its stored outputs were never replaced
    assert tiny_book.pasted() == ("32.9", "4.5")


def test_warning_fails_every_incremental_build_until_fixed(tiny_book: TinyBook):
    tiny_book.settle()
    with tiny_book.edited("book/page.md", "{ref}`sec-page`", "{ref}`sec-nowhere`"):
        assert not tiny_book.build().ok
        again = tiny_book.build()  # the page did not change, but it warned last time
        assert not again.ok and "sec-nowhere" in again.log
    assert tiny_book.build().ok


def test_two_clean_builds_are_identical_and_match_the_incremental_one(tiny_book: TinyBook, tmp_path):
    """Same sources, two clean builds: same glued values, same site apart from timestamps. The
    book edited, rebuilt incrementally and edited back publishes the same site as well."""
    tiny_book.settle()
    other = TinyBook(make_book(tmp_path / "book"))
    result = other.build("--all")
    assert result.ok, result.log[-3000:]
    assert {name: other.glue(name) for name in ("a", "b")} == tiny_book.first_glue
    assert site_differences(tiny_book.first_site, other.root / "_build" / "html") == []
    # After edits and incremental rebuilds back to the same sources: the same site, byte for byte
    # (timestamps aside), search index included.
    incremental, clean = tiny_book.root / "_build" / "html", other.root / "_build" / "html"
    assert site_differences(incremental, clean) == []
    assert "Fig. 1" in tiny_book.text()
    assert '"tiny term"' in (incremental / "searchindex.js").read_text()  # the glossary's entry


def test_data_edit_with_its_old_modification_time_is_rebuilt(tiny_book: TinyBook):
    """Changes are decided on content: restoring the files' modification times hides nothing."""
    tiny_book.settle()
    csv, descriptor = tiny_book.root / "data" / "alpha.csv", tiny_book.root / "data" / "datapackage.json"
    times = {p: p.stat().st_mtime_ns for p in (csv, descriptor)}
    with tiny_book.edited("data/alpha.csv", "17.1", "18.1"):
        datapackage.write(tiny_book.root / "data")
        for path, ns in times.items():
            os.utime(path, ns=(ns, ns))
        result = tiny_book.build()
        assert result.ok, result.log[-3000:]
        assert result.executed == ["a", "c"]
        assert tiny_book.pasted() == ("33.9", "4.5")


def test_build_killed_while_writing_does_not_poison_the_next(tiny_book: TinyBook):
    """SIGKILL to the build and its children during Sphinx's write phase: the next build starts
    from a fresh environment and publishes a correct site (cross-references resolved)."""
    tiny_book.settle()
    log = tiny_book.root / "_build" / ".work" / "html.log"
    proc = subprocess.Popen([sys.executable, "-m", "mcreport.build", "--force", "-q"],
                            cwd=tiny_book.root, env=environ(tiny_book.root), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while "writing output" not in (log.read_text() if log.is_file() else ""):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    tiny_book.dirty = True
    result = tiny_book.build()
    assert result.ok, result.log[-3000:]
    assert "Fig. 1" in tiny_book.text() and tiny_book.pasted() == ("32.9", "4.5")
    assert not list((tiny_book.root / "_build" / "html").rglob("*.tmp"))
