"""A tiny book laid out like the report, for build tests (never the real book, never ../shared).

``make_book(root)`` writes a project root with its own copy of the analysis package (so that a
test may edit a module of it), a two-resource data package, three notebooks that read it with
``mcreport.data.load`` and a chapter that pastes their glued values:

- ``analysis/a.ipynb`` loads ``alpha``, imports :mod:`mcreport.glue`, glues ``a_total``;
- ``analysis/b.ipynb`` loads ``beta``, imports :mod:`mcreport.glue`, glues ``b_max``;
- ``analysis/c.ipynb`` loads ``alpha`` and ``beta``, shows a number and writes
  ``book/figures/tiny-c.svg`` (the sum of ``alpha`` as text), without the glue module;
- ``book/page.md`` pastes ``a_total`` and ``b_max``; ``book/figure.md`` shows the figure only;
- ``analysis/tiny_inputs.py``, a Sphinx extension, notes ``data/datapackage.json`` as an input of
  every page, notebooks included, as the book's page-data box does.

``build(root, ...)`` runs the build driver in a subprocess with ``MCREPORT_ROOT`` and
``PYTHONPATH`` pointing at the copy, and returns the log with the notebooks that were executed,
read from the lines the driver prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from mcreport import bench, datapackage

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))

CONFIG = textwrap.dedent("""\
    title: Tiny book
    author: Test
    only_build_toc_files: true
    exclude_patterns: [_build, "**/.*", "**.ipynb_checkpoints", data, requirements]
    latex:
      latex_engine: pdflatex
      use_jupyterbook_latex: false
      latex_documents:
        targetname: tiny.tex
    execute:
      execute_notebooks: "off"
      timeout: 120
      allow_errors: false
    parse:
      myst_enable_extensions: [colon_fence]
    bibtex_bibfiles: [references.bib]
    sphinx:
      recursive_update: true
      extra_extensions: [mcreport.sphinxext, tiny_inputs]
      config:
        nb_execution_raise_on_error: true
        nb_execution_show_tb: true
        nb_merge_streams: true
        bibtex_reference_style: author_year
        html_last_updated_fmt: ""
        language: en
    """)
TOC = textwrap.dedent("""\
    format: jb-book
    root: book/index
    chapters:
      - file: book/page
      - file: book/figure
      - file: analysis/a
      - file: analysis/b
      - file: analysis/c
      - file: book/bibliography
    """)
INDEX = "# Tiny book\n\nA book to test builds.\n\n```{glossary}\nTiny term\n  A term of the tiny book.\n```\n"
PAGE = textwrap.dedent("""\
    (sec-page)=
    # Results

    The total is {glue:text}`../analysis/a.ipynb::a_total:.1f` and the largest value is
    {glue:text}`../analysis/b.ipynb::b_max:.1f` {cite:p}`testkey`.

    See {ref}`sec-page` and {numref}`fig-tiny-c`.
    """)
FIGURE_PAGE = textwrap.dedent("""\
    # Figure

    ```{figure} figures/tiny-c.*
    :name: fig-tiny-c
    :alt: The sum of resource alpha, as text.

    The sum of resource alpha.
    ```
    """)
BIBLIOGRAPHY = "# References\n\n```{bibliography}\n```\n"
BIB = "@misc{testkey,\n  author = {{Tester}},\n  title = {A test},\n  year = {2024}\n}\n"
PACKAGE_YAML = "name: tiny-package\nlicenses: []\n"
FRAGMENT = textwrap.dedent("""\
    name: {name}
    title: Resource {name}
    description: A tiny test resource.
    path: {name}.csv
    format: csv
    mediatype: text/csv
    encoding: utf-8
    sources:
      - {{title: Test source, publisher: Test, bibkey: testkey}}
    licenses:
      - {{name: CC0-1.0, title: Public domain}}
    modifications: none
    schema:
      primaryKey: [geo, year]
      fields:
        - {{name: geo, type: string, constraints: {{required: true, enum: "@geo"}}}}
        - {{name: year, type: integer, constraints: {{required: true, minimum: 2000, maximum: 2030}}}}
        - {{name: value, type: number, constraints: {{required: true, minimum: 0, maximum: 100}}}}
        - {{name: source, type: string, constraints: {{required: true, pattern: "[a-z0-9_]+"}}}}
        - {{name: status, type: string, constraints: {{required: true, enum: [verified, secondhand]}}}}
    """)
ALPHA = "geo,year,value,source,status\nAT,2022,15.8,testkey,verified\nAT,2023,17.1,testkey,verified\n"
BETA = "geo,year,value,source,status\nEL,2022,3.4,testkey,verified\nEL,2023,4.5,testkey,secondhand\n"
LOCK = "# tiny lock\nexample==1.0\n"
# As the book's page-data box does: every page (notebooks too) notes the whole descriptor.
TINY_INPUTS = textwrap.dedent("""\
    from pathlib import Path


    def _note(app, doctree):
        app.env.note_dependency(str(Path(app.srcdir) / "data" / "datapackage.json"))


    def setup(app):
        app.connect("doctree-read", _note)
        return {"parallel_read_safe": False}
    """)

NOTEBOOKS = {
    "a": [
        ("markdown", "# Notebook A\n\nSums resource alpha."),
        ("code", "from mcreport.data import load\nfrom mcreport.glue import glue"),
        ("code", 'alpha = load("alpha")\nglue("a_total", round(alpha.value.sum(), 1))'),
    ],
    "b": [
        ("markdown", "# Notebook B\n\nThe largest value of resource beta."),
        ("code", "from mcreport.data import load\nfrom mcreport.glue import glue"),
        ("code", 'beta = load("beta")\nglue("b_max", beta.value.max())'),
    ],
    "c": [
        ("markdown", "# Notebook C\n\nBoth resources, and a figure file for the figure page."),
        ("code", "from pathlib import Path\n\nfrom mcreport.data import load"),
        ("code", 'alpha, beta = load("alpha"), load("beta")\nlen(alpha) + len(beta)'),
        ("code", 'Path("../book/figures").mkdir(exist_ok=True)\n'
                 'Path("../book/figures/tiny-c.svg").write_text(\n'
                 '    \'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="20">\'\n'
                 '    f\'<text x="0" y="15">{alpha.value.sum():.1f}</text></svg>\\n\')\n'
                 'None'),
    ],
}


def notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source in cells:
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(make(source))
    for number, cell in enumerate(nb.cells):  # stable ids: no random churn between writes
        cell["id"] = f"cell-{number}"
    return nb


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(cells), path)


def copy_package(root: Path) -> None:
    shutil.copytree(REPO / "analysis" / "mcreport", root / "analysis" / "mcreport",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def make_book(root: Path) -> Path:
    """Write the tiny book into ``root`` (created) and return it."""
    (root / "book").mkdir(parents=True)
    (root / "data" / "resources").mkdir(parents=True)
    (root / "requirements").mkdir()
    copy_package(root)
    (root / "analysis" / "tiny_inputs.py").write_text(TINY_INPUTS)
    (root / "_config.yml").write_text(CONFIG)
    (root / "_toc.yml").write_text(TOC)
    (root / "references.bib").write_text(BIB)
    (root / "requirements" / "book.lock").write_text(LOCK)
    (root / "book" / "index.md").write_text(INDEX)
    (root / "_static").mkdir()  # jupyter-book links every stylesheet found here
    (root / "_static" / "tiny.css").write_text("p { color: #222; }\n")
    (root / "book" / "page.md").write_text(PAGE)
    (root / "book" / "figure.md").write_text(FIGURE_PAGE)
    (root / "book" / "bibliography.md").write_text(BIBLIOGRAPHY)
    (root / "data" / "package.yaml").write_text(PACKAGE_YAML)
    for name, text in (("alpha", ALPHA), ("beta", BETA)):
        (root / "data" / "resources" / f"{name}.yaml").write_text(FRAGMENT.format(name=name))
        (root / "data" / f"{name}.csv").write_text(text)
    datapackage.write(root / "data")
    for name, cells in NOTEBOOKS.items():
        write_notebook(root / "analysis" / f"{name}.ipynb", cells)
    return root


def environ(root: Path) -> dict[str, str]:
    """Environment of a build of the tiny book: its own root and its own copy of the package."""
    env = dict(os.environ)
    env["MCREPORT_ROOT"] = str(root)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root / "analysis"),
                                                      env.get("PYTHONPATH")]))
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["SOURCE_DATE_EPOCH"] = bench.EPOCH  # pages dated alike: builds compare byte for byte
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as the build driver: cached bytecode, faster starts
    return env


_EXECUTED = re.compile(r"^\s+executed (?P<path>\S+?\.ipynb) in (?P<s>[\d.]+) s$", re.M)


@dataclass
class Result:
    returncode: int
    log: str

    @property
    def executed(self) -> list[str]:
        """Notebooks executed, as file stems (``a``, ``b``...), in order."""
        return sorted(Path(m.group("path")).stem for m in _EXECUTED.finditer(self.log))

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run(args: list[str], root: Path, timeout: int = 600) -> Result:
    proc = subprocess.run(args, cwd=root, env=environ(root), capture_output=True, text=True,
                          timeout=timeout)
    return Result(proc.returncode, proc.stdout + proc.stderr)


def jupyter_book(root: Path, *extra: str, builder: str = "html") -> Result:
    """``jupyter-book build . -n -W --keep-going`` in ``root`` (incremental unless ``--all``)."""
    return run([JUPYTER_BOOK, "build", ".", "-n", "-W", "--keep-going", "--builder", builder,
                *extra], root)


def driver(root: Path, *extra: str) -> Result:
    """``python -m mcreport.build`` in ``root``."""
    return run([PYTHON, "-m", "mcreport.build", *extra], root)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_cell(path: Path, index: int, source: str) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells[index].source = source
    nbformat.write(nb, path)


def html_text(path: Path) -> str:
    """Visible text of an HTML page (tags dropped, spaces collapsed)."""
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", path.read_text(encoding="utf-8"),
                  flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text)


PASTED = re.compile(r"The total is (\S+) and the \w+ value is (\S+)")


class TinyBook:
    """A tiny book built with the build driver; tests edit it and read the published site.

    ``settle()`` makes sure the last build succeeded after the last edit, so that a test starts
    from a built book whatever the previous test did."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dirty = True
        self.last: Result | None = None

    def build(self, *extra: str) -> Result:
        self.last = driver(self.root, *extra)
        self.dirty = not self.last.ok
        return self.last

    def settle(self) -> None:
        if self.dirty:
            result = self.build()
            assert result.ok, result.log[-4000:]

    @contextmanager
    def _restored(self, path: Path) -> Iterator[None]:
        """Put ``path`` back as it was when the block ends (the book then rebuilds)."""
        original = path.read_bytes()
        self.dirty = True
        try:
            yield
        finally:
            path.write_bytes(original)
            self.dirty = True

    @contextmanager
    def edited(self, rel: str, old: str, new: str) -> Iterator[Path]:
        """``rel`` with ``old`` replaced by ``new``; put back afterwards (the book then rebuilds)."""
        path = self.root / rel
        try:
            with self._restored(path):
                edit(path, old, new)
                yield path
        finally:
            if rel.startswith("data/") and rel.endswith(".csv"):
                datapackage.write(self.root / "data")

    @contextmanager
    def cell_edited(self, rel: str, index: int, source: str) -> Iterator[Path]:
        path = self.root / rel
        with self._restored(path):
            edit_cell(path, index, source)
            yield path

    def site(self, page: str) -> Path:
        return self.root / "_build" / "html" / f"{page}.html"

    def text(self, page: str = "book/page") -> str:
        return html_text(self.site(page))

    def pasted(self) -> tuple[str, str]:
        """The two values ``book/page.md`` pastes, as the published site shows them."""
        match = PASTED.search(self.text())
        assert match, self.text()[:2000]
        return match.group(1), match.group(2)

    def figure(self) -> str:
        """The text of the figure file that ``analysis/c.ipynb`` writes, as published."""
        (svg,) = (self.root / "_build" / "html" / "_images").glob("tiny-c*.svg")
        return re.search(r"<text[^>]*>([^<]*)</text>", svg.read_text()).group(1)

    def glue(self, notebook: str) -> dict:
        path = self.root / "_build" / ".work" / "_build" / "jupyter_execute" / "analysis" / (
            f"{notebook}.glue.json")
        return {k: v["data"]["text/plain"] for k, v in json.loads(path.read_text()).items()}


@pytest.fixture(scope="session", name="tiny_book")
def tiny_book_fixture(tmp_path_factory) -> TinyBook:
    """The tiny book after a clean build with the build driver (shared by the build tests)."""
    book = TinyBook(make_book(tmp_path_factory.mktemp("tiny") / "book"))
    book.clean = book.build("--all")
    assert book.clean.ok, book.clean.log[-4000:]
    # what the clean build published, for the comparison with a second clean build
    book.first_site = book.root.parent / "first-clean-site"
    shutil.copytree(book.root / "_build" / "html", book.first_site)
    book.first_glue = {name: book.glue(name) for name in ("a", "b")}
    return book
