"""Sphinx extension of the book: pages follow the notebooks and files they show, by content.

Each page notes as dependencies the notebooks whose values or figures it shows (the graph of
:mod:`mcreport.deps`); an environment collector re-reads a page when its source or a dependency
changed in content, and writes every page when a page's titles, labels or toctree entries
changed (each page's navigation shows them) or a file of ``html_static_path`` did (Sphinx
copies those only when it writes a page, and each page links them with their checksum). A
notebook whose stored outputs are not those of its current inputs is a warning
(``mcreport_stale_notebooks``: ``"warning"`` or ``"ignore"``).
"""

from __future__ import annotations

import functools
import gc
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.util import logging

from .. import deps, notebooks

logger = logging.getLogger(__name__)


class ContentCollector(EnvironmentCollector):
    """Per page, the sha256 of its source and of each of its dependencies (``env.mcreport_hashes``),
    and what other pages show of it."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        env.__dict__.setdefault("mcreport_hashes", {}).pop(docname, None)

    def process_doc(self, app: Sphinx, doctree) -> None:
        env, srcdir = app.env, Path(app.srcdir).resolve()
        source = Path(env.doc2path(env.docname)).resolve()
        rel = source.relative_to(srcdir).as_posix()
        for nb, node in _graph(app).items():
            if rel in node.pages:
                env.note_dependency(str(srcdir / nb))
        if (source.suffix == ".ipynb" and rel in _graph(app) and app.config.mcreport_stale_notebooks
                != "ignore" and notebooks.recorded(source) != notebooks.state(source, srcdir)):
            logger.warning(f"{rel}: stored outputs are not those computed from the notebook's "
                           "current inputs; run `python -m mcreport.notebooks` (or `scripts/nox -s "
                           "book`)", location=str(source), type="mcreport", subtype="stale")
        files = [source, *(Path(srcdir, dep) for dep in env.dependencies.get(env.docname, ())),
                 *map(Path, env.temp_data.get("mcreport_inputs", ()))]  # files that may appear
        env.__dict__.setdefault("mcreport_hashes", {})[env.docname] = {
            str(f): deps.file_hash(f) for f in files}

    def get_outdated_docs(self, app, env, added, changed, removed) -> list[str]:
        app.mcreport_removed, now = bool(removed), functools.cache(deps.file_hash)  # each file once
        out = [doc for doc, files in getattr(env, "mcreport_hashes", {}).items()
               if doc in env.found_docs and doc not in changed and doc not in added
               and any(now(f) != h for f, h in files.items())]
        if out:
            logger.info(f"[mcreport] changed in content, re-reading: {', '.join(sorted(out))}")
        return out

    def get_updated_docs(self, app: Sphinx, env: BuildEnvironment) -> list[str]:
        """Every page, when what pages show of each other or a static file changed (see the
        module's docstring)."""
        before, static = getattr(app, "mcreport_outlines", {}), _static(app)
        restyled = getattr(env, "mcreport_static", None) != static
        env.mcreport_static = static
        if getattr(app, "mcreport_removed", False) or any(_outline(env, d) != o for d, o in before.items()):
            logger.info("[mcreport] titles or the table of contents changed: writing every page")
            return sorted(env.found_docs)
        if restyled:  # Sphinx copies static files only when it writes a page
            logger.info("[mcreport] a static file changed: writing every page (each links it by checksum)")
            return sorted(env.found_docs)
        return []


def _outline(env: BuildEnvironment, docname: str) -> tuple:
    """What other pages show of a page: its section titles, labels and toctree entries."""
    toc = env.tocs.get(docname)
    labels = sorted((k, v) for k, v in env.get_domain("std").labels.items() if v[0] == docname)
    return (toc.astext() if toc is not None else None, labels, env.toctree_includes.get(docname))


def _static(app: Sphinx) -> dict[str, str]:
    """The files of ``html_static_path`` (the site's stylesheets, scripts, fonts) with their sha256."""
    tops = [Path(app.confdir, entry) for entry in app.config.html_static_path]
    return {str(f): deps.file_hash(f) for top in tops for f in ([top] if top.is_file() else sorted(
        top.rglob("*"))) if f.is_file()}


def _before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    app.mcreport_outlines = {doc: _outline(env, doc) for doc in docnames}


def _graph(app: Sphinx) -> dict[str, deps.Node]:
    if getattr(app, "mcreport_graph", None) is None:  # one graph a build
        app.mcreport_graph = deps.graph(Path(app.srcdir))
    return app.mcreport_graph


def setup(app: Sphinx) -> dict:
    from . import citations, tables

    tables.setup(app)
    citations.setup(app)
    app.add_config_value("mcreport_stale_notebooks", "warning", "env", [str])
    app.add_env_collector(ContentCollector)
    app.connect("env-before-read-docs", _before_read)
    # The garbage collector is off while Sphinx builds (unpickling every page's doctree to number
    # figures would otherwise run full collections over the environment, most of a rebuild's
    # time; the book's clean build peaks at about 0.7 GB); when the build ends, what it holds is
    # frozen, so that the process's exit does not walk it again.
    gc.disable()
    app.connect("build-finished", lambda app, exception: (gc.enable(), gc.freeze()), priority=900)
    return {"version": "2", "parallel_read_safe": False, "parallel_write_safe": True,
            "env_version": 3}
