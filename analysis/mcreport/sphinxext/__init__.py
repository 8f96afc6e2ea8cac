"""Sphinx extension of the book: correct incremental builds, with no stale numbers.

Jupyter Book's own cache keys on code cells only. This extension makes Sphinx re-read (and so
re-execute, ``execute_notebooks: force``) a notebook exactly when one of its inputs changes -- its
code, the data it loads, the package modules it imports, the lock file (:mod:`mcreport.deps`) --
and re-read every page that pastes a value glued in a re-read notebook, or that renders a data
file that changed (:func:`note_input`). Notebooks are read before the other pages, so the figure
files they write exist when the chapters that include them are read; a page whose figure a
notebook rewrote during the build is written again with it.

A page that warned (with ``-W``, failed) is read again on the next build, so an incremental build
fails until the cause is fixed instead of passing because the page did not change. When a build
stops on an error (a failing notebook cell), Sphinx deletes its saved environment, which would make
the next build execute every notebook again: the environment of the last finished build is put
back instead, and the pages read by the failed build are read again.
"""

from __future__ import annotations

import functools
import json
import logging as std_logging
import os
import re
import shutil
import time
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from .. import deps

logger = logging.getLogger(__name__)

_FP = "mcreport_fingerprints"  # notebook docname -> fingerprint of its inputs
_PASTES = "mcreport_pastes"  # page docname -> notebook docnames it pastes glue from
_FILES = "mcreport_files"  # docname -> {path: sha256} of data files rendered on it
_WARNED = "mcreport-warned.json"  # in the doctree folder: pages that warned in the last build
_START = "mcreport_read_start"  # microseconds, when this build started reading


def _store(env: BuildEnvironment, key: str) -> dict:
    if not hasattr(env, key):
        setattr(env, key, {})
    return getattr(env, key)


def note_input(env: BuildEnvironment, path: Path) -> None:
    """Record that the page being read renders ``path``: a change to it re-reads the page.

    On a notebook, ``data/datapackage.json`` is not taken as a whole: its fingerprint holds the
    descriptor entries of the data the notebook reads, and re-reading a notebook executes it."""
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
    getattr(app, "_mcreport_read", set()).add(docname)
    path = Path(env.doc2path(docname))
    if path.suffix == ".ipynb":
        _store(env, _FP)[docname] = deps.fingerprint(path, Path(app.srcdir))
    if path.suffix in (".md", ".ipynb"):
        pasted = [_docname(env, p) for p in deps.pasted_notebooks(path)]
        _store(env, _PASTES)[docname] = [d for d in pasted if d and d != docname]


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
    fingerprinted = _store(env, _FP)
    for docname, files in _store(env, _FILES).items():
        if docname not in env.found_docs:
            continue
        newer = [p for p, h in files.items() if deps.file_hash(Path(p)) != h]
        if docname in fingerprinted:
            # Reading a notebook again executes it: the data package descriptor, which changes
            # with any dataset, counts only through the entries of the data the notebook reads
            # (its fingerprint has them).
            newer = [p for p in newer if Path(p).name != "datapackage.json"]
        if newer:
            reread.add(docname)
    for docname in _warned_last_time(app):
        if docname in env.found_docs and docname not in removed:
            reread.add(docname)
    fresh = set(added) | set(changed) | reread
    for page, notebooks in _store(env, _PASTES).items():
        if page in env.found_docs and page not in fresh and fresh.intersection(notebooks):
            reread.add(page)
    if reread:
        logger.info(f"[mcreport] inputs changed, re-reading: {', '.join(sorted(reread))}")
    return sorted(reread)


def _last_modified(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns // 1_000 + 1  # as Sphinx compares: microseconds, rounded up
    except OSError:
        return None


def _read_start(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    setattr(env, _START, time.time_ns() // 1_000)


def _rewritten_during_build(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages not read in this build whose figure (or other dependency) a notebook rewrote.

    They are written again, so the site shows the new figure now rather than one build later.
    When only images changed their doctree is still right, so they are marked as read now."""
    start = getattr(env, _START, None)
    if start is None:
        return []
    now = time.time_ns() // 1_000
    out = []
    for docname in sorted(env.found_docs):
        read_at = env.all_docs.get(docname)
        if read_at is None or read_at >= start:
            continue
        newer = [dep for dep in env.dependencies.get(docname, ())
                 if (_last_modified(Path(env.srcdir, dep)) or 0) > read_at]
        if newer:
            out.append(docname)
            if all(dep in env.images for dep in newer):
                env.all_docs[docname] = now
    if out:
        logger.info(f"[mcreport] figures changed, writing again: {', '.join(out)}")
    return out


class _WarnedPages(std_logging.Handler):
    """Collects the pages that warnings of this build are about."""

    def __init__(self, app: Sphinx) -> None:
        super().__init__(level=std_logging.WARNING)
        self.app = app
        self.docnames: set[str] = set()

    def emit(self, record: std_logging.LogRecord) -> None:
        try:
            if logging.is_suppressed_warning(getattr(record, "type", None),
                                             getattr(record, "subtype", None),
                                             self.app.config.suppress_warnings):
                return
            env = self.app.env
            docname = _location_docname(env, getattr(record, "location", None))
            docname = docname or (env.temp_data.get("docname") if env else None)
            if docname:
                self.docnames.add(docname)
        except Exception:  # never let bookkeeping break the build's logging
            pass


def _location_docname(env: BuildEnvironment | None, location) -> str | None:
    if env is None or location is None:
        return None
    if isinstance(location, tuple):
        location = location[0]
    if isinstance(location, str):
        if location in env.found_docs:
            return location
        path = re.sub(r":\d*$", "", location)
        return env.path2doc(path) if path else None
    from sphinx.util.nodes import get_node_source

    try:
        return env.path2doc(get_node_source(location))
    except (ValueError, TypeError):
        return None


def _warned_file(app: Sphinx) -> Path:
    return Path(app.doctreedir) / _WARNED


def _warned_last_time(app: Sphinx) -> list[str]:
    try:
        return json.loads(_warned_file(app).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []


def _env_files(app: Sphinx) -> tuple[Path, Path]:
    from sphinx.application import ENV_PICKLE_FILENAME

    saved = Path(app.doctreedir) / ENV_PICKLE_FILENAME
    return saved, saved.with_name(saved.name + ".mcreport-last")


def _watch_warnings(app: Sphinx) -> None:
    handler = _WarnedPages(app)
    sphinx_logger = std_logging.getLogger(logging.NAMESPACE)
    sphinx_logger.handlers.insert(0, handler)  # first: sees locations before they are formatted
    app._mcreport_warned = handler  # type: ignore[attr-defined]
    app._mcreport_read = set()  # type: ignore[attr-defined]
    saved, last = _env_files(app)
    if saved.is_file():  # a copy, not a link: Sphinx rewrites the file in place
        shutil.copyfile(saved, last)
    from myst_nb.ext.glue.crossref import read_glue_cache

    read_glue_cache.cache_clear()  # glue of notebooks executed in an earlier build in this process


def _save_warned(app: Sphinx, exception: Exception | None) -> None:
    handler = getattr(app, "_mcreport_warned", None)
    if handler is None:
        return
    std_logging.getLogger(logging.NAMESPACE).removeHandler(handler)
    warned = set(handler.docnames)
    saved, last = _env_files(app)
    if exception is not None:
        # Sphinx deleted the environment: restore the last finished one and re-read what this
        # build read (its doctrees and outputs may be half-new) and what was still to re-check.
        warned |= set(_warned_last_time(app)) | getattr(app, "_mcreport_read", set())
        if last.is_file() and not saved.exists():
            os.replace(last, saved)
    elif last.exists():
        last.unlink()
    try:
        _warned_file(app).write_text(json.dumps(sorted(warned)), encoding="utf-8")
    except OSError:
        pass


def _cache_pybtex_plugins() -> None:
    """pybtex looks its plugins up among every installed distribution's entry points on each
    citation sphinxcontrib-bibtex resolves (seconds per build); the answer never changes."""
    try:
        import pybtex.plugin as plugin
    except ImportError:
        return
    load = getattr(plugin, "_load_entry_point", None)
    if load is None or hasattr(load, "cache_info"):
        return
    plugin._load_entry_point = functools.lru_cache(maxsize=None)(load)


def setup(app: Sphinx) -> dict:
    from . import citations, tables  # tables imports note_input from this module

    tables.setup(app)
    citations.setup(app)
    _cache_pybtex_plugins()
    app.connect("builder-inited", _watch_warnings)
    app.connect("build-finished", _save_warned)
    app.connect("env-before-read-docs", _read_start)
    app.connect("env-updated", _rewritten_during_build)
    app.connect("env-before-read-docs", _notebooks_first)
    app.connect("doctree-read", _record)
    app.connect("env-purge-doc", _purge)
    app.connect("env-get-outdated", _outdated)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True,
            "env_version": 2}
