"""The web page around the content: light, described and accessible.

- a lighter page (``templates/layout.html``): no icon-font script, the icons drawn by a small
  stylesheet (``static/mcreport-icons.css``), the search index loaded by the search page only;
- every image of a page carries its width and height (no layout shift while it loads), and
  every image after a page's first loads lazily (only when the reader scrolls near it);
- a page loads only what it uses: the theme's stylesheet cut down to the rules whose classes,
  ids and elements appear in the site's pages or scripts (``_static/styles/mcreport-theme.css``,
  written after the pages), the stylesheets and scripts of extensions a page does not use
  (code cells' copy button, toggles, design elements, live code) left out, and the theme's
  scripts deferred (``templates/layout.html``);
- every page has a meta description (its first paragraph) and social-card metadata (Open Graph)
  with a card image drawn locally at build time (``_static/mcreport-card.png``);
- ``sitemap.xml`` lists every page (addresses under ``html_baseurl``);
- search ranks first the page that treats what was searched: the glossary for a glossary term,
  the register of initiatives for an initiative's name, a country's profile for its name (a
  scorer written for Sphinx's search at each build, ``html_search_scorer``);
- no content outside a landmark: the home link of the sidebar is a navigation named "Home"
  (``templates/navbar-logo.html``); empty corner cells of notebook tables are plain cells;
- the bibliography is a list of list items for assistive technology (Sphinx writes
  ``role="list"`` with ``doc-biblioentry`` children, a deprecated role that a list cannot hold);
- the theme's templates are compiled once and kept beside the doctrees (Jinja's bytecode
  cache, which compiles a template again when its source changes), not in every build.
"""

from __future__ import annotations

import hashlib
import html
import pickle
import re
from pathlib import Path
from xml.sax.saxutils import escape

from docutils import nodes
from jinja2 import FileSystemBytecodeCache
from sphinx.application import Sphinx
from sphinx.config import Config

from .. import deps

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
ICONS_CSS = "mcreport-icons.css"
CARD = "mcreport-card.png"
#: Longest meta description (characters), as search engines show them.
DESCRIPTION = 160

_EMPTY_HEADER = re.compile(r"<th>\s*</th>")
_IMG = re.compile(r'<img\b(?P<attrs>[^>]*?)\bsrc="(?P<src>[^"]+)"(?P<rest>[^>]*)>')
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="(?P<w>[\d.]+)(?P<wu>pt|px)?"'
                       r'[^>]*?\bheight="(?P<h>[\d.]+)(?P<hu>pt|px)?"')


def _config_inited(app: Sphinx, config: Config) -> None:
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path.append(str(TEMPLATES))
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def _template_cache(app: Sphinx) -> None:
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is not None:  # the HTML builders' Jinja environment
        folder = Path(app.doctreedir) / "templates"
        folder.mkdir(parents=True, exist_ok=True)
        environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


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


def lazy_images(body: str) -> str:
    """``body`` with ``loading="lazy"`` on every ``<img>`` but the first (which may be the
    largest thing on the first screen and must not wait)."""
    count = 0

    def add(match: re.Match) -> str:
        nonlocal count
        count += 1
        tag = match.group(0)
        if count == 1 or re.search(r"\sloading=", tag):
            return tag
        return tag[:4] + ' loading="lazy"' + tag[4:]

    return _IMG.sub(add, body)


#: Assets of the theme's extensions, by a part of their file name (or of an inline script), and
#: the classes in a page's body that need them; a page whose body has none does without.
OPTIONAL_ASSETS = {
    "copybutton": r"highlight",  # copy button of code cells (copybutton.css/.js)
    "clipboard.min.js": r"highlight",
    "pygments.css": r"highlight",  # colours of code
    "togglebutton": r"toggle|dropdown",  # toggled content (sphinx-togglebutton, its settings)
    "toggleHint": r"toggle|dropdown",
    "toggleOpenOnPrint": r"toggle|dropdown",
    "sphinx-design": r"sd-[\w-]+",  # sphinx-design's cards, grids, tabs
    "design-tabs.js": r"sd-[\w-]+",
    "thebe": r"thebe[\w-]*",  # live code (off in this book)
}


def _uses(body: str, classes: str) -> bool:
    return re.search(r'class="(?:[^"]*\s)?(?:' + classes + r')[\s"]', body) is not None


def needed_assets(assets: list, body: str) -> list:
    """``assets`` (a page's ``css_files`` or ``script_files``) without the optional ones
    (:data:`OPTIONAL_ASSETS`) the page's body does not use."""
    def needed(asset) -> bool:
        name = str(getattr(asset, "filename", None) or "")
        name += str(getattr(asset, "attributes", {}).get("body", ""))
        return all(_uses(body, classes) for key, classes in OPTIONAL_ASSETS.items() if key in name)

    return [asset for asset in assets if needed(asset)]


#: The theme's stylesheet (Bootstrap and the theme, about 400 kB) and the one written from it
#: with only the rules the site can use; the pages link the second (``templates/layout.html``).
THEME_CSS = "styles/pydata-sphinx-theme.css"
SLIM_CSS = "styles/mcreport-theme.css"
_WORD = re.compile(r"[A-Za-z0-9_-]+")
_PSEUDO = re.compile(r"::?[\w-]+(?:\((?:[^()]|\([^()]*\))*\))?")
_ATTRIBUTE = re.compile(r"\[[^\]]*\]")
_NAME = re.compile(r"-?[A-Za-z_][\w-]*")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
#: At-rules whose block holds rules to sort; any other at-rule (fonts, keyframes) is kept whole.
_NESTING = ("@media", "@supports", "@container", "@layer")


def site_words(root: Path, vocabulary: set[str] | None = None, cache: Path | None = None) -> set[str]:
    """Every word (letters, digits, ``-``, ``_``) of the site's pages and scripts, or those of
    ``vocabulary``: the classes, ids and elements the pages have or their scripts may add (the
    search index excepted). ``cache`` keeps each file's words while its size and time hold."""
    known = pickle.loads(cache.read_bytes()) if cache is not None and cache.is_file() else {}
    found: dict[tuple, frozenset[str]] = {}
    for path in [*sorted(root.rglob("*.html")), *sorted((root / "_static").rglob("*.js"))]:
        if path.name != "searchindex.js":
            key = (path.as_posix(), path.stat().st_size, path.stat().st_mtime_ns)
            words = known.get(key)
            if words is None:
                words = set(_WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
                words = frozenset(words if vocabulary is None else words & vocabulary)
            found[key] = words
    if cache is not None:
        cache.write_bytes(pickle.dumps(found))
    return set().union(*found.values())


def _css_items(text: str) -> list[tuple[str, str | None]]:
    """Top-level items of a stylesheet: ``(prelude, block)``, or ``(statement, None)`` for an
    at-rule without a block (``@charset``, ``@import``). Strings and comments are skipped over."""
    items, start, depth, i, n = [], 0, 0, 0, len(text)
    while i < n:
        char = text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if char in "\"'":
            i += 1
            while i < n and text[i] != char:
                i += 2 if text[i] == "\\" else 1
        elif char == "{":
            if depth == 0:
                open_at = i
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                items.append((text[start:open_at], text[open_at + 1:i]))
                start = i + 1
        elif char == ";" and depth == 0:
            items.append((text[start:i + 1], None))
            start = i + 1
        i += 1
    return items


def _selectors(prelude: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in prelude:
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def _may_match(selector: str, words: set[str]) -> bool:
    """Whether every class, id and element a selector requires is among ``words`` (pseudo-classes
    and attribute tests are not required: a state the scripts set, or the dark theme)."""
    bare = _PSEUDO.sub(" ", _ATTRIBUTE.sub(" ", selector))
    return all(name in words for name in _NAME.findall(bare.replace("\\", " ")))


def slim_stylesheet(css: str, words: set[str]) -> str:
    """``css`` with only the rules one of whose selectors may match (:func:`_may_match`), its
    licence comments (``/*! ... */``) kept at the top."""

    def rules(text: str) -> str:
        out = []
        for prelude, block in _css_items(text):
            prelude = _COMMENT.sub("", prelude).strip()
            if block is None or (prelude.startswith("@") and not prelude.startswith(_NESTING)):
                out.append(prelude if block is None else f"{prelude}{{{block}}}")
            elif prelude.startswith("@"):
                inner = rules(block)
                if inner:
                    out.append(f"{prelude}{{{inner}}}")
            else:
                kept = [s for s in _selectors(prelude) if _may_match(s, words)]
                if kept:
                    out.append(f"{','.join(kept)}{{{block}}}")
        return "".join(out)

    notices = list(dict.fromkeys(re.findall(r"/\*!.*?\*/", css, flags=re.DOTALL)))
    body = rules(css)
    charset = re.match(r'\s*(@charset "[^"]*";)', body)
    if charset:
        body = body[charset.end():]
    return (charset.group(1) if charset else "") + "\n".join(notices) + "\n" + body + "\n"


def write_slim_theme(root: Path, state: Path | None = None) -> Path | None:
    """Write :data:`SLIM_CSS` from :data:`THEME_CSS` for the site in ``root``. With a ``state``
    folder (kept between builds), each page's words are read once, and the stylesheet is written
    only when the words the theme's selectors name, or the theme, changed."""
    theme = root / "_static" / THEME_CSS
    if not theme.is_file():
        return None
    out, css = root / "_static" / SLIM_CSS, theme.read_text(encoding="utf-8")
    vocabulary = set(_WORD.findall(css))  # no other word decides whether a rule is kept
    key = hashlib.sha256(css.encode()).hexdigest()
    cache = state / f"mcreport-words-{key[:16]}.pickle" if state is not None else None
    words = site_words(root, vocabulary, cache)
    key += " ".join(sorted(words))
    if _changed(state / "mcreport-slim.key" if state else None, key) or not out.is_file():
        out.write_text(slim_stylesheet(css, words), encoding="utf-8")
    return out


def _changed(stamp: Path | None, key: str) -> bool:
    """Whether what a file is made from (``key``) differs from what ``stamp`` records, which then
    records it; always, without a stamp."""
    if stamp is not None and stamp.is_file() and stamp.read_text(encoding="utf-8") == key:
        return False
    if stamp is not None:
        stamp.write_text(key, encoding="utf-8")
    return True


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


def site_name(app: Sphinx) -> str:
    """The site's name: the book's title (``html_title``), else Sphinx's project name."""
    return (app.config.html_title or app.config.project or "").strip()


def _page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "body" in context:
        body = lazy_images(sized_images(context["body"], _images(app)))
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
        # an empty corner cell of a notebook's table (a data frame's index) heads nothing
        context["body"] = _EMPTY_HEADER.sub("<td></td>", body)
    for key in ("css_files", "script_files"):
        if key in context:
            context[key] = needed_assets(context[key], context.get("body", ""))
    site = site_name(app)
    title = re.sub(r"<[^>]+>", "", context.get("title") or "").strip() or site
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
    lines = textwrap.fill(title, 30, break_on_hyphens=False)
    fig.text(0.06, 0.72, lines, fontsize=40, fontweight="bold", color="#1a1a1a", va="top",
             family="DejaVu Sans", linespacing=1.15)
    fig.text(0.06, 0.16, subtitle, fontsize=22, color="#444444", family="DejaVu Sans")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def _finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out, state = Path(app.outdir), Path(app.doctreedir)
    write_slim_theme(out, state)
    card, stamp = out / "_static" / CARD, state / "mcreport-card.key"  # drawn again on a change
    key = "\n".join([site_name(app), *(deps.file_hash(f) for f in (Path(__file__), PACKAGE / "figures.py"))])
    if _changed(stamp, key) or not card.is_file():
        draw_card(card, site_name(app), "A study report and knowledge base")
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
        try:  # the names are loaded again only when the dataset changed
            from .. import data, datapackage

            key = deps.file_hash(data.data_dir() / datapackage.resource_descriptor(
                "national_initiatives", data.data_dir())["path"])
            if getattr(env, "mcreport_initiatives", (None, []))[0] != key:
                names = [str(n) for n in data.load("national_initiatives")["name"].dropna()]
                env.mcreport_initiatives = (key, names)
            for name in env.mcreport_initiatives[1]:
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

#: The themes bind a sidebar's button (a dialog on a narrow screen, hiding the sidebar on a wide
#: one) to the first button of its kind only, the page header's, which is never shown; the
#: buttons shown above the article did nothing. They now press the first one.
_SIDEBAR_BUTTONS = (
    "document.addEventListener('DOMContentLoaded',()=>['primary','secondary'].forEach(side=>{"
    "const [first,...others]=document.querySelectorAll('.'+side+'-toggle');"
    "others.forEach(b=>b.addEventListener('click',e=>{e.preventDefault();first.click()}))}));")


def setup(app: Sphinx) -> dict:
    app.connect("env-updated", _write_scorer)
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _template_cache)
    app.add_css_file(ICONS_CSS)
    # the theme's toggles of nested navigation sections are icons only: give them a name
    app.add_js_file(None, body=_NAME_TOGGLES)
    # the sidebars' buttons that show on a phone open the sidebars (see _SIDEBAR_BUTTONS)
    app.add_js_file(None, body=_SIDEBAR_BUTTONS)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
