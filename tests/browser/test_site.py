"""Every page of the built site in headless Chromium (``scripts/nox -s browser``).

Each page loads, logs no console error, requests nothing from another origin and shows only images
with alt text; search finds known pages; figures stay readable on a narrow screen and in dark mode.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest

from mcreport import site

from .conftest import open_context

#: A search for the term must list the page (terms of stable chapter text).
SEARCHES = [
    ("pandemic", "book/theme3-end-users.html"),
    ("Frictionless", "book/kb/catalogue.html"),
]
#: A phone-sized screen.
NARROW = {"width": 360, "height": 740}
#: Resolves once an image has loaded (or failed): a lazy image starts when scrolled to.
_LOADED_JS = """el => el.complete && el.naturalWidth > 0 ? true : new Promise(done => {
  el.addEventListener('load', () => done(true), {once: true});
  el.addEventListener('error', () => done(false), {once: true});
})"""


def _listing(items: list[str], limit: int = 40) -> str:
    shown = "\n  ".join(items[:limit])
    more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
    return f"\n  {shown}{more}"


def test_every_page_loads(crawl):
    bad = [f"{v.page}: HTTP {v.status}" for v in crawl.values() if v.status != 200]
    bad += [f"{v.page}: {failure}" for v in crawl.values() for failure in v.failed]
    assert not bad, "pages or their files did not load:" + _listing(bad)


def test_no_console_errors(crawl):
    errors = [f"{v.page}: {e}" for v in crawl.values() for e in v.console_errors]
    assert not errors, f"{len(errors)} console error(s):" + _listing(errors)


def test_nothing_loaded_from_other_sites(crawl):
    requests = [f"{v.page}: {url}" for v in crawl.values() for url in v.third_party]
    assert not requests, f"{len(requests)} request(s) to other origins:" + _listing(requests)


def test_alt_texts_and_origins_on_live_pages(request, crawl, built):
    """The live pages (after their scripts ran) checked as the build checks the files: alt texts,
    nothing loaded from another origin. Links and anchors: the ``linkcheck`` session."""
    bad = [f"{v.page}: {p}" for v in crawl.values() for p in site.problems(site.Page(v.dom))]
    if request.config.getoption("--require-pdf") and not built.exists(site.PDF_NAME):
        bad.append(f"{site.PDF_NAME} is not next to the HTML")
    assert not bad, f"{len(bad)} problem(s):" + _listing(bad)


def test_every_icon_has_its_glyph(built):
    """Icons are masks drawn by ``mcreport-icons.css``: an icon class without its rule there shows
    as a filled square (the sidebar's section toggles once did)."""
    css = (built.root / "_static" / "mcreport-icons.css").read_text(encoding="utf-8")
    drawn = set(re.findall(r"\.(fa-[a-z0-9-]+)\s*\{", css))
    used = {name for page in built.pages() for name in re.findall(
        r"\b(fa-[a-z0-9-]+)", " ".join(re.findall(r'class="([^"]*)"', (built.root / page).read_text(
            encoding="utf-8"))))}
    missing = sorted(used - drawn - {"fa-solid", "fa-regular", "fa-brands", "fa-lg", "fa-fw"})
    assert not missing, f"icons without a glyph in mcreport-icons.css: {', '.join(missing)}"


@pytest.mark.parametrize(("term", "expected"), SEARCHES)
def test_search_finds_page(browser, base_url, built, term, expected):
    if not built.exists(expected):
        pytest.skip(f"{expected} is not part of this build")
    blocked: list[str] = []
    context = open_context(browser, base_url, blocked)
    try:
        page = context.new_page()
        page.goto(base_url + "book/index.html")
        # as a reader does: open the search field, type, press Enter
        page.keyboard.press("Control+k")
        field = page.locator("form.bd-search input[name=q]").first
        field.wait_for(state="visible")
        field.fill(term)
        field.press("Enter")
        page.wait_for_url("**/search.html?q=*")
        page.locator("#search-results ul.search li a").first.wait_for()
        found = page.locator("#search-results ul.search li a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))")
    finally:
        context.close()
    targets = {urlsplit(href).path for href in found}  # relative to search.html, at the root
    assert expected in targets, f"search for {term!r} did not list {expected}: {sorted(targets)}"
    assert not blocked


def _figure_pages(built) -> list[str]:
    return [name for name in built.pages()
            if any("_images/" in src for src, _ in built.page(name).images)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_figures_on_a_narrow_screen(browser, base_url, built, scheme):
    """On a 360 px screen no page scrolls sideways, every figure fits the screen, and every
    figure is drawn in the page's mode: a light background in light mode, a dark one in dark
    mode (its text and marks are redrawn with AA contrast by mcreport.figures)."""
    pages = _figure_pages(built)
    if not pages:
        pytest.skip("no page with figures")
    blocked: list[str] = []
    context = open_context(browser, base_url, blocked, viewport=NARROW, color_scheme=scheme)
    problems = []
    try:
        page = context.new_page()
        for name in pages:
            page.goto(base_url + name, wait_until="load")
            page.wait_for_load_state("networkidle")
            mode = page.evaluate("document.documentElement.dataset.theme")
            if mode != scheme:
                problems.append(f"{name}: shown in {mode!r} mode, not {scheme!r}")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 1:
                problems.append(f"{name}: the page scrolls sideways by {overflow} px")
            for index, img in enumerate(page.locator(".bd-article img").all()):
                src = img.get_attribute("src")
                # the figure's foot at the foot of the screen (a tall figure's top may be off
                # screen, and the sticky header covers the top of the screen)
                img.evaluate("el => el.scrollIntoView({block: 'end'})")
                # figures after a page's first load lazily: once scrolled to
                img.evaluate(_LOADED_JS)
                box = img.bounding_box()
                if box["width"] > NARROW["width"] + 0.5:
                    problems.append(f"{name}: {src} is {box['width']:.0f} px wide")
                shot = page.screenshot(clip={"x": box["x"] + 2, "y": box["y"] + box["height"] - 5,
                                             "width": 3, "height": 3})
                light = _lightness(shot)
                if (scheme == "light" and light < 200) or (scheme == "dark" and light > 80):
                    problems.append(f"{name}: figure {index + 1} ({src}) has a background of "
                                    f"lightness {light:.0f} in {scheme} mode")
    finally:
        context.close()
    assert not blocked, blocked
    assert not problems, _listing(problems)


def _lightness(png: bytes) -> float:
    """Mean of the R, G and B values of a small screenshot."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        pixels = list(image.convert("RGB").getdata())
    return sum(sum(p) for p in pixels) / (3 * len(pixels))


def _queries(built) -> list[tuple[str, str]]:
    """(query, page that treats it): every glossary term (the glossary), every initiative's name
    (the register of initiatives) and every country with a profile page (its profile)."""
    import csv

    from bs4 import BeautifulSoup

    from mcreport.paths import data_dir

    queries = []
    if built.exists("book/kb/glossary.html"):
        soup = BeautifulSoup((built.root / "book/kb/glossary.html").read_text(encoding="utf-8"),
                             "html.parser")
        for term in soup.select("dl.glossary > dt"):
            queries.append((term.get_text(" ", strip=True).rstrip("\u00b6# ").strip(),
                            "book/kb/glossary.html"))
    if built.exists("book/kb/initiatives.html"):
        with (data_dir() / "kb" / "national_initiatives.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                name = row["name"].split(" (")[0].strip()
                queries.append((name, "book/kb/initiatives.html"))
    for page in built.pages():
        if page.startswith("book/countries/") and not page.endswith("index.html"):
            heading = BeautifulSoup((built.root / page).read_text(encoding="utf-8"),
                                    "html.parser").select_one("article h1")
            if heading is not None:
                title = heading.get_text(" ", strip=True).rstrip("\u00b6# ").strip()
                queries.append((title.split(":")[0].strip(), page))
    return queries


def test_search_ranks_the_page_that_treats_it_first(browser, base_url, built):
    queries = _queries(built)
    if not queries:
        pytest.skip("no glossary, register or country page in this build")
    blocked: list[str] = []
    context = open_context(browser, base_url, blocked)
    wrong = []
    try:
        page = context.new_page()
        for query, expected in queries:
            page.goto(base_url + "search.html?q=" + quote(query), wait_until="load")
            page.wait_for_function(
                "document.querySelector('#search-results ul.search li a') !== null ||"
                " /finished|no results|did not match/i.test("
                "(document.querySelector('#search-results') || {}).textContent || '')")
            first = page.evaluate("(document.querySelector('#search-results ul.search li a')"
                                  " || {getAttribute: () => ''}).getAttribute('href')")
            target = urlsplit(first).path if first else "(nothing)"
            if target != expected:
                wrong.append(f"{query!r}: first {target}, expected {expected}")
    finally:
        context.close()
    assert not blocked, blocked
    assert not wrong, f"{len(wrong)} of {len(queries)} searches rank another page first:" + \
        _listing(wrong)


def test_page_data_box_downloads(crawl, base_url):
    """Every file the "Data and code behind this page" box lists is a link that downloads."""
    from urllib.parse import urljoin
    from urllib.request import urlopen

    from bs4 import BeautifulSoup

    links, bad = {}, []
    for v in crawl.values():
        for box in BeautifulSoup(v.dom, "html.parser").select(".mc-page-data"):
            items = box.select("li")
            bad += [f"{v.page}: {li.get_text(' ', strip=True)!r} is not a link"
                    for li in items if li.find("a", href=True) is None]
            for a in box.select("a[href]"):
                links.setdefault(urljoin(v.final or v.url, a["href"]).split("#")[0], v.page)
    assert links, "no page-data box found"
    for url, page in sorted(links.items()):
        with urlopen(url) as reply:  # the local server only
            if reply.status != 200 or not reply.read(1):
                bad.append(f"{page}: {url}: HTTP {reply.status} or empty")
    assert not bad, f"{len(bad)} listed file(s) that do not download:" + _listing(bad)


def test_sidebar_buttons_work_on_a_phone_and_a_desktop(browser, base_url, built):
    """On a phone the visible navigation and contents buttons open their sidebar (a dialog);
    on a desktop the navigation button hides and shows the sidebar beside the text."""
    name = "book/theme1-mapping.html"
    if not built.exists(name):
        pytest.skip(f"{name} is not part of this build")
    blocked: list[str] = []
    problems = []
    for viewport in (NARROW, {"width": 1366, "height": 900}):
        context = open_context(browser, base_url, blocked, viewport=viewport)
        try:
            page = context.new_page()
            for side, label in (("primary", "navigation"), ("secondary", "contents")):
                page.goto(base_url + name, wait_until="load")
                page.wait_for_load_state("networkidle")
                button = page.locator(f".{side}-toggle").locator("visible=true")
                if not button.count():
                    continue  # the contents sit beside the text on a desktop
                button.first.click()
                page.wait_for_timeout(300)
                if viewport is NARROW:
                    opened = page.evaluate(f"document.querySelector('#pst-{side}-sidebar-modal').open")
                    links = page.locator(f"#pst-{side}-sidebar-modal a").locator("visible=true").count()
                    if not opened or not links:
                        problems.append(f"{viewport['width']} px: the {label} button opens no sidebar")
                else:
                    hidden = page.evaluate(
                        f"document.querySelector('#pst-{side}-sidebar').classList.contains('pst-sidebar-hidden')")
                    if not hidden:
                        problems.append(f"{viewport['width']} px: the {label} button hides no sidebar")
        finally:
            context.close()
    assert not blocked, blocked
    assert not problems, _listing(problems)
