"""Every page of the built site in headless Chromium (``scripts/nox -s browser``).

Each page loads, logs no console error, requests nothing from another origin, shows only images
with alt text, and links only to files and anchors that exist; search finds known pages; figures
stay readable on a narrow screen and in dark mode.
"""

from __future__ import annotations

import pytest

from mcreport import site

from .conftest import note_links, open_context

#: A search for the term must list the page (terms of stable chapter text).
SEARCHES = [
    ("pandemic", "book/theme3-end-users.html"),
    ("Frictionless", "book/kb/catalogue.html"),
]
#: A phone-sized screen.
NARROW = {"width": 360, "height": 740}


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


def test_links_anchors_and_alt_texts(request, crawl, built, base_url):
    """The live pages (after their scripts ran) checked with the offline link checker."""
    pages = {}
    for name, v in crawl.items():
        if v.final.split("#")[0] != v.url:  # a redirect page: check the file as written
            pages[name] = built.page(name)
        else:
            pages[name] = site.parse_page(v.dom)
    report = site.check(built, pages, require_optional=request.config.getoption("--require-pdf"))
    note_links(request.config, report.summary())
    assert not report.problems, f"{len(report.problems)} problem(s):" + _listing(
        [str(p) for p in report.problems])


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
    targets = {site.resolve(href, "search.html")[0] for href in found}
    assert expected in targets, f"search for {term!r} did not list {expected}: {sorted(targets)}"
    assert not blocked


def _figure_pages(built) -> list[str]:
    return [name for name in built.pages()
            if any("_images/" in img.src for img in built.page(name).images)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_figures_on_a_narrow_screen(browser, base_url, built, scheme):
    """On a 360 px screen no page scrolls sideways, every figure fits the screen, and every
    figure has an opaque light background, so its dark text stays readable in dark mode."""
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
            for fig in page.evaluate(_FIGURES_JS):
                if fig["width"] > NARROW["width"] + 0.5:
                    problems.append(f"{name}: {fig['src']} is {fig['width']:.0f} px wide")
                if fig["alpha"] < 255 or fig["light"] < 200:
                    problems.append(f"{name}: {fig['src']} has no opaque light background "
                                    f"(corner alpha {fig['alpha']}, lightness {fig['light']:.0f})")
    finally:
        context.close()
    assert not blocked, blocked
    assert not problems, _listing(problems)


#: Rendered width of each content figure, and the colour of its top-left corner (drawn on a
#: canvas: an SVG with a transparent background has alpha 0 there).
_FIGURES_JS = """
() => Array.from(document.querySelectorAll('.bd-article img')).map(img => {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, img.naturalWidth); canvas.height = Math.max(1, img.naturalHeight);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const [r, g, b, a] = ctx.getImageData(2, 2, 1, 1).data;
  return {src: img.getAttribute('src'), width: img.getBoundingClientRect().width,
          alpha: a, light: (r + g + b) / 3};
})
"""
