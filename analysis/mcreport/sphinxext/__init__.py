"""Sphinx extension of the book: correct incremental builds, with no stale numbers.

Jupyter Book's own cache keys on code cells only. This extension makes Sphinx re-read (and so
re-execute, ``execute_notebooks: force``) a notebook exactly when one of its inputs changes -- its
code, the data it loads, the package modules it imports, the lock file (:mod:`mcreport.deps`) --
and re-read every page that pastes a value glued in a re-read notebook, or that renders a data
file that changed (:func:`note_input`). Notebooks are read before the other pages, so the figure
files they write exist when the chapters that include them are read.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from .. import deps

logger = logging.getLogger(__name__)

_FP = "mcreport_fingerprints"  # notebook docname -> fingerprint of its inputs
_PASTES = "mcreport_pastes"  # page docname -> notebook docnames it pastes glue from
_FILES = "mcreport_files"  # docname -> {path: sha256} of data files rendered on it


def _store(env: BuildEnvironment, key: str) -> dict:
    if not hasattr(env, key):
        setattr(env, key, {})
    return getattr(env, key)


def note_input(env: BuildEnvironment, path: Path) -> None:
    """Record that the page being read renders ``path``: a change to it re-reads the page."""
    _store(env, _FILES).setdefault(env.docname, {})[str(path)] = deps.file_hash(Path(path))


def _is_notebook(env: BuildEnvironment, docname: str) -> bool:
    return str(env.doc2path(docname)).endswith(".ipynb")


def _docname(env: BuildEnvironment, path: Path) -> str | None:
    try:
        rel = path.resolve().relative_to(Path(env.srcdir).resolve())
    except ValueError:
        return None
    return str(rel.with_suffix("")).replace("\\", "/")


def _notebooks_first(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    docnames.sort(key=lambda d: (not _is_notebook(env, d), d))


def _record(app: Sphinx, doctree) -> None:
    env = app.env
    docname = env.docname
    path = Path(env.doc2path(docname))
    if path.suffix == ".ipynb":
        _store(env, _FP)[docname] = deps.fingerprint(path, Path(app.srcdir))
    elif path.suffix == ".md":
        pasted = [_docname(env, p) for p in deps.pasted_notebooks(path)]
        _store(env, _PASTES)[docname] = [d for d in pasted if d]


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    for key in (_FP, _PASTES, _FILES):
        _store(env, key).pop(docname, None)


def _outdated(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    reread: set[str] = set()
    srcdir = Path(app.srcdir)
    for docname, old in _store(env, _FP).items():
        if docname in changed or docname in added or docname not in env.found_docs:
            continue
        try:
            new = deps.fingerprint(Path(env.doc2path(docname)), srcdir)
        except deps.DependencyError as exc:
            logger.warning(str(exc), location=docname)
            new = None
        if new != old:
            reread.add(docname)
    for docname, files in _store(env, _FILES).items():
        if docname in env.found_docs and any(
            deps.file_hash(Path(p)) != h for p, h in files.items()
        ):
            reread.add(docname)
    fresh = set(added) | set(changed) | reread
    for page, notebooks in _store(env, _PASTES).items():
        if page in env.found_docs and page not in fresh and fresh.intersection(notebooks):
            reread.add(page)
    if reread:
        logger.info(f"[mcreport] inputs changed, re-reading: {', '.join(sorted(reread))}")
    return sorted(reread)


def setup(app: Sphinx) -> dict:
    from . import tables  # imports note_input from this module

    tables.setup(app)
    app.connect("env-before-read-docs", _notebooks_first)
    app.connect("doctree-read", _record)
    app.connect("env-purge-doc", _purge)
    app.connect("env-get-outdated", _outdated)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True,
            "env_version": 1}
