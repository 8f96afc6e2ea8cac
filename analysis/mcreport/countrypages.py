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
import sys
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
#: Columns of the profile template's tables in print, by their header row: relative width, and
#: "l" (ragged right) or "r" (ragged left: the numbers). Chosen so that most cells take one or
#: two lines: a fiche fits on two pages.
FICHE_COLUMNS = {
    ("Indicator", "Latest", "Year", "EU, same year", "Rank", "Change since base year", "Notes"):
        ((30, "l"), (8, "r"), (6, "r"), (10, "r"), (8, "r"), (23, "l"), (15, "l")),
    ("Fact", "Value"): ((36, "l"), (64, "l")),
}
#: The initiatives table of a profile: in print, one paragraph per initiative (its long texts
#: run the width of the page instead of down narrow columns).
INITIATIVES = ("Initiative", "Period", "Called microcredentials", "Published counts and amounts",
               "Source")
#: LaTeX that opens a fiche (closed by ``\\endgroup``): a new page, small type, and, within the
#: fiche, headings with less space around them, which may stand lower on a page (Sphinx's
#: headings, titlesec's ``nobottomtitles*``, move to the next page any that would have less
#: than a fifth of the page under them), and tables that start where four lines fit (the report's
#: tables need ten); less space around the chart.
FICHE_START = ("\\clearpage\\begingroup\\small\\setlength{\\tabcolsep}{3pt}"
               "\\renewcommand{\\bottomtitlespace}{5\\baselineskip}"
               "\\def\\sphinxatlongtablestart{\\par\\Needspace*{4\\baselineskip}\\mclongtablestart}"
               "\\titlespacing*{\\subsection}{0pt}{1.6ex plus .4ex minus .2ex}{.6ex plus .1ex}"
               "\\titlespacing*{\\section}{0pt}{0pt}{1.2ex plus .2ex}"
               "\\setlength{\\intextsep}{6pt plus 2pt minus 2pt}"
               "\\setlength{\\textfloatsep}{8pt plus 2pt minus 2pt}"
               "\\setlength{\\abovecaptionskip}{4pt}\n")
_RAGGED = {"l": r">{\raggedright\arraybackslash}", "r": r">{\raggedleft\arraybackslash}"}


def _profiles(srcdir: Path) -> set[str]:
    return {p.stem.upper() for p in (srcdir / FOLDER).glob("*.md") if p.stem != "index"}


class CountryExplorer(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        path = Path(path)
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
        name = self.arguments[0].strip()
        column = COUNTRY_COLUMNS.get(name)
        if column is None:
            raise self.error(f"countrylinks: {name!r} is not a country dataset of the profiles "
                             f"({', '.join(COUNTRY_COLUMNS)})")
        frame = data.load(name)
        self.env.note_dependency(str(data.data_dir() / "datapackage.json"))
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
                if _heads(table) == INITIATIVES:
                    _as_paragraphs(table)
                else:
                    _fit(table, tables.print_unit(self.config))
            _chart_after_framework(node)
            _notes_small(node)
            _last_section_unwrapped(node)
            chapter += nodes.raw("", FICHE_START, format="latex")
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


def _heads(table: nodes.table) -> tuple[str, ...]:
    """Texts of a table's header row."""
    head = next(table.findall(nodes.thead), None)
    row = next(head.findall(nodes.row), None) if head is not None else None
    return tuple(e.astext().strip() for e in row.children) if row is not None else ()


def _cell(entry: nodes.Node) -> list[nodes.Node]:
    """The inline content of a table cell (its paragraphs' children), taken out of it."""
    out: list[nodes.Node] = []
    for child in list(entry.children):
        inner = list(child.children) if isinstance(child, nodes.paragraph) else [child]
        for node in inner:
            node.parent.remove(node)
        out += inner
    return out


def _as_paragraphs(table: nodes.table) -> None:
    """The initiatives table as one paragraph per initiative, in small type: the same cells
    (the same glued values and links), each labelled with its column's heading."""
    heads = [h[0].lower() + h[1:] for h in _heads(table)]
    body = next(table.findall(nodes.tbody), None)
    parent = table.parent
    if body is None or parent is None:
        return
    at = parent.index(table)
    out: list[nodes.Node] = [nodes.raw("", "\\begingroup\\footnotesize\n", format="latex")]
    for row in body.findall(nodes.row):
        cells = [e for e in row.children if isinstance(e, nodes.entry)]
        para = nodes.paragraph()
        para += nodes.strong("", "", *_cell(cells[0]))
        for n, (head, cell) in enumerate(zip(heads[1:], cells[1:], strict=True)):
            sentence = n != 1  # "Period: …; called microcredentials: …. Published counts …"
            para += nodes.Text((". " + head[0].upper() + head[1:]) if sentence else ("; " + head))
            para += nodes.Text(": ")
            para += _cell(cell)
        para += nodes.Text(".")
        out.append(para)
    out.append(nodes.raw("", "\\par\\endgroup\n", format="latex"))
    parent.remove(table)
    for n, node in enumerate(out):
        parent.insert(at + n, node)


def _last_section_unwrapped(fiche: nodes.Node) -> None:
    """The fiche's last section (its sources: one paragraph in print, which says what it is)
    without its heading, in small type, at the end of the section before it."""
    top = [s for s in fiche.findall(nodes.section) if isinstance(s.parent, nodes.section)
           and not isinstance(s.parent.parent, nodes.section)]
    if len(top) < 2 or top[-1].parent is None:
        return
    last, before = top[-1], top[-2]
    body = [c for c in last.children if not isinstance(c, nodes.title)]
    for child in body:
        last.remove(child)
    last.parent.remove(last)
    before += nodes.raw("", "\\begingroup\\footnotesize\n", format="latex")
    before.extend(body)
    before += nodes.raw("", "\\par\\endgroup\n", format="latex")


def _notes_small(fiche: nodes.Node) -> None:
    """The notes under the key indicators table (the vintages of a series) in small type."""
    table = next(fiche.findall(nodes.table), None)
    if table is None or table.parent is None:
        return
    parent = table.parent
    after = [n for n in parent.children[parent.index(table) + 1:] if isinstance(n, nodes.paragraph)]
    if after:
        parent.insert(parent.index(after[0]), nodes.raw("", "\\begingroup\\footnotesize\n",
                                                        format="latex"))
        parent.insert(parent.index(after[-1]) + 1, nodes.raw("", "\\par\\endgroup\n", format="latex"))


def _chart_after_framework(fiche: nodes.Node) -> None:
    """The chart at the end of the fiche's second section (the framework): the key indicators
    and the framework fill the first page, the chart heads the second, where the initiatives,
    Cedefop's study and the sources follow it. Placed after the key indicators, the float does
    not fit under them and leaves the rest of the first page empty."""
    figure = next(fiche.findall(nodes.figure), None)
    sections = [s for s in fiche.findall(nodes.section) if s is not fiche]
    top = [s for s in sections if isinstance(s.parent, nodes.section)
           and not isinstance(s.parent.parent, nodes.section)]
    if figure is None or len(top) < 2 or figure.parent is None:
        return
    figure.parent.remove(figure)
    top[1] += figure


def _fit(table: nodes.table, unit: float) -> None:
    """Columns of a fiche's table: the template's tables as :data:`FICHE_COLUMNS` sets them;
    any other, widths from its text and the type size that fits them, as the report's data
    tables are printed (:func:`mcreport.sphinxext.tables.fit_columns`): LaTeX's automatic widths
    leave the narrow columns narrower than their values."""
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
    if heads in FICHE_COLUMNS:  # the template's tables: columns chosen for them, small type
        columns = _shared(FICHE_COLUMNS[heads], cells)
        total = sum(w for w, _ in columns)
        spec = "".join(f"{_RAGGED[a]}\\X{{{w}}}{{{total}}}" for w, a in columns)
        at = table.parent.index(table)
        table.parent.insert(at, addnodes.tabular_col_spec(spec=spec))
        table["classes"] += ["longtable"]  # a table may break across pages
        _small(table, "\\footnotesize")
        return
    extents = [tables.column_extent(h, c[1:]) for h, c in zip(heads, cells, strict=True)]
    widths, size = tables.fit_columns(extents, unit=unit)
    for spec, width in zip(specs, widths, strict=True):
        spec["colwidth"] = width
    table["classes"] += ["colwidths-given", "longtable"]  # a table may break across pages
    if size:
        _small(table, size)


def _shared(columns, cells: list[list[str]]):
    """The columns of :data:`FICHE_COLUMNS` with the width of those marked "l" after the first
    shared among them by the length of their text (each at least half its set width): long
    reasons for a missing value take the room of short changes, and the other way round."""
    free = [i for i, (_, a) in enumerate(columns) if a == "l"][1:]
    if len(free) < 2:
        return columns
    room = sum(columns[i][0] for i in free)
    text = {i: sum(len(t) for t in cells[i][1:]) or 1 for i in free}
    least = {i: columns[i][0] // 2 for i in free}
    spare = room - sum(least.values())
    widths = {i: least[i] + round(spare * text[i] / sum(text.values())) for i in free}
    widths[free[-1]] += room - sum(widths.values())  # rounding: the same total
    return tuple((widths.get(i, w), a) for i, (w, a) in enumerate(columns))


def _small(table: nodes.table, size: str) -> None:
    """The table in a smaller type (a LaTeX size command)."""
    parent = table.parent
    start = parent.index(table)
    while start and isinstance(parent[start - 1], addnodes.tabular_col_spec):
        start -= 1  # its column spec goes with it
    parent.insert(parent.index(table) + 1, nodes.raw("", "\\endgroup\n", format="latex"))
    parent.insert(start, nodes.raw("", f"\\begingroup{size}\n", format="latex"))


def _page_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is not None and app.env.metadata.get(pagename, {}).get("mc_explorer"):
        app.add_js_file(JS_FILE, loading_method="defer")


def setup(app: Sphinx) -> dict:
    app.add_directive("countryexplorer", CountryExplorer)
    app.add_directive("countrylinks", CountryLinks)
    app.add_post_transform(PrintFiches)
    app.connect("html-page-context", _page_script)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}


# ---------------------------------------------------------------------------------------------
# Pages per fiche in the built PDF
# ---------------------------------------------------------------------------------------------

#: Most pages a country fiche may take in the PDF.
MAX_FICHE_PAGES = 2
_TOC_ENTRY = re.compile(r"\\contentsline \{(part|chapter|section)\}\{(?:\\numberline \{[^}]*\})?"
                        r"(.*?)\}\{(\d+)\}")


def fiche_pages(toc: str, names: set[str]) -> dict[str, int]:
    """Pages of each fiche, read from the LaTeX table of contents (``<name>.toc``): a fiche is a
    section whose title is one of ``names`` (the countries' names); it runs to the page before
    the next entry of its level or above (each fiche, and the next chapter, starts a page)."""
    entries = [(m.group(1), m.group(2).strip(), int(m.group(3))) for m in _TOC_ENTRY.finditer(toc)]
    out: dict[str, int] = {}
    for n, (level, title, page) in enumerate(entries):
        if level != "section" or title not in names:
            continue
        following = next((p for _, _, p in entries[n + 1:]), None)
        if following is None:
            raise ValueError(f"the fiche {title!r} is the last entry of the table of contents: "
                             "its end is not known")
        out[title] = max(1, following - page)
    return out


def fiche_report(toc_path: Path, srcdir: Path, most: int = MAX_FICHE_PAGES) -> tuple[str, list[str]]:
    """Pages per fiche of the built PDF as text, and the fiches longer than ``most`` pages."""
    names = {countries.name(code) for code in _profiles(srcdir)}
    pages = fiche_pages(toc_path.read_text(encoding="utf-8"), names)
    if not pages:
        return f"Country fiches: none found in {toc_path}", []
    counts = sorted(pages.values())
    median = counts[len(counts) // 2] if len(counts) % 2 else (
        counts[len(counts) // 2 - 1] + counts[len(counts) // 2]) / 2
    lines = [f"Country fiches: {len(pages)}, pages each min {counts[0]}, median {median:g}, "
             f"max {counts[-1]}, {sum(counts)} in all"]
    lines += [f"  {name}: {n}" for name, n in pages.items()]
    return "\n".join(lines), [f"{name} ({n} pages)" for name, n in pages.items() if n > most]


def main(argv: list[str] | None = None) -> int:
    import argparse

    from .paths import project_root

    parser = argparse.ArgumentParser(prog="python -m mcreport.countrypages",
                                     description="Pages per country fiche of the built PDF.")
    parser.add_argument("toc", type=Path, help="the LaTeX table of contents (_build/latex/*.toc)")
    parser.add_argument("--max", type=int, default=MAX_FICHE_PAGES,
                        help="fail when a fiche takes more pages than this")
    args = parser.parse_args(argv)
    text, long = fiche_report(args.toc, project_root(), args.max)
    print(text)
    if long:
        print(f"Country fiches longer than {args.max} pages: {', '.join(long)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
