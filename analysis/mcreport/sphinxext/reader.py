"""What a reader gets from the built book: downloads, self-contained pages, a structured PDF.

Enabled in ``_config.yml`` (``sphinx: extra_extensions``) as ``mcreport.sphinxext.reader``.

HTML

- *Data and code behind this page*: every page whose numbers, figures or tables come from the
  analysis notebooks or the data package ends with links to those notebooks (page and ``.ipynb``
  download) and to the CSV files they read (downloaded from the site itself).
- The download menu of every page offers the whole report as a PDF (published next to the
  HTML by the ``pdf`` session), and so does the footer.
- A figure a notebook shows is the same figure file the chapters include (SVG in HTML, PDF in
  LaTeX), with the alt text the chapter gives it, instead of a bitmap named by its hash.
- Pages load nothing from other sites: scripts added twice by the theme's extensions are
  written once, and a page with math (which would fetch MathJax from a CDN) fails the build.

LaTeX

- Long unbroken strings in table cells (dotted property paths, addresses) may break after
  ``. / | : _ ; = & ?``, so that every column keeps its width and no text runs out of the table.
- Each captioned part of the table of contents with more than one chapter starts a
  ``\\part``; the text of the root page becomes an unnumbered chapter *About this report*; the
  bibliography page does not add an empty numbered chapter before the bibliography.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.latex.nodes import thebibliography
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from .. import datapackage, deps
from ..site import PDF_NAME
from . import _graph

logger = logging.getLogger(__name__)

#: Heading of the box listing a page's notebooks and data files (HTML only).
BOX_TITLE = "Data and code behind this page"
#: LaTeX heading of the root page's text.
PREFACE_TITLE = "About this report"
#: Stylesheet of this extension, in ``mcreport/static``.
CSS_FILE = "mcreport-reader.css"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
#: Where the figures written by :func:`mcreport.figures.finish` live, relative to the source folder.
FIGURES = "book/figures"

_FINISH = re.compile(r"\bfinish\(\s*[^,()]+,\s*[\"']([\w.-]+)[\"']")
_FIGURE = re.compile(
    r"^[ \t]*(?:`{3,}|:{3,})\{figure\}[ \t]+\S*?figures/([\w.-]+)\.\*[ \t]*\n((?:[ \t]*:[\w-]+:.*\n)*)",
    re.MULTILINE,
)
_OPTION_ALT = re.compile(r"^[ \t]*:alt:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_DATATABLE = re.compile(r"\{datatable\}[ \t]+([A-Za-z0-9_]+)")
_CATALOGUE = re.compile(r"\{datacatalogue\}")
#: A token this long, without spaces, may not fit a table column.
LONG_TOKEN = 14
_LONG = re.compile(rf"\S{{{LONG_TOKEN},}}")
_BREAK_AFTER = re.compile(r"(?<=[./|:_;=&?])(?=[^\s./|:_;=&?)\]])")


# ---------------------------------------------------------------------------------------------
# Pure helpers (unit-tested)
# ---------------------------------------------------------------------------------------------


def figure_names(code: str) -> list[str]:
    """Names of the figures a piece of notebook code saves with ``figures.finish(fig, "name", ...)``."""
    return list(dict.fromkeys(_FINISH.findall(code)))


def figure_alts(text: str) -> dict[str, str]:
    """``{name: alt text}`` of the ``{figure} figures/<name>.*`` directives of a MyST page."""
    found = {}
    for name, options in _FIGURE.findall(text):
        match = _OPTION_ALT.search(options)
        if match:
            found[name] = match.group(1)
    return found


def datatables(text: str) -> list[str]:
    """Resources rendered by ``{datatable}`` directives of a MyST page."""
    return list(dict.fromkeys(_DATATABLE.findall(text)))


def dedupe(assets: list) -> list:
    """The assets (scripts or stylesheets of a page) without repeats, first occurrence kept."""
    seen, out = set(), []
    for asset in assets:
        key = (str(getattr(asset, "filename", asset) or ""),  # None and "" both mean inline
               tuple(sorted((k, str(v)) for k, v in getattr(asset, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            out.append(asset)
    return out


def break_points(text: str) -> list[str]:
    """``text`` cut where a line may break inside long unbroken tokens (after ``. / | : _ ; = &
    ?``); joining the pieces gives ``text`` back."""
    pieces, start = [], 0
    for token in _LONG.finditer(text):
        for cut in _BREAK_AFTER.finditer(token.group(0)):
            at = token.start() + cut.start()
            if at < token.end():
                pieces.append(text[start:at])
                start = at
    pieces.append(text[start:])
    return [p for p in pieces if p]


def is_remote(url: str | None) -> bool:
    return bool(url) and re.match(r"^(https?:)?//", url) is not None


# ---------------------------------------------------------------------------------------------
# What the book is made of (read once per build)
# ---------------------------------------------------------------------------------------------


@dataclass
class Book:
    srcdir: Path
    #: figure name -> alt text given by the page that includes it
    alts: dict[str, str] = field(default_factory=dict)
    #: docname of the data catalogue page, if there is one
    catalogue: str | None = None


def _scan(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    srcdir = Path(app.srcdir)
    book = Book(srcdir)
    for docname in sorted(env.found_docs):
        path = Path(env.doc2path(docname))
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
            for name, alt in figure_alts(text).items():
                book.alts.setdefault(name, alt)
            if book.catalogue is None and _CATALOGUE.search(text):
                book.catalogue = docname
    app._mcreport_book = book  # type: ignore[attr-defined]


def _book(app: Sphinx) -> Book:
    book = getattr(app, "_mcreport_book", None)
    if book is None:  # a read outside env-before-read-docs (should not happen)
        _scan(app, app.env, [])
        book = app._mcreport_book  # type: ignore[attr-defined]
    return book


def _relative(path: Path, srcdir: Path) -> str | None:
    try:
        return "/" + path.resolve().relative_to(srcdir.resolve()).as_posix()
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Notebook figures: the figure file, with the chapter's alt text
# ---------------------------------------------------------------------------------------------


class NotebookFigures(SphinxTransform):
    """In a notebook, a cell that saves exactly one figure and shows exactly one image shows the
    saved figure file (``figures/<name>.*``: SVG in HTML, vector PDF in LaTeX) with the alt text
    of the chapter that includes it."""

    default_priority = 400

    def apply(self, **kwargs) -> None:
        if not str(self.env.doc2path(self.env.docname)).endswith(".ipynb"):
            return
        book = _book(self.app)
        for cell in self.document.findall(nodes.container):
            if cell.get("nb_element") != "cell_code":
                continue
            code = "".join(n.astext() for part in cell.children
                           if part.get("nb_element") == "cell_code_source"
                           for n in part.findall(nodes.literal_block))
            names = figure_names(code)
            images = [img for part in cell.children if part.get("nb_element") == "cell_code_output"
                      for img in part.findall(nodes.image)]
            if len(names) != 1 or len(images) != 1:
                continue
            name, image = names[0], images[0]
            if not list((book.srcdir / FIGURES).glob(f"{name}.*")):
                continue
            image["uri"] = f"/{FIGURES}/{name}.*"
            if "candidates" in image:
                del image["candidates"]
            if not image.get("alt") and name in book.alts:
                image["alt"] = book.alts[name]


# ---------------------------------------------------------------------------------------------
# Data and code behind a page (HTML)
# ---------------------------------------------------------------------------------------------


class PageData(SphinxTransform):
    """Append the *Data and code behind this page* box (HTML only). It runs before Sphinx's
    ``doctree-read`` (priority 880), whose collectors give each download its file."""

    default_priority = 870

    def apply(self, **kwargs) -> None:
        env = self.env
        docname = env.docname
        path = Path(env.doc2path(docname))
        book = _book(self.app)
        srcdir = book.srcdir
        notebooks: dict[str, Path] = {}
        resources: list[str] = []
        text = path.read_text(encoding="utf-8") if path.suffix == ".md" else ""
        if text and _CATALOGUE.search(text):
            return  # the catalogue lists every file already
        graph = _graph(self.app)  # dataset -> notebook -> page, as the runner sees it
        rel = _relative(path, srcdir)
        if path.suffix == ".ipynb":
            resources += graph[rel[1:]].reads if rel and rel[1:] in graph else _resources(path)
        else:
            for nb, node in graph.items():
                nb_doc = env.path2doc(str(srcdir / nb))
                if rel and rel[1:] in node.pages and nb_doc in env.found_docs and nb_doc != docname:
                    notebooks.setdefault(nb_doc, srcdir / nb)
                    resources += node.reads
            resources += datatables(text)
        resources = list(dict.fromkeys(resources))
        if not notebooks and not resources:
            return
        described = _described(srcdir)

        items = nodes.bullet_list(classes=["mc-page-data-list"])
        for nb, nb_path in notebooks.items():
            items += _item(
                nodes.Text("Notebook: "),
                _doc_link(nb, docname, str(env.titles[nb].astext()) if nb in env.titles else nb),
                nodes.Text(" ("),
                _download(srcdir, nb_path, docname, nb_path.name),
                nodes.Text(")"),
            )
        for name in resources:
            res = described.get(name)
            csv = srcdir / "data" / res["path"] if res else None
            if csv is None or not csv.is_file():
                continue
            # the box changes with the file (its size) and the descriptor (its title): a change
            # to either re-reads this page (a notebook reading the file is re-read for it anyway)
            env.note_dependency(str(csv))
            fragment = srcdir / "data" / datapackage.FRAGMENTS / f"{name}.yaml"
            if fragment.is_file():
                env.note_dependency(str(fragment))
            items += _item(
                nodes.Text("Data: "),
                _download(srcdir, csv, docname, csv.name),
                nodes.Text(f" \u2013 {res.get('title', name)} (CSV, {_size(csv.stat().st_size)})"),
            )
        if book.catalogue:
            items += _item(nodes.Text("Sources, licences and column definitions: the "),
                           _doc_link(book.catalogue, docname, "data catalogue"))
        box = nodes.container(classes=["mc-page-data"])
        box += nodes.rubric(BOX_TITLE, BOX_TITLE)
        box += items
        only = addnodes.only(expr="html")
        only += box
        sections = [s for s in self.document.children if isinstance(s, nodes.section)]
        (sections[-1] if sections else self.document).append(only)


def _resources(notebook: Path) -> list[str]:
    try:
        return deps.resources_read(notebook)
    except deps.DependencyError:
        return []


def _described(srcdir: Path) -> dict[str, dict]:
    try:
        return {r["name"]: r for r in datapackage.read(srcdir / "data")["resources"]}
    except (datapackage.DataPackageError, OSError, ValueError):
        return {}


def _size(size: int) -> str:
    return f"{size / 1024:.0f} kB" if size < 1024 * 1024 else f"{size / (1024 * 1024):.1f} MB"


def _item(*children: nodes.Node) -> nodes.list_item:
    item = nodes.list_item()
    item += nodes.paragraph("", "", *children)
    return item


def _doc_link(target: str, refdoc: str, text: str) -> nodes.Node:
    ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget="/" + target,
                                refdoc=refdoc, refexplicit=True, refwarn=True)
    ref += nodes.inline(text, text)
    return ref


def _download(srcdir: Path, path: Path, refdoc: str, text: str) -> nodes.Node:
    rel = _relative(path, srcdir)
    node = addnodes.download_reference("", "", reftarget=rel, refdoc=refdoc, refdomain="",
                                       reftype="download", refexplicit=True, refwarn=False)
    node += nodes.literal(text, text, classes=["xref", "download"])
    return node


# ---------------------------------------------------------------------------------------------
# Page context: the PDF link, scripts once, no remote MathJax
# ---------------------------------------------------------------------------------------------


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    for key in ("script_files", "css_files"):
        if isinstance(context.get(key), list):
            context[key] = dedupe(context[key])
    pathto = context.get("pathto")
    if pathto is None:
        return
    pdf = pathto(PDF_NAME, 1)
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("label") == "download-pdf-button":
                button["text"] = "print"
        group["buttons"].append({
            "type": "link", "url": pdf, "text": "report (PDF)", "icon": "fas fa-book",
            "tooltip": "The whole report as a PDF", "label": "download-report-pdf-button",
        })
    link = f'<a class="mc-report-pdf" href="{pdf}">The whole report as a PDF</a>.'
    footer = context.get("theme_extra_footer") or ""
    context["theme_extra_footer"] = f"{footer} {link}".strip()

    if doctree is not None and app.builder.math_renderer_name == "mathjax":
        domain = app.env.get_domain("math")
        if domain.has_equations(pagename) and is_remote(app.config.mathjax_path):
            logger.warning(
                f"math on this page would load MathJax from {app.config.mathjax_path}: the site "
                "loads nothing from other sites; write the expression in text (or escape a "
                "literal dollar sign as \\$)", location=pagename, type="mcreport", subtype="math")


# ---------------------------------------------------------------------------------------------
# LaTeX: parts, the preface, the bibliography
# ---------------------------------------------------------------------------------------------


class LatexStructure(SphinxPostTransform):
    """On the assembled LaTeX document (after the bibliography has been gathered at its end)."""

    builders = ("latex",)
    default_priority = 760

    def run(self, **kwargs) -> None:
        if next(self.document.findall(addnodes.start_of_file), None) is None:
            return
        root = self.config.root_doc
        parts = {}
        for toctree in self.env.get_doctree(root).findall(addnodes.toctree):
            docs = [doc for _title, doc in toctree.get("entries", [])]
            if toctree.get("caption") and docs:
                caption = _escape(toctree["caption"])
                parts[docs[0]] = (
                    f"\\part{{{caption}}}" if len(docs) > 1 else  # one chapter: a line, no part page
                    f"\\cleardoublepage\\phantomsection\\addcontentsline{{toc}}{{part}}{{{caption}}}")
        first = next(iter(self.document.findall(nodes.section)), None)
        if first is not None:
            _chapters_out_of_subsections(first)
        for node in list(self.document.findall(addnodes.start_of_file)):
            part = parts.get(node.get("docname"))
            if part and node.parent is not None:
                node.parent.insert(node.parent.index(node), _latex(part))
            _drop_empty_chapter(node)
        if first is None:
            return
        for section in [c for c in first.children if isinstance(c, nodes.section)]:
            section.replace_self(_unnumbered(section, 1))
        body = [c for c in first.children if not isinstance(c, nodes.title)]
        if body and not _holds_chapters(body[0]):
            first.insert(first.index(body[0]), _latex(
                f"\\chapter*{{{PREFACE_TITLE}}}\\addcontentsline{{toc}}{{chapter}}{{{PREFACE_TITLE}}}"))


#: LaTeX headings of the root page's own sections, by depth below its title.
_STARRED = ("section", "subsection", "subsubsection", "paragraph")


def _holds_chapters(node: nodes.Node) -> bool:
    return isinstance(node, addnodes.start_of_file) or (
        isinstance(node, nodes.Element) and next(node.findall(addnodes.start_of_file), None) is not None)


def _chapters_out_of_subsections(root: nodes.section) -> None:
    """The table of contents of the root page may stand inside one of its sections (``## How to
    read this report`` ... ``{tableofcontents}``); LaTeX would then make every chapter a section.
    Move it (the toctree wrappers holding the chapters) to the root level, after those sections."""
    for section in [c for c in root.children if isinstance(c, nodes.section)]:
        wrappers = [n for n in section.findall(nodes.compound)
                    if _holds_chapters(n) and not any(isinstance(a, addnodes.start_of_file)
                                                      for a in _ancestors(n, root))]
        for wrapper in wrappers:
            wrapper.parent.remove(wrapper)
            root.append(wrapper)


def _ancestors(node: nodes.Node, stop: nodes.Node):
    parent = node.parent
    while parent is not None and parent is not stop:
        yield parent
        parent = parent.parent


def _unnumbered(section: nodes.section, depth: int) -> list[nodes.Node]:
    """A section of the root page as an unnumbered heading (listed in the table of contents)
    followed by its content; its subsections likewise, one level down."""
    title = next((c for c in section.children if isinstance(c, nodes.title)), None)
    out: list[nodes.Node] = [nodes.target("", "", ids=list(section["ids"]))]
    if title is not None:
        command = _STARRED[min(depth, len(_STARRED)) - 1]
        text = _escape(title.astext())
        out.append(_latex(f"\\{command}*{{{text}}}\\addcontentsline{{toc}}{{{command}}}{{{text}}}"))
    for child in section.children:
        if child is title:
            continue
        out.extend(_unnumbered(child, depth + 1) if isinstance(child, nodes.section) else [child])
    return out


class LatexTableBreaks(SphinxPostTransform):
    """Break opportunities (``\\hspace{0pt}``) inside long tokens of table cells (LaTeX only)."""

    builders = ("latex",)
    default_priority = 770

    def run(self, **kwargs) -> None:
        for entry in list(self.document.findall(nodes.entry)):
            for text in list(entry.findall(nodes.Text)):
                if isinstance(text.parent, nodes.literal | nodes.literal_block | nodes.raw):
                    continue
                pieces = break_points(str(text))
                if len(pieces) < 2:
                    continue
                new: list[nodes.Node] = []
                for piece in pieces:
                    if new:
                        new.append(_latex("\\hspace{0pt}"))
                    new.append(nodes.Text(piece))
                text.parent.replace(text, new)


def _drop_empty_chapter(start: addnodes.start_of_file) -> None:
    """A page whose section holds only its title and the bibliography would print a numbered
    chapter *Bibliography* before the bibliography's own unnumbered chapter of the same name."""
    sections = [c for c in start.children if isinstance(c, nodes.section)]
    if len(sections) != 1:
        return
    section = sections[0]
    body = [c for c in section.children if not isinstance(c, nodes.title)]
    if any(not _bibliographic(c) for c in body) or not any(
            isinstance(c, nodes.container | nodes.compound | nodes.citation | thebibliography)
            for c in body):
        return
    section.replace_self([nodes.target("", "", ids=list(section["ids"])), *body])


def _bibliographic(node: nodes.Node) -> bool:
    """A target, or bibliography entries (before or after Sphinx gathers them)."""
    if isinstance(node, nodes.target | nodes.citation | thebibliography):
        return True
    return (isinstance(node, nodes.container | nodes.compound)  # emptied once gathered
            and all(_bibliographic(c) for c in node.children))


def _latex(text: str) -> nodes.raw:
    return nodes.raw("", text, format="latex")


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                **{c: "\\" + c for c in "#$%&_{}"}}


def _escape(text: str) -> str:
    """Plain text for a LaTeX argument."""
    return re.sub(r"[\\~^#$%&_{}]", lambda m: _TEX_SPECIAL[m.group(0)], text)


def _add_static_path(app: Sphinx, config) -> None:
    if str(STATIC_DIR) not in map(str, config.html_static_path):
        config.html_static_path.append(str(STATIC_DIR))


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _add_static_path)
    app.add_css_file(CSS_FILE)
    app.connect("env-before-read-docs", _scan)
    app.add_transform(NotebookFigures)
    app.add_transform(PageData)
    app.add_post_transform(LatexStructure)
    app.add_post_transform(LatexTableBreaks)
    app.connect("html-page-context", _page_context, priority=600)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
