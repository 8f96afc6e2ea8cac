"""The graph of the book, dataset -> notebook -> page, derived in one place (:func:`graph`).

A notebook's inputs are its code, the datasets its literal ``load("name")`` calls read (file and
``datapackage.json`` entry), the :mod:`mcreport` modules it imports, recursively, and the lock
file; :func:`fingerprint` hashes their contents. A page depends on the notebooks whose values it
pastes (``{glue}``) and whose figures it includes (``figures.finish(fig, "name")`` in the
notebook, ``figures/name.*`` on the page). The runner, the Sphinx extension, the page-data box
and the bench read the graph; :func:`check_load` refuses a dataset it does not give a notebook.
"""

from __future__ import annotations

import ast
import hashlib
import json
import modulefinder
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .paths import project_root

LOCK_FILE = "requirements/book.lock"
PACKAGE = "mcreport"
#: Set by the notebook runner in a kernel's environment: the notebook being run.
NOTEBOOK_ENV = "MCREPORT_NOTEBOOK"
_LOAD_CALL = re.compile(r"""\bload\(\s*["']([A-Za-z0-9_]+)["']""")
_ANY_LOAD = re.compile(r"\bload\(")
_FINISH = re.compile(r"\bfinish\(\s*[^,()]+,\s*[\"']([\w.-]+)[\"']")
_FIGURE_USE = re.compile(r"figures/([\w.-]+)\.\*")
# A pasted value's notebook: after the role's backtick, in the directive's argument or :doc:
_GLUE_REF = re.compile(r"`([^\s`<>:]+\.ipynb)::")
_GLUE_ARG = re.compile(r"^[`:]{3,}\{glue(?::\w+)?\}[ \t]+([^\s`<>:]+\.ipynb)::", re.M)
_GLUE_DOC = re.compile(r"^[ \t]*:doc:[ \t]*(\S+\.ipynb)", re.M)


class DependencyError(Exception):
    """A notebook's inputs cannot be determined statically, or it loads what it may not."""


def _cells(path: Path, kind: str = "code") -> list[str]:
    with open(path, encoding="utf-8") as fh:
        cells = json.load(fh).get("cells", [])
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c.get("cell_type") == kind]


def resources_read(path: Path) -> list[str]:
    """Names of the data resources a notebook loads, from its literal ``load("...")`` calls."""
    names: list[str] = []
    for number, source in enumerate(_cells(path), start=1):
        literal = _LOAD_CALL.findall(source)
        if len(_ANY_LOAD.findall(source)) != len(literal):
            raise DependencyError(
                f"{path}: code cell {number} calls load() without a literal resource name; "
                "write load(\"name\") so the build knows which data the notebook reads")
        names.extend(n for n in literal if n not in names)
    return names


def figures_written(path: Path) -> list[str]:
    """Figures a notebook writes with ``figures.finish(fig, "name", ...)``."""
    return list(dict.fromkeys(n for code in _cells(path) for n in _FINISH.findall(code)))


def package_modules(sources: list[str], root: Path | None = None) -> list[Path]:
    """Files of the ``mcreport`` modules that code imports, with what those import in turn (the
    standard library's module finder, searching the package only; cells that are not Python,
    such as IPython magics, are left out)."""

    def parses(source: str) -> bool:
        try:
            return ast.parse(source) is not None
        except SyntaxError:
            return False

    with tempfile.NamedTemporaryFile("w", suffix=".py", encoding="utf-8") as script:
        script.write("\n".join(filter(parses, sources)))
        script.flush()
        finder = modulefinder.ModuleFinder(path=[str((root or project_root()) / "analysis")])
        finder.run_script(script.name)
    return sorted({Path(m.__file__) for name, m in finder.modules.items()
                   if name.split(".")[0] == PACKAGE and m.__file__})


def file_hash(path: Path) -> str:
    path = Path(path)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def inputs(path: Path, root: Path | None = None) -> dict[str, str]:
    """``{input: sha256}`` for everything the notebook at ``path`` depends on, code included."""
    root = root or project_root()
    sources = _cells(path)
    out = {"code": hashlib.sha256("\n\x00".join(sources).encode()).hexdigest()}
    package = root / "data" / "datapackage.json"
    descriptors = {r["name"]: r for r in json.loads(package.read_text(encoding="utf-8"))["resources"]
                   } if package.is_file() else {}
    for name in resources_read(path):
        entry = descriptors.get(name)
        blob = json.dumps(entry, sort_keys=True) if entry else "missing"
        out[f"resource:{name}"] = hashlib.sha256(blob.encode()).hexdigest()
        if entry:
            out[f"data/{entry['path']}"] = file_hash(root / "data" / entry["path"])
    for file in package_modules(sources, root):
        out[file.relative_to(root).as_posix()] = file_hash(file)
    out[LOCK_FILE] = file_hash(root / LOCK_FILE)
    return out


def fingerprint(path: Path, root: Path | None = None) -> str:
    return hashlib.sha256(json.dumps(inputs(path, root), sort_keys=True).encode()).hexdigest()


def pasted_notebooks(page: Path) -> list[Path]:
    """Notebooks whose glued values a MyST page (or a notebook's markdown cells) pastes."""
    page = Path(page)
    text = ("\n".join(_cells(page, "markdown")) if page.suffix == ".ipynb"
            else page.read_text(encoding="utf-8"))
    refs = _GLUE_REF.findall(text) + _GLUE_ARG.findall(text) + _GLUE_DOC.findall(text)
    return list(dict.fromkeys(Path(os.path.abspath(page.parent / ref)) for ref in dict.fromkeys(refs)))


@dataclass
class Node:  # a notebook: the datasets it reads, the figures it writes, the pages that show it
    reads: list[str]
    figures: list[str]
    pages: list[str] = field(default_factory=list)


def notebooks(root: Path | None = None) -> list[Path]:
    """The analysis notebooks (those of the book are listed in ``_toc.yml``)."""
    return sorted((root or project_root()).joinpath("analysis").glob("*.ipynb"))


def graph(root: Path | None = None) -> dict[str, Node]:
    """``{notebook: Node}``, notebooks and pages as paths relative to the root."""
    root = (root or project_root()).resolve()
    out = {nb.relative_to(root).as_posix(): Node(resources_read(nb), figures_written(nb))
           for nb in notebooks(root)}
    producer = {fig: nb for nb, node in out.items() for fig in node.figures}
    pages = sorted(root.joinpath("book").rglob("*.md")) + notebooks(root)
    for page in pages:
        rel = page.relative_to(root).as_posix()
        used = {p.relative_to(root).as_posix() for p in pasted_notebooks(page)
                if p.is_relative_to(root)}
        if page.suffix == ".md":
            used |= {producer[f] for f in _FIGURE_USE.findall(page.read_text(encoding="utf-8"))
                     if f in producer}
        for nb in sorted(used - {rel}):
            if nb in out:
                out[nb].pages.append(rel)
    return out


def readers(name: str, root: Path | None = None) -> list[str]:
    """Notebooks that read dataset ``name``."""
    return [nb for nb, node in graph(root).items() if name in node.reads]


def check_load(name: str) -> None:
    """Refuse a dataset that the graph does not give to the notebook being run (if any)."""
    notebook = os.environ.get(NOTEBOOK_ENV)
    declared = resources_read(project_root() / notebook) if notebook else [name]
    if name not in declared:
        raise DependencyError(
            f"{notebook}: load({name!r}) is not among the datasets the notebook declares "
            f"({', '.join(declared) or 'none'}); call load(\"{name}\") with a literal name so "
            "the build knows the notebook reads it")
