"""Sphinx side of the country profiles: the explorer of the Countries page, and link lists.

``countryexplorer`` embeds the data written by ``analysis/countries.ipynb``
(``book/figures/countries/overview.json``, the same computation as the profiles) in the HTML
page, where the local script ``static/mcreport-countries.js`` (added to that page only) draws a
ranked dot chart of the indicator the reader chooses. In LaTeX it renders nothing: the static
figure next to it is the PDF's equivalent.

``countrylinks`` writes, under a figure or table of a chapter, links to the profiles of the
countries the named dataset has rows for::

    :::{countrylinks} adult_participation_25_64
    :::

In the PDF (:class:`PrintFiches`) the profiles are an annex of country fiches: the Countries
page becomes the first chapter of the "Annexes" part (the "Countries" part of the table of
contents prints no part of its own), each profile a section of it that starts on a new page, and
the sections of a profile labelled ``country-<code>-site`` (OECD indicators) stay on the site.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from . import countries, data
from .profile_map import COUNTRY_COLUMNS

JS_FILE = "mcreport-countries.js"
FOLDER = "book/countries"
#: A profile's page name; the Countries page; the page the annex of fiches is printed before.
PROFILE = re.compile(rf"{FOLDER}/[a-z][a-z]")
INDEX = f"{FOLDER}/index"
ANNEX_BEFORE = "book/reproducibility"
#: Label suffix of a profile's sections that the PDF leaves out (they stay on the site).
SITE_ONLY = "-site"
#: Relative column widths of the profile template's tables in print, by their header row.
FICHE_COLUMNS = {
    ("Indicator", "Latest", "Year", "EU, same year", "Rank", "Change since base year", "Notes"):
        (25, 7, 5, 8, 8, 27, 20),
    ("Initiative", "Period", "Called microcredentials", "Published counts and amounts", "Source"):
        (30, 19, 11, 25, 15),
    ("Fact", "Value"): (40, 60),
}


def _profiles(srcdir: Path) -> set[str]:
    return {p.stem.upper() for p in (srcdir / FOLDER).glob("*.md") if p.stem != "index"}


class CountryExplorer(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        from .sphinxext import note_input

        _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        path = Path(path)
        note_input(self.env, path)
        self.env.note_dependency(str(path))
        if not path.is_file():
            raise self.error(f"countryexplorer: {path} does not exist (run analysis/countries.ipynb)")
        payload = json.loads(path.read_text(encoding="utf-8"))
        text = html.escape(json.dumps(payload, sort_keys=True, separators=(",", ":")), quote=False)
        raw = (
            '<div class="mc-explorer" data-mc-explorer="1">'
            '<script type="application/json" class="mc-explorer-data">'
            + text.replace("</", "<\\/") + "</script>"
            "<noscript><p>The ranked chart needs JavaScript; the figure below shows the same "
            "values.</p></noscript></div>"
        )
        self.env.metadata[self.env.docname]["mc_explorer"] = "1"
        return [nodes.raw("", raw, format="html")]


class CountryLinks(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        from .sphinxext import note_input

        name = self.arguments[0].strip()
        column = COUNTRY_COLUMNS.get(name)
        if column is None:
            raise self.error(f"countrylinks: {name!r} is not a country dataset of the profiles "
                             f"({', '.join(COUNTRY_COLUMNS)})")
        frame = data.load(name)
        note_input(self.env, data.data_dir() / "datapackage.json")
        profiles = _profiles(Path(self.env.srcdir))
        geos = sorted({str(g) for g in frame[column].dropna()} & profiles, key=countries.name)
        para = nodes.paragraph(classes=["mc-country-links"])
        para += nodes.Text("Country profiles: ")
        for n, geo in enumerate(geos):
            if n:
                para += nodes.Text(" \u00b7 ")
            ref = addnodes.pending_xref("", refdomain="std", reftype="doc",
                                        reftarget=f"/{FOLDER}/{geo.lower()}", refexplicit=True,
                                        refdoc=self.env.docname, refwarn=True)
            ref += nodes.inline(countries.name(geo), countries.name(geo))
            para += ref
        para += nodes.Text(".")
        return [para]


class PrintFiches(SphinxPostTransform):
    """LaTeX only, on the assembled document: the profiles as an annex of compact fiches."""

    builders = ("latex",)
    default_priority = 765  # after mcreport.sphinxext.reader's parts (760)

    def run(self, **kwargs) -> None:
        from .sphinxext import tables

        files = {n["docname"]: n for n in self.document.findall(addnodes.start_of_file)}
        index = files.get(INDEX)
        chapter = next(index.findall(nodes.section), None) if index is not None else None
        if chapter is None:
            return
        for name, node in files.items():
            if not PROFILE.fullmatch(name) or node.parent is None:
                continue
            for section in list(node.findall(nodes.section)):
                if any(i.endswith(SITE_ONLY) for i in section["ids"]) and section.parent is not None:
                    section.parent.remove(section)
            node.parent.remove(node)
            for table in list(node.findall(nodes.table)):
                _fit(table, tables.print_unit(self.config))
            _chart_after_tables(node)
            chapter += nodes.raw("", "\\clearpage\\begingroup\\small\\setlength{\\tabcolsep}{3pt}\n",
                                 format="latex")
            chapter += node
            chapter += nodes.raw("", "\\endgroup\n", format="latex")
        annex = files.get(ANNEX_BEFORE)
        if annex is None or annex.parent is None or index.parent is None:
            return
        at = index.parent.index(index)
        before = index.parent[at - 1] if at else None
        if isinstance(before, nodes.raw) and ("\\part{" in before.astext()
                                               or "{part}" in before.astext()):  # its own part: none
            index.parent.remove(before)
        index.parent.remove(index)
        annex.parent.insert(annex.parent.index(annex), index)


def _chart_after_tables(fiche: nodes.Node) -> None:
    """The chart after the fiche's tables, at the end of its last section but two (the
    initiatives): placed early, the float leaves the rest of the first page empty."""
    figure = next(fiche.findall(nodes.figure), None)
    sections = [s for s in fiche.findall(nodes.section) if s is not fiche]
    top = [s for s in sections if isinstance(s.parent, nodes.section)
           and not isinstance(s.parent.parent, nodes.section)]
    if figure is None or len(top) < 3 or figure.parent is None:
        return
    figure.parent.remove(figure)
    top[-3] += figure


def _fit(table: nodes.table, unit: float) -> None:
    """Column widths of a fiche's table from its text and the type size that fits them, as the
    report's data tables are printed (:func:`mcreport.sphinxext.tables.fit_columns`): LaTeX's
    automatic widths leave the narrow columns narrower than their values."""
    from .sphinxext import tables

    tgroup = next(table.findall(nodes.tgroup), None)
    if tgroup is None or "colwidths-given" in table["classes"]:
        return
    specs = [c for c in tgroup.children if isinstance(c, nodes.colspec)]
    cells: list[list[str]] = [[] for _ in specs]
    for row in tgroup.findall(nodes.row):
        for i, entry in enumerate(e for e in row.children if isinstance(e, nodes.entry)):
            if i < len(specs):
                cells[i].append(entry.astext())
    heads = tuple(c[0] if c else "" for c in cells)
    if heads in FICHE_COLUMNS:  # the template's tables: widths chosen for them, small type
        widths, size = list(FICHE_COLUMNS[heads]), "\\footnotesize"
    else:
        extents = [tables.column_extent(h, c[1:]) for h, c in zip(heads, cells, strict=True)]
        widths, size = tables.fit_columns(extents, unit=unit)
    for spec, width in zip(specs, widths, strict=True):
        spec["colwidth"] = width
    table["classes"] += ["colwidths-given", "longtable"]  # a table may break across pages
    if size:
        at = table.parent.index(table)
        table.parent.insert(at + 1, nodes.raw("", "\\endgroup\n", format="latex"))
        table.parent.insert(at, nodes.raw("", f"\\begingroup{size}\n", format="latex"))


def _page_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is not None and app.env.metadata.get(pagename, {}).get("mc_explorer"):
        app.add_js_file(JS_FILE, loading_method="defer")


def setup(app: Sphinx) -> dict:
    app.add_directive("countryexplorer", CountryExplorer)
    app.add_directive("countrylinks", CountryLinks)
    app.add_post_transform(PrintFiches)
    app.connect("html-page-context", _page_script)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
