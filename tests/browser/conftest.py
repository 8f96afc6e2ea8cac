"""The built site in a real browser: fixtures of the ``browser`` session (``scripts/nox -s browser``).

The session sets ``MCREPORT_SITE`` (the built HTML, ``_build/html``) and ``MCREPORT_CHROMIUM``
(Debian's Chromium). Without ``MCREPORT_SITE`` nothing here is collected, so the ordinary test run
never needs a built site or a browser.

The site is served on 127.0.0.1 (compressed as GitHub Pages serves it) and every page is opened
once, in a fresh browser context (an empty cache, as a first visit). Every request to another
origin is recorded and aborted, so a page that would load something from elsewhere fails here
even without network access. The figures of the run (page count, bytes transferred and first
paint of each page) are printed at the end and written to ``_build/browser-report.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from mcreport import site

from ..serving import is_third_party, origin, serve

SITE = os.environ.get("MCREPORT_SITE")
if not SITE:
    collect_ignore_glob = ["test_*.py"]

#: Chromium flags: headless, and no background traffic to Google hosts.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: How long a page may take to load and settle (ms).
TIMEOUT = 30_000
#: axe-core and Lighthouse, installed from tests/browser/package-lock.json (``npm ci``).
NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
#: Pages measured with Lighthouse: the home page, the theme chapters, a knowledge-base table.
LIGHTHOUSE_PAGES = [
    "book/index.html", "book/theme1-mapping.html", "book/theme2-qualifications.html",
    "book/theme3-end-users.html", "book/kb/initiatives.html",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--require-pdf", action="store_true",
                     help=f"a missing {site.PDF_NAME} next to the HTML is a broken link (CI)")


@dataclass
class Visit:
    """One page as the browser showed it."""

    page: str
    url: str = ""
    final: str = ""
    status: int | None = None
    console_errors: list[str] = field(default_factory=list)
    third_party: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    first_paint: float | None = None
    first_contentful_paint: float | None = None
    dom: str = ""


@pytest.fixture(scope="session")
def site_root() -> Path:
    root = Path(SITE or "_build/html").resolve()
    if not (root / "index.html").is_file():
        pytest.fail(f"no built site in {root}: build it first (scripts/nox -s book)")
    return root


@pytest.fixture(scope="session")
def built(site_root) -> site.Site:
    return site.Site(site_root)


@pytest.fixture(scope="session")
def base_url(site_root):
    with serve(site_root) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("MCREPORT_CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.fail("Chromium not found: install the Debian package (apt-get install chromium)")
    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh, temporary profile (user data directory).
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


def open_context(browser, base_url: str, blocked: list[str], **options):
    """A fresh context whose requests to any origin but the local server are recorded and
    aborted."""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT)
    local = origin(base_url)

    def route(route):
        url = route.request.url
        if is_third_party(url, local):
            blocked.append(url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    return context


def visit(browser, base_url: str, page_path: str) -> Visit:
    result = Visit(page=page_path, url=base_url + page_path)
    requests = []
    context = open_context(browser, base_url, result.third_party)
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and result.console_errors.append(
        f"{msg.text} ({msg.location.get('url', '')}:{msg.location.get('lineNumber', '')})"))
    page.on("pageerror", lambda exc: result.console_errors.append(f"uncaught: {exc}"))
    page.on("request", lambda req: requests.append(req))
    page.on("requestfailed", lambda req: not is_third_party(req.url, origin(base_url))
            and result.failed.append(f"{req.url}: {req.failure}"))

    def on_response(response):
        if response.status >= 400:
            result.failed.append(f"{response.url}: HTTP {response.status}")

    page.on("response", on_response)
    try:
        response = page.goto(result.url, wait_until="load")
        page.wait_for_load_state("networkidle")
        result.status = response.status if response else None
        result.final = page.url
        paints = page.evaluate(
            "Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]))")
        result.first_paint = paints.get("first-paint")
        result.first_contentful_paint = paints.get("first-contentful-paint")
        result.dom = page.content()
        for request in requests:
            if is_third_party(request.url, origin(base_url)):
                continue
            if request.url.startswith(("data:", "blob:")):
                continue
            result.requests += 1
            sizes = request.sizes()
            result.bytes += sizes["responseHeadersSize"] + sizes["responseBodySize"]
    finally:
        context.close()
    return result


@pytest.fixture(scope="session")
def crawl(request, browser, base_url, built) -> dict[str, Visit]:
    """Every page of the site, opened once."""
    visits = {name: visit(browser, base_url, name) for name in built.pages()}
    request.config.stash[_VISITS] = visits
    return visits


_VISITS = pytest.StashKey[dict]()
_MEASURED = pytest.StashKey[dict]()


def record(config, kind: str, key, value) -> None:
    """Keep a measurement of the run for the summary (figure text, axe counts, Lighthouse)."""
    config.stash.setdefault(_MEASURED, {}).setdefault(kind, {})[key] = value


def _write_measured(write, measured: dict) -> None:
    for width, fig in sorted(measured.get("figure_text", {}).items()):
        write(f"smallest figure text at {width} px: {fig['smallest_px']:.1f} px "
              f"({fig['figure']} on {fig['page']}; {fig['figures']} figures measured)")
    for scheme, counts in sorted(measured.get("axe", {}).items()):
        write(f"axe-core violations ({scheme} mode, all pages): "
              + ", ".join(f"{impact} {n}" for impact, n in counts.items()))
    for name, lh in measured.get("lighthouse", {}).items():
        if "error" in lh:
            write(f"lighthouse {name}: failed: {lh['error']}")
        else:
            write(f"lighthouse (mobile) {name}: performance {lh['performance']}, "
                  f"LCP {lh['lcp_s']:.2f} s, FCP {lh['fcp_s']:.2f} s, TBT {lh['tbt_ms']} ms, "
                  f"CLS {lh['cls']}")


def _spread(values: list[float]) -> tuple[float, float, float]:
    """(minimum, median, maximum) of per-page measurements."""
    return (min(values), statistics.median(values), max(values)) if values else (0.0, 0.0, 0.0)


def _kb(size: float) -> str:
    return f"{size / 1024:,.0f} kB"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    visits: dict[str, Visit] | None = config.stash.get(_VISITS, None)
    measured = config.stash.get(_MEASURED, {})
    write = terminalreporter.write_line
    if not visits:
        if measured:
            terminalreporter.section("site in the browser")
            _write_measured(write, measured)
        return
    terminalreporter.section("site in the browser")
    write(f"{'page':58} {'requests':>8} {'transferred':>12} {'first paint':>12}")
    for name, v in sorted(visits.items()):
        paint = f"{v.first_paint:,.0f} ms" if v.first_paint is not None else "-"
        write(f"{name[:58]:58} {v.requests:>8} {_kb(v.bytes):>12} {paint:>12}")
    weights = [v.bytes for v in visits.values()]
    paints = [v.first_paint for v in visits.values() if v.first_paint is not None]
    wmin, wmed, wmax = _spread(weights)
    pmin, pmed, pmax = _spread(paints)
    third = sum(len(v.third_party) for v in visits.values())
    errors = sum(len(v.console_errors) for v in visits.values())
    write(f"pages: {len(visits)}; transferred per page: median {_kb(wmed)}, "
          f"max {_kb(wmax)} (min {_kb(wmin)})")
    write(f"first paint: median {pmed:,.0f} ms, max {pmax:,.0f} ms (min {pmin:,.0f} ms)")
    write(f"third-party requests: {third}; console errors: {errors}")
    links = config.stash.get(_LINKS, None)
    if links is not None:
        write(f"links: {links}")
    _write_measured(write, measured)
    out = Path(SITE or "_build/html").resolve().parent / "browser-report.json"
    summary = {
        "pages": len(visits),
        "bytes": {"min": wmin, "median": wmed, "max": wmax},
        "first_paint_ms": {"min": pmin, "median": pmed, "max": pmax},
        "third_party_requests": third, "console_errors": errors, "links": links,
        **measured,
        "per_page": {n: {k: val for k, val in asdict(v).items() if k != "dom"}
                     for n, v in sorted(visits.items())},
    }
    try:
        out.write_text(json.dumps(summary, indent=1), encoding="utf-8")
        write(f"written: {out}")
    except OSError:
        pass


_LINKS = pytest.StashKey[str]()


def note_links(config, text: str) -> None:
    config.stash[_LINKS] = text
