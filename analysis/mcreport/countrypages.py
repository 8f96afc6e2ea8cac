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
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from . import countries, data
from .profile_map import COUNTRY_COLUMNS

JS_FILE = "mcreport-countries.js"
FOLDER = "book/countries"


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


def _page_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is not None and app.env.metadata.get(pagename, {}).get("mc_explorer"):
        app.add_js_file(JS_FILE, loading_method="defer")


def setup(app: Sphinx) -> dict:
    app.add_directive("countryexplorer", CountryExplorer)
    app.add_directive("countrylinks", CountryLinks)
    app.connect("html-page-context", _page_script)
    return {"version": "1", "parallel_read_safe": False, "parallel_write_safe": True}
