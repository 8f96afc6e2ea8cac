"""The web page around the content: light, described and accessible.

- a lighter page (``templates/layout.html``): no icon-font script, the icons drawn by a small
  stylesheet (``static/mcreport-icons.css``), the search index loaded by the search page only;
- every image of a page carries its width and height (no layout shift while it loads);
- every page has a meta description (its first paragraph) and social-card metadata (Open Graph)
  with a card image drawn locally at build time (``_static/mcreport-card.png``);
- ``sitemap.xml`` lists every page (addresses under ``html_baseurl``);
- search ranks first the page that treats what was searched: the glossary for a glossary term,
  the register of initiatives for an initiative's name, a country's profile for its name (a
  scorer written for Sphinx's search at each build, ``html_search_scorer``);
- the bibliography is a list of list items for assistive technology (Sphinx writes
  ``role="list"`` with ``doc-biblioentry`` children, a deprecated role that a list cannot hold).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from xml.sax.saxutils import escape

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
ICONS_CSS = "mcreport-icons.css"
CARD = "mcreport-card.png"
#: Longest meta description (characters), as search engines show them.
DESCRIPTION = 160

_IMG = re.compile(r'<img\b(?P<attrs>[^>]*?)\bsrc="(?P<src>[^"]+)"(?P<rest>[^>]*)>')
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="(?P<w>[\d.]+)(?P<wu>pt|px)?"'
                       r'[^>]*?\bheight="(?P<h>[\d.]+)(?P<hu>pt|px)?"')


def _config_inited(app: Sphinx, config: Config) -> None:
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path.append(str(TEMPLATES))
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def svg_size(text: str) -> tuple[int, int] | None:
    """CSS pixel size of an SVG from its root ``width`` and ``height`` (points or pixels)."""
    match = _SVG_SIZE.search(text[:4000])
    if not match:
        return None
    factor = 96 / 72 if match["wu"] == "pt" else 1.0
    return round(float(match["w"]) * factor), round(float(match["h"]) * factor)


def image_size(path: Path) -> tuple[int, int] | None:
    if path.suffix.lower() == ".svg":
        return svg_size(path.read_text(encoding="utf-8", errors="replace"))
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return None
    try:
        with Image.open(path) as image:
            return image.size
    except OSError:
        return None


def sized_images(body: str, sizes: dict[str, tuple[int, int]]) -> str:
    """``body`` with ``width`` and ``height`` on every ``<img>`` whose file name is in ``sizes``
    and that has neither yet."""

    def add(match: re.Match) -> str:
        tag = match.group(0)
        if re.search(r'\s(width|height)=', tag):
            return tag
        size = sizes.get(match["src"].rsplit("/", 1)[-1])
        if not size:
            return tag
        return tag[:4] + f' width="{size[0]}" height="{size[1]}"' + tag[4:]

    return _IMG.sub(add, body)


def describe(doctree: nodes.document | None, fallback: str) -> str:
    """The page's first paragraph of prose, shortened at a word, for the meta description."""
    if doctree is not None:
        for para in doctree.findall(nodes.paragraph):
            if para.next_node(nodes.Admonition, include_self=False, descend=False, ascend=False):
                continue
            if any(isinstance(a, (nodes.table, nodes.field_list, nodes.footer)) for a in _ancestors(para)):
                continue
            text = " ".join(para.astext().split())
            if len(text) >= 60:
                return shorten(text)
    return shorten(fallback)


def _ancestors(node: nodes.Node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def shorten(text: str, limit: int = DESCRIPTION) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "\u2026"


def _images(app: Sphinx) -> dict[str, tuple[int, int]]:
    """Size of every image the builder has copied so far, by its name in ``_images`` (the
    builder adds a page's images before it writes the page)."""
    cache = app.builder.__dict__.setdefault("_mcreport_image_sizes", {})
    for source, name in getattr(app.builder, "images", {}).items():
        if name not in cache:
            cache[name] = image_size(Path(app.srcdir) / source)
    return {name: size for name, size in cache.items() if size}


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "body" in context:
        body = sized_images(context["body"], _images(app))
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
        context["body"] = body
    title = re.sub(r"<[^>]+>", "", context.get("title") or "").strip() or app.config.project
    site = app.config.project
    description = describe(doctree, f"{title}: part of {site}." if title != site else site)
    base = (app.config.html_baseurl or "").rstrip("/") + "/"
    meta = [
        f'<meta name="description" content="{html.escape(description)}" />',
        '<meta property="og:type" content="website" />',
        f'<meta property="og:site_name" content="{html.escape(site)}" />',
        f'<meta property="og:title" content="{html.escape(title)}" />',
        f'<meta property="og:description" content="{html.escape(description)}" />',
        '<meta name="twitter:card" content="summary_large_image" />',
    ]
    if app.config.html_baseurl:
        meta += [
            f'<meta property="og:url" content="{html.escape(base + pagename + ".html")}" />',
            f'<meta property="og:image" content="{html.escape(base + "_static/" + CARD)}" />',
            '<meta property="og:image:width" content="1200" />',
            '<meta property="og:image:height" content="630" />',
            f'<meta property="og:image:alt" content="{html.escape(site)}" />',
        ]
    context["metatags"] = context.get("metatags", "") + "\n" + "\n".join(meta) + "\n"


def draw_card(path: Path, title: str, subtitle: str) -> None:
    """The social card: the report's title on the colours of its figures (1200 x 630 px)."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..figures import PALETTE

    fig = plt.figure(figsize=(12, 6.3), dpi=100)
    fig.patch.set_facecolor("#ffffff")
    for i, colour in enumerate(PALETTE[:6]):
        fig.add_artist(plt.Rectangle((i / 6, 0), 1 / 6, 0.05, color=colour, transform=fig.transFigure))
    fig.text(0.06, 0.72, textwrap.fill(title, 34), fontsize=40, fontweight="bold", color="#1a1a1a",
             va="top", family="DejaVu Sans", linespacing=1.15)
    fig.text(0.06, 0.16, subtitle, fontsize=22, color="#444444", family="DejaVu Sans")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def _finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    draw_card(out / "_static" / CARD, app.config.project, "A study report and knowledge base")
    base = (app.config.html_baseurl or "").rstrip("/") + "/"
    if app.config.html_baseurl:
        urls = "".join(f"  <url><loc>{escape(base + app.builder.get_target_uri(doc))}</loc></url>\n"
                       for doc in sorted(app.env.found_docs))
        (out / "sitemap.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{urls}</urlset>\n", encoding="utf-8")
        (out / "robots.txt").write_text(f"User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n",
                                        encoding="utf-8")


#: Page that lists every initiative of the register (``national_initiatives``).
INITIATIVES_PAGE = "book/kb/initiatives"
COUNTRIES = "book/countries/"
_SCORER = """// Sphinx search scorer of the report (written by mcreport.sphinxext.webpage at each build):
// Sphinx's default weights, and the page that treats a searched term ranked first.
var MC_TREATS = %s;
var Scorer = {
  objNameMatch: 11, objPartialMatch: 6, objPrio: {0: 15, 1: 5, 2: -5}, objPrioDefault: 0,
  title: 15, partialTitle: 7, term: 5, partialTerm: 2,
  score: (result) => {
    const query = (new URLSearchParams(window.location.search).get("q") || "")
      .trim().toLowerCase().replace(/\\s+/g, " ");
    const page = MC_TREATS[query];
    return page !== undefined && result[0] === page ? result[4] + 1000 : result[4];
  },
};
"""


def treated_by(app: Sphinx, env) -> dict[str, str]:
    """Search query (lower case) -> the page that treats it."""
    treats: dict[str, str] = {}
    if INITIATIVES_PAGE in env.found_docs:
        try:
            from .. import data

            for name in data.load("national_initiatives")["name"].dropna():
                short = str(name).split(" (")[0].strip().lower()
                treats.setdefault(short, INITIATIVES_PAGE)
                treats.setdefault(str(name).strip().lower(), INITIATIVES_PAGE)
        except Exception:  # noqa: BLE001 - a missing dataset only leaves the default ranking
            pass
    for doc in sorted(env.found_docs):
        if doc.startswith(COUNTRIES) and doc in env.titles:
            title = env.titles[doc].astext().split(":")[0].strip().lower()
            if title:
                treats[title] = doc
    for name, _, kind, doc, _, _ in env.get_domain("std").get_objects():
        if kind == "term":
            treats[name.lower()] = doc
    return treats


def _write_scorer(app: Sphinx, env) -> None:
    import json

    path = Path(app.doctreedir) / "mcreport-search-scorer.js"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_SCORER % json.dumps(treated_by(app, env), sort_keys=True, ensure_ascii=False),
                    encoding="utf-8")
    app.config.html_search_scorer = str(path)


_NAME_TOGGLES = (
    "document.addEventListener('DOMContentLoaded',()=>document.querySelectorAll('summary')"
    ".forEach(s=>{if(!s.textContent.trim())s.setAttribute('aria-label',"
    "'Show or hide the pages of this section')}));")


def setup(app: Sphinx) -> dict:
    app.connect("env-updated", _write_scorer)
    app.connect("config-inited", _config_inited)
    app.add_css_file(ICONS_CSS)
    # the theme's toggles of nested navigation sections are icons only: give them a name
    app.add_js_file(None, body=_NAME_TOGGLES)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
