"""The edition in the book, and the printed report's selection of pages.

Enabled in ``_config.yml`` (``sphinx: extra_extensions``) as ``mcreport.sphinxext.editions``.

Edition (:mod:`mcreport.editions`)
    The version and date of ``CITATION.cff`` become Sphinx's ``release``, ``version`` and
    ``today``: the title page of the PDF prints "Edition <version>" and the date, and the site's
    footer ends with the same. The PDF's metadata (title, author group, subject, keywords,
    language) are set from the same file.

Values of every build
    When a build finishes, ``values.json`` is written next to its output (``_build/html/``,
    ``_build/latex/``): every value glued by a notebook the build executed (the glue outputs
    myst-nb writes to ``jupyter_execute/<notebook>.glue.json``), with the pages that paste it.

``{edition-changes}``
    The table of *Changes in this edition*, from ``editions/changes.json`` (written by the
    release, ``scripts/nox -s release``): every value that changed, appeared or disappeared since
    the previous edition, with its page.

``{reproducibility}``
    For the reproducibility annex: the datasets with the data package's version, their rows and
    the SHA-256 of each file (computed from the file when the page is built, and checked against
    the data package), and the analysis notebooks with the pages that use their values.

What the PDF prints (one mechanism: ``mcreport_print_exclude``)
    The PDF is the study report: the pages whose names match a pattern of the configuration
    value ``mcreport_print_exclude`` (``fnmatch`` patterns of page names, e.g. ``analysis/*``)
    stay on the site and are left out of the PDF; a part of the table of contents left with no
    page disappears with them. A link to a page left out points to the page on the site
    (``mcreport_site_url``).
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from .. import datapackage, editions
from ..paths import data_dir
from .tables import latex_colspec, table_frame

logger = logging.getLogger(__name__)

VALUES_FILE = "values.json"


def _tex(text: str) -> str:
    special = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(special.get(c, "\\" + c if c in "#$%&_{}" else c) for c in text)


# ---------------------------------------------------------------------------------------------
# Edition: version, date, footer, PDF metadata
# ---------------------------------------------------------------------------------------------


def _edition(app: Sphinx, config: Config) -> None:
    try:
        meta = editions.edition(Path(app.srcdir))
    except editions.EditionError as exc:
        logger.warning(str(exc), type="mcreport", subtype="edition")
        return
    config.version = config.release = meta.version
    config.today = editions.long_date(meta.date)
    line = f"Edition {meta.version}, {config.today}."
    options = dict(config.html_theme_options or {})
    footer = str(options.get("extra_footer", "") or "")
    if line not in footer:
        options["extra_footer"] = f"{footer} {line}".strip()
        config.html_theme_options = options
    elements = dict(config.latex_elements or {})
    keywords = ", ".join(meta.keywords)
    elements["preamble"] = elements.get("preamble", "") + (
        "\n\\hypersetup{"
        f"pdftitle={{{_tex(meta.title)}}}, pdfauthor={{{_tex(meta.author)}}}, "
        f"pdfsubject={{{_tex('A study report and knowledge base, edition ' + meta.version)}}}, "
        f"pdfkeywords={{{_tex(keywords)}}}, pdflang={{{config.language or 'en'}}}, "
        "pdfcreator={LaTeX (Sphinx)}, bookmarksnumbered=true}\n"
    )
    config.latex_elements = elements


# ---------------------------------------------------------------------------------------------
# What the PDF prints
# ---------------------------------------------------------------------------------------------


def excluded(docname: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(docname, p) for p in patterns)


class PrintSelection(SphinxPostTransform):
    """LaTeX only, on the assembled document: drop the pages ``mcreport_print_exclude`` names
    (before the parts are placed), and send links to them to the site."""

    builders = ("latex",)
    default_priority = 750  # before mcreport.sphinxext.reader's parts (760)

    def run(self, **kwargs) -> None:
        patterns = list(self.config.mcreport_print_exclude or [])
        if not patterns or next(self.document.findall(addnodes.start_of_file), None) is None:
            return
        dropped = set()
        for node in list(self.document.findall(addnodes.start_of_file)):
            if excluded(node["docname"], patterns) and node.parent is not None:
                dropped.add(node["docname"])
                node.parent.remove(node)
        site = (self.config.mcreport_site_url or "").rstrip("/")
        for ref in list(self.document.findall(nodes.reference)):
            uri = ref.get("refuri", "")
            if not uri.startswith("%"):
                continue
            doc, _, anchor = uri[1:].partition("#")
            if doc not in dropped:
                continue
            if site:
                ref["refuri"] = f"{site}/{doc}.html" + (f"#{anchor}" if anchor and "::" not in anchor else "")
                ref["internal"] = False
            else:
                ref.replace_self(nodes.inline("", "", *ref.children))
        if dropped:
            logger.info(f"[mcreport] left out of the PDF (on the site only): {', '.join(sorted(dropped))}")


# ---------------------------------------------------------------------------------------------
# Values of the build
# ---------------------------------------------------------------------------------------------


def _write_values(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format not in ("html", "latex"):
        return
    env = app.env
    srcdir = Path(app.srcdir)
    executed = Path(app.outdir).parent / "jupyter_execute"  # where myst-nb writes executed notebooks
    notebooks = {}
    for doc in sorted(env.found_docs):
        source = Path(env.doc2path(doc))
        if source.suffix == ".ipynb":
            glue = executed / f"{doc}.glue.json"  # myst-nb keeps the glue outputs it executed here
            notebooks[doc] = glue if glue.is_file() else source
    pages = [Path(env.doc2path(doc)) for doc in sorted(env.found_docs)]
    try:
        rows = editions.values_table(notebooks, pages, srcdir)
        meta = editions.edition(srcdir)
    except editions.EditionError as exc:
        logger.warning(f"values of the build not written: {exc}", type="mcreport", subtype="edition")
        return
    path = editions.write_values(Path(app.outdir) / VALUES_FILE, rows, meta)
    logger.info(f"[mcreport] {len(rows)} glued values: {path}")


# ---------------------------------------------------------------------------------------------
# Directives
# ---------------------------------------------------------------------------------------------


def _cell(*children: nodes.Node) -> nodes.entry:
    entry = nodes.entry()
    entry += nodes.paragraph("", "", *children)
    return entry


def _table(headers: list[str], rows: list[list[nodes.Node | str]], weights: list[int],
           numeric: list[bool], caption: str | None = None) -> list[nodes.Node]:
    table, body = table_frame(headers, weights, ["longtable", "mc-annex-table"], caption)
    for row in rows:
        r = nodes.row()
        for cell in row:
            r += _cell(nodes.Text(cell) if isinstance(cell, str) else cell)
        body += r
    spec = addnodes.tabular_col_spec()
    spec["spec"] = latex_colspec(weights, numeric)
    return [spec, table]


def _doc_link(doc: str, title: str, fromdoc: str) -> nodes.Node:
    ref = addnodes.pending_xref("", nodes.inline(title, title), refdomain="std", reftype="doc",
                                reftarget="/" + doc, refdoc=fromdoc, refexplicit=True, refwarn=True)
    return ref


class EditionChanges(SphinxDirective):
    """``:::{edition-changes}`` -- what changed since the previous edition."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        path = Path(self.env.srcdir) / editions.CHANGES_FILE
        self.env.note_dependency(__file__)  # a change of this code re-reads the page
        if not path.is_file():  # noted for the collector (Sphinx re-reads a page whose noted
            # dependency is missing at every build): the file's creation re-reads the page
            self.env.temp_data.setdefault("mcreport_inputs", []).append(str(path))
            return [nodes.paragraph("", "This is the first edition: there is no earlier edition to "
                                        "compare it with.")]
        self.env.note_dependency(str(path))
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise self.error(f"{path}: {exc}") from None
        prev, cur = doc["previous"], doc["current"]
        changes = doc["changes"]
        kinds = ("changed", "appeared", "disappeared")
        counts = {k: sum(1 for c in changes if c["kind"] == k) for k in kinds}
        intro = (f"Edition {cur['version']} of {editions.long_date(cur['date'])} compared with edition "
                 f"{prev['version']} of {editions.long_date(prev['date'])}: ")
        if not changes:
            return [nodes.paragraph("", intro + "no computed value changed, appeared or disappeared.")]
        intro += ", ".join(f"{n} value{'s' if n != 1 else ''} {k}" for k, n in counts.items()) + "."
        rows = []
        for c in changes:
            pages = nodes.inline()
            for i, (pdoc, title) in enumerate(c["pages"]):
                if i:
                    pages += nodes.Text("; ")
                pages += _doc_link(pdoc, title, self.env.docname)
                if not excluded(pdoc, list(self.config.mcreport_print_exclude or [])):
                    # in print, the page number too
                    pages += nodes.raw("", rf" (p.~\pageref{{\detokenize{{{pdoc}::doc}}}})", format="latex")
            if not c["pages"]:
                pages += nodes.Text("only in its notebook (on the site)")
            nb, _, name = c["key"].partition("::")
            rows.append([nodes.inline("", "", nodes.Text(name), nodes.Text(f" ({Path(nb).name})")), pages,
                         c["kind"], c["old"] if c["old"] is not None else "\u2013",
                         c["new"] if c["new"] is not None else "\u2013"])
        return [nodes.paragraph("", intro),
                *_table(["Value (notebook)", "Page", "Change", "Before", "Now"], rows,
                        [27, 29, 12, 16, 16], [False] * 5)]


class Reproducibility(SphinxDirective):
    """``:::{reproducibility}`` -- the datasets (hashes computed from the files) and notebooks."""

    has_content = False
    option_spec: dict = {}

    def run(self) -> list[nodes.Node]:
        root = data_dir()
        self.env.note_dependency(str(root / datapackage.DESCRIPTOR))
        self.env.note_dependency(__file__)  # a change of this code re-reads the page
        try:
            package = datapackage.read(root)
        except datapackage.DataPackageError as exc:
            raise self.error(str(exc)) from None
        rows = []
        for res in package["resources"]:
            path = root / res["path"]
            self.env.note_dependency(str(path))
            digest = editions.sha256(path)
            recorded = str(res.get("hash", "")).removeprefix("sha256:")
            if recorded and recorded != digest:
                raise self.error(f"{path}: SHA-256 {digest} differs from the data package's {recorded}; "
                                 "run `python -m mcreport` to update data/datapackage.json")
            sources = res.get("sources", [])
            codes = list(dict.fromkeys(s["dataset"] for s in sources if s.get("dataset")))
            if not codes:
                codes = list(dict.fromkeys(s.get("publisher", "") for s in sources))
                codes = codes if len(codes) <= 2 else [f"{len(sources)} publications"]
            rows.append([res["path"], str(res.get("rows", "")), ", ".join(codes),
                         nodes.literal(digest[:16], digest[:16])])
        version = package.get("version", "")
        out: list[nodes.Node] = [nodes.paragraph(
            "", f"Data package version {version}: {len(rows)} datasets. The SHA-256 digest of each "
                "file (first 16 hexadecimal digits shown) is computed from the file when the report "
                "is built and checked against the data package.")]
        out += _table(["File", "Rows", "Source dataset", "SHA-256"], rows, [34, 8, 30, 26],
                      [False, True, False, False], caption="Datasets of this edition")
        pasted: dict[str, set[str]] = {}
        pages = {}
        for doc in sorted(self.env.found_docs):
            src = Path(self.env.doc2path(doc))
            if src.suffix != ".md":
                continue
            text = src.read_text(encoding="utf-8")
            pages[doc] = editions.page_title(text, doc)
            for nb_path, _key in editions.glue_references(text):
                if nb_path:
                    nb = (src.parent / nb_path).resolve().relative_to(Path(self.env.srcdir).resolve())
                    pasted.setdefault(nb.with_suffix("").as_posix(), set()).add(doc)
        nb_rows = []
        for doc in sorted(d for d in self.env.found_docs if str(self.env.doc2path(d)).endswith(".ipynb")):
            used = nodes.inline()
            for i, page in enumerate(sorted(pasted.get(doc, ()))):
                if i:
                    used += nodes.Text("; ")
                used += _doc_link(page, pages[page], self.env.docname)
            title = self.env.titles[doc].astext() if doc in self.env.titles else doc
            nb_rows.append([nodes.inline("", "", nodes.Text(title + " "),
                                         nodes.literal(doc + ".ipynb", doc + ".ipynb")), used])
        out += _table(["Notebook", "Values used on"], nb_rows, [55, 45], [False, False],
                      caption="Analysis notebooks")
        return out


def setup(app: Sphinx) -> dict:
    app.add_config_value("mcreport_print_exclude", [], "env", [list])
    app.add_config_value("mcreport_site_url", "", "env", [str])
    app.connect("config-inited", _edition)
    app.add_post_transform(PrintSelection)
    app.connect("build-finished", _write_values)
    app.add_directive("edition-changes", EditionChanges)
    app.add_directive("reproducibility", Reproducibility)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
