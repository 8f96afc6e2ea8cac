"""The build pipeline: graph, notebook runner, extension (in-process, Sphinx's testing fixtures),
build driver, site check and the publishing workflow.

Each test named after an item of the hostile-build catalogue says which hole it closes.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from mcreport import build, deps, notebooks, site

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["sphinx.testing.fixtures"]


def write_notebook(path: Path, *code: str, glue: dict[str, str] | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell("# A notebook"))
    for source in code:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    for key, value in (glue or {}).items():  # a stored glue output, as mcreport.glue writes it
        cell = nbformat.v4.new_code_cell(f"glue({key!r}, {value})")
        cell.outputs = [nbformat.v4.new_output(
            "display_data", data={"application/papermill.record/text/plain": value},
            metadata={"scrapbook": {"name": key, "mime_prefix": "application/papermill.record/"}})]
        nb.cells.append(cell)
    for number, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{number}"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def text(page: Path) -> str:
    return re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))


# --- stale output cannot land ----------------------------------------------------------------


def test_committed_notebooks_are_up_to_date():
    """Every committed notebook's recorded fingerprint is that of its inputs, and its stored
    outputs are those the runner computed."""
    stale = [str(p.relative_to(REPO)) for p in notebooks.stale(REPO)]
    assert not stale, (f"out of date: {', '.join(stale)}; bring them up to date with "
                       "`python -m mcreport.notebooks` (or `scripts/nox -s book`) and commit them")


def test_hand_edited_output_is_out_of_date(tmp_path):
    """Item 4: a stored output edited by hand (inputs unchanged) is not published: the runner
    executes the notebook again."""
    root = tmp_path
    nb_path = write_notebook(root / "analysis" / "x.ipynb", "1 + 1")
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"},
                                                  execution_count=1)]
    nbformat.write(nb, nb_path)
    nb.metadata[notebooks.META] = notebooks.state(nb_path, root)
    nbformat.write(nb, nb_path)
    assert notebooks.stale(root, figures=True) == []
    nb.cells[1].outputs[0]["data"]["text/plain"] = "3"
    nbformat.write(nb, nb_path)
    assert notebooks.stale(root, figures=True) == [nb_path]


def test_a_missing_figure_makes_its_notebook_out_of_date(tmp_path):
    """Figure files are not committed: in a fresh clone the runner writes them."""
    path = write_notebook(tmp_path / "analysis" / "f.ipynb", 'figures.finish(fig, "fig-f", source="S")')
    nb = nbformat.read(path, as_version=4)
    nb.metadata[notebooks.META] = notebooks.state(path, tmp_path)
    nbformat.write(nb, path)
    assert notebooks.stale(tmp_path, figures=True) == [path]
    (tmp_path / "book" / "figures").mkdir(parents=True)
    (tmp_path / "book" / "figures" / "fig-f.svg").write_text("<svg/>")
    assert notebooks.stale(tmp_path, figures=True) == []


@pytest.mark.slow
def test_network_access_fails_naming_the_cell(tmp_path):
    """Item 5: a cell that opens a connection to another machine fails the notebook step, which
    names the notebook and the cell."""
    path = write_notebook(tmp_path / "analysis" / "net.ipynb",  # the kernel knows its notebook
                          "import os\nassert os.environ['MCREPORT_NOTEBOOK'] == 'analysis/net.ipynb'",
                          "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=5)")
    with pytest.raises(notebooks.NotebookError, match=r"analysis/net\.ipynb: cell 3 failed") as exc:
        notebooks.run(tmp_path, paths=[path])
    assert "192.0.2.1 refused during the build" in str(exc.value)


def test_load_refuses_a_dataset_the_graph_does_not_give(tmp_path, monkeypatch):
    write_notebook(tmp_path / "analysis" / "x.ipynb", 'a = load("alpha")')
    monkeypatch.setenv("MCREPORT_ROOT", str(tmp_path))
    monkeypatch.setenv(deps.NOTEBOOK_ENV, "analysis/x.ipynb")
    deps.check_load("alpha")
    with pytest.raises(deps.DependencyError, match=r"analysis/x\.ipynb: load\('beta'\)"):
        deps.check_load("beta")


def test_graph_dataset_notebook_page(tmp_path):
    write_notebook(tmp_path / "analysis" / "a.ipynb", 'x = load("alpha")',
                   'figures.finish(fig, "fig-a", source="S")')
    write_notebook(tmp_path / "analysis" / "b.ipynb", 'y = load("beta")')
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "p.md").write_text("{glue:text}`../analysis/b.ipynb::k`\n")
    (tmp_path / "book" / "q.md").write_text("```{figure} figures/fig-a.*\n:alt: A\n```\n")
    graph = deps.graph(tmp_path)
    assert graph["analysis/a.ipynb"].pages == ["book/q.md"]
    assert graph["analysis/b.ipynb"].pages == ["book/p.md"]
    assert deps.readers("alpha", tmp_path) == ["analysis/a.ipynb"]


# --- the extension, in-process ---------------------------------------------------------------

CONF = textwrap.dedent("""\
    extensions = ["myst_nb", "sphinxcontrib.bibtex", "mcreport.sphinxext", "mcreport.sphinxext.reader"]
    nb_execution_mode = "off"
    # explicit: another in-process app with myst_parser may have changed the shared default
    source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
    bibtex_bibfiles = ["refs.bib"]
    html_theme = "basic"
    exclude_patterns = ["_build", "data"]
    """)


@pytest.fixture
def small_root(tmp_path, monkeypatch):
    """A small Sphinx project: a notebook with a stored glue value, a page that pastes it."""
    root = tmp_path / "src"
    (root / "data").mkdir(parents=True)
    (root / "conf.py").write_text(CONF)
    (root / "refs.bib").write_text("@misc{k, author = {A}, title = {T}, year = {2024}}\n")
    (root / "index.md").write_text("# Index\n\n```{toctree}\nbook/page\nanalysis/nb\n```\n")
    (root / "book").mkdir()
    (root / "book" / "page.md").write_text(
        "# Page\n\nThe value is {glue:text}`../analysis/nb.ipynb::v:.1f`.\n")
    nb_path = write_notebook(root / "analysis" / "nb.ipynb", "import math", glue={"v": "32.9"})
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata[notebooks.META] = notebooks.state(nb_path, root)
    nbformat.write(nb, nb_path)
    monkeypatch.setenv("MCREPORT_ROOT", str(root))
    return root


def test_page_follows_its_notebook_by_content(make_app, small_root):
    """Item 7 (in Sphinx): a page is re-read when a notebook it pastes from changed in content,
    even with the old modification time restored; unchanged pages are not."""
    app = make_app("html", srcdir=small_root)
    app.build()
    assert "analysis/nb.ipynb" in {Path(d).relative_to(small_root).as_posix() if Path(d).is_absolute()
                                   else d for d in app.env.dependencies["book/page"]}
    assert "The value is 32.9" in text(Path(app.outdir) / "book" / "page.html")
    nb_path = small_root / "analysis" / "nb.ipynb"
    stamp = nb_path.stat().st_mtime_ns
    nb_path.write_text(nb_path.read_text().replace("32.9", "33.9"))
    os.utime(nb_path, ns=(stamp, stamp))
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata[notebooks.META] = notebooks.state(nb_path, small_root)
    nbformat.write(nb, nb_path)
    os.utime(nb_path, ns=(stamp, stamp))
    again = make_app("html", srcdir=small_root)
    again.build()
    status = again._status.getvalue()
    assert "changed in content, re-reading: analysis/nb, book/page" in status
    assert "index" not in status.split("changed in content, re-reading:")[1].splitlines()[0]


def test_stale_notebook_warns_naming_the_command(make_app, small_root):
    """Item 4 (in Sphinx): a notebook whose stored outputs were not computed from its current
    inputs is reported; with -W the build fails."""
    nb_path = small_root / "analysis" / "nb.ipynb"
    nb_path.write_text(nb_path.read_text().replace("import math", "import cmath"))
    app = make_app("html", srcdir=small_root)
    app.build()
    assert "python -m mcreport.notebooks" in app._warning.getvalue()


def test_page_data_box_downloads_the_notebook(make_app, small_root):
    """Every file the *Data and code behind this page* box lists is a download link."""
    app = make_app("html", srcdir=small_root)
    app.build()
    html = (Path(app.outdir) / "book" / "page.html").read_text()
    box = html[html.index("Data and code behind this page"):]
    links = re.findall(r'<a class="reference download[^"]*"[^>]*href="([^"]+)"', box)
    assert links and all((Path(app.outdir) / "book" / link).is_file() for link in links), box[:2000]


# --- the build driver ------------------------------------------------------------------------


def test_sources_digest_is_content_not_time(tmp_path):
    """Item 7 (the driver's no-change check): same content, other time -> same digest; other
    content, old time restored -> another digest."""
    (tmp_path / "a.csv").write_text("x\n1\n")
    first = build.sources_digest(tmp_path)
    os.utime(tmp_path / "a.csv", ns=(1, 1))
    assert build.sources_digest(tmp_path) == first
    (tmp_path / "a.csv").write_text("x\n2\n")
    os.utime(tmp_path / "a.csv", ns=(1, 1))
    assert build.sources_digest(tmp_path) != first


def test_after_a_killed_or_failed_build_the_environment_is_fresh(tmp_path, monkeypatch):
    """Item 6: a build that did not finish (killed, failed) leaves a mark; the next build drops
    Sphinx's saved state instead of building on it."""
    (tmp_path / "_build" / ".work" / "_build" / "html").mkdir(parents=True)
    saved = tmp_path / "_build" / ".work" / "_build" / "environment.pickle"
    saved.write_text("half-written")
    (tmp_path / "_build" / ".work" / "INCOMPLETE").touch()
    seen = {}

    def render(root, work, log, quiet):
        seen["env"] = saved.exists()
        (work / "_build" / "html").mkdir(parents=True)
        (work / "_build" / "html" / "index.html").write_text("<html><body>ok</body></html>")
        return 0

    monkeypatch.setattr(build.checks, "report", lambda root, data=True: 0)  # no data/ here
    monkeypatch.setattr(build.notebooks, "run", lambda root, everything=False: {})
    monkeypatch.setattr(build, "render", render)
    monkeypatch.setattr(build.site, "check", lambda html, since=0.0: [])
    assert build.build(tmp_path, quiet=True).published
    assert seen["env"] is False and not (tmp_path / "_build" / ".work" / "INCOMPLETE").exists()


def test_failed_build_keeps_the_previous_site(tmp_path, monkeypatch):
    (tmp_path / "_build" / "html").mkdir(parents=True)
    (tmp_path / "_build" / "html" / "index.html").write_text("previous")
    monkeypatch.setattr(build.checks, "report", lambda root, data=True: 0)  # no data/ here
    monkeypatch.setattr(build.notebooks, "run", lambda root, everything=False: {})
    monkeypatch.setattr(build, "render", lambda *args: 1)
    result = build.build(tmp_path, quiet=True)
    assert result.returncode and not result.published
    assert (tmp_path / "_build" / "html" / "index.html").read_text() == "previous"
    assert (tmp_path / "_build" / ".work" / "INCOMPLETE").exists()


_DRIVER = textwrap.dedent("""\
    from pathlib import Path
    from mcreport import build

    build.render = lambda *args: 1  # Sphinx's part replaced: this build fails, after the lock
    build.notebooks.run = lambda root, everything=False: {}
    build.checks.report = lambda root, data=True: 0  # no data/ here
    print("done", build.build(Path.cwd(), quiet=True).returncode, flush=True)
    """)


def test_a_build_waits_for_the_one_holding_the_lock(tmp_path):
    """Item 12: builds of one checkout run one after the other, never in the same work folder
    at once; the notebook runner's processes share the lock of the build that started them."""
    (tmp_path / "_build").mkdir()
    with open(tmp_path / "_build" / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        driver = subprocess.Popen([sys.executable, "-c", _DRIVER], cwd=tmp_path, text=True,
                                  stdout=subprocess.PIPE)
        time.sleep(3)
        assert driver.poll() is None  # waiting
        fcntl.flock(held, fcntl.LOCK_UN)
        assert driver.communicate(timeout=60)[0].strip() == "done 1"


# --- the built site --------------------------------------------------------------------------


@pytest.mark.parametrize("tag", [
    '<img src="https://example.org/a.png" alt="A chart of x">',
    '<link rel="stylesheet" href="https://cdn.example.org/a.css">',
    '<script src="//cdn.example.org/a.js"></script>',
    '<iframe src="http://example.org/"></iframe>',
])
def test_site_check_fails_on_resources_from_another_origin(tmp_path, tag):
    """Item 8: the build's own site check fails on anything a page would load from elsewhere
    (links to other sites stay allowed)."""
    (tmp_path / "index.html").write_text(f'<html><body><a href="https://example.org/">x</a>{tag}</body></html>')
    (problem,) = site.check(tmp_path)
    assert problem.startswith("index.html: ") and problem.endswith(": loaded from another origin")


# --- tests and publishing --------------------------------------------------------------------


def test_nbval_has_a_cell_timeout():
    """Item 9: nbval's per-cell timeout is set in the test configuration."""
    addopts = (REPO / "pyproject.toml").read_text()
    assert re.search(r"--nbval-cell-timeout[= ]\d+", addopts) or \
        "--nbval-cell-timeout" in (REPO / "noxfile.py").read_text()


@pytest.mark.slow
def test_kernel_dies_with_nbval(tmp_path):
    """Item 9: killing pytest while a cell loops forever also ends the kernel."""
    pidfile = tmp_path / "kernel.pid"
    code = f"import os, pathlib\npathlib.Path({str(pidfile)!r}).write_text(str(os.getpid()))"
    path = write_notebook(tmp_path / "loop.ipynb", code + "\nwhile True:\n    pass")
    command = [sys.executable, "-m", "pytest", "--nbval-lax", str(path), "-p", "no:cacheprovider", "-q"]
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not pidfile.exists() or not pidfile.read_text():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    kernel = int(pidfile.read_text())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(kernel, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(kernel, signal.SIGKILL)
    pytest.fail("the kernel outlived pytest")


def test_publishing_workflow_runs_the_same_checks_as_ci():
    """Items 4 and 8: no path to the published site skips a check. The workflow that deploys
    runs `.ci/run` (every session: tests with nbval, book, browser...) before the deploy job."""
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pages.yml").read_text())
    runs = [str(step.get("run", "")).strip() for step in workflow["jobs"]["build"]["steps"]]
    assert ".ci/run" in runs
    ci = (REPO / ".ci" / "run").read_text()
    for session in ("lint", "tests", "book", "pdf", "browser", "linkcheck"):
        assert re.search(rf"^scripts/nox -s {session}\b", ci, re.M), session
    assert "build" in workflow["jobs"]["deploy"]["needs"]
    assert "build" in workflow["jobs"]["release"]["needs"]


def test_a_notebook_kernel_reaches_no_other_machine():
    """The runner's audit hook (``offline``): a connection to, or a name lookup of, another
    machine fails; the machine itself stays reachable (kernels talk to the runner locally)."""
    code = ("from mcreport.notebooks import offline; offline()\nimport socket\n"
            "socket.getaddrinfo('localhost', 80)\n"
            "socket.create_connection(('192.0.2.1', 80), timeout=1)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode and "192.0.2.1 refused during the build" in done.stderr, done.stderr
    lookup = subprocess.run([sys.executable, "-c", code.replace("localhost", "example.org")],
                            capture_output=True, text=True)
    assert "example.org refused during the build" in lookup.stderr, lookup.stderr
