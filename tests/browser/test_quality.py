"""Legibility, accessibility and weight of the built site (``scripts/nox -s browser``).

- Figure text: every text of every figure, as rendered, is at least 10 CSS px on a 390 px
  phone and 12 px on a 1366 px desktop (sizes read from the SVG files, scaled by the width the
  image is drawn at).
- axe-core (the npm package in ``tests/browser``, injected from disk) over every page, in light
  and in dark mode: no critical and no serious violation.
- Weight: a content page transfers at most 400 kB (compressed, first visit).
- Lighthouse (mobile profile) on the home page, the theme chapters and a knowledge-base table
  page: performance score and largest contentful paint are printed, not tested (timings depend
  on the machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from .conftest import LIGHTHOUSE_PAGES, NODE_MODULES, open_context, record

#: Smallest rendered figure text allowed (CSS px) at each viewport width.
MIN_TEXT = {390: 10.0, 1366: 12.0}
#: Most a content page may transfer (bytes, compressed, first visit).
MAX_WEIGHT = 400 * 1024
BLOCKING = ("critical", "serious")
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
LIGHTHOUSE = NODE_MODULES / "lighthouse" / "cli" / "index.js"

#: Font size (CSS px) of every text of every figure, as drawn on the page. Matplotlib writes
#: text either as glyph paths (a group scaled by font size / 100) or as <text> elements.
_FIGURE_TEXT_JS = """
async () => {
  const out = [];
  for (const img of document.querySelectorAll('.bd-article img')) {
    const src = img.currentSrc || img.src;
    if (!src.toLowerCase().split('?')[0].endsWith('.svg')) continue;
    const svg = new DOMParser().parseFromString(await (await fetch(src)).text(), 'image/svg+xml')
      .documentElement;
    const box = (svg.getAttribute('viewBox') || '').split(/[ ,]+/).map(Number);
    const units = box.length === 4 ? box[2] : parseFloat(svg.getAttribute('width'));
    const scale = img.getBoundingClientRect().width / units;
    const sizes = [];
    for (const g of svg.querySelectorAll('g[id^="text_"] g[transform*="scale("]')) {
      const m = /scale\\(\\s*([-\\d.e]+)/.exec(g.getAttribute('transform'));
      if (m) sizes.push(Math.abs(parseFloat(m[1])) * 100);
    }
    for (const t of svg.querySelectorAll('text')) {
      const style = t.getAttribute('style') || '';
      const m = /font(?:-size)?:[^;]*?([\\d.]+)px/.exec(style) || [null, t.getAttribute('font-size')];
      if (m[1]) sizes.push(parseFloat(m[1]));
    }
    if (!sizes.length) continue;
    out.push({src: img.getAttribute('src'), width: img.getBoundingClientRect().width,
              smallest: Math.min(...sizes) * scale, declared: Math.min(...sizes)});
  }
  return out;
}
"""


def _figure_pages(built) -> list[str]:
    return [name for name in built.pages()
            if any("_images/" in src for src, _ in built.page(name).images)]


@pytest.mark.parametrize("width", sorted(MIN_TEXT))
def test_figure_text_is_legible(request, browser, base_url, built, width):
    pages = _figure_pages(built)
    if not pages:
        pytest.skip("no page with figures")
    blocked: list[str] = []
    context = open_context(browser, base_url, blocked, viewport={"width": width, "height": 900})
    found = []
    try:
        page = context.new_page()
        for name in pages:
            page.goto(base_url + name, wait_until="load")
            for fig in page.evaluate(_FIGURE_TEXT_JS):
                found.append((fig["smallest"], name, fig["src"], fig["width"], fig["declared"]))
    finally:
        context.close()
    assert found, "no figure text measured"
    found.sort()
    record(request.config, "figure_text", width,
           {"smallest_px": round(found[0][0], 2), "page": found[0][1], "figure": found[0][2],
            "figures": len(found)})
    small = [f"{n}: {s} drawn {w:.0f} px wide: {px:.1f} px text ({pt:.1f} pt in the file)"
             for px, n, s, w, pt in found if px < MIN_TEXT[width] - 0.05]
    assert not blocked, blocked
    assert not small, (f"figure text below {MIN_TEXT[width]} px at {width} px:\n  "
                       + "\n  ".join(small))


@pytest.fixture(scope="session")
def axe_script() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} missing: run `npm ci` in tests/browser (the browser session does)")
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe(request, browser, base_url, built, axe_script, scheme):
    """axe-core's WCAG 2 A/AA and best-practice rules on every page."""
    blocked: list[str] = []
    context = open_context(browser, base_url, blocked, color_scheme=scheme,
                           viewport={"width": 1366, "height": 900})
    counts = {"critical": 0, "serious": 0, "moderate": 0, "minor": 0}
    blocking = []
    try:
        page = context.new_page()
        for name in built.pages():
            page.goto(base_url + name, wait_until="load")
            page.wait_for_load_state("networkidle")
            if page.url.split("#")[0] != base_url + name:
                continue  # a redirect page
            page.add_script_tag(content=axe_script)
            violations = page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
                " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3), count: v.nodes.length}))")
            for v in violations:
                counts[v["impact"] or "minor"] += v["count"]
                if v["impact"] in BLOCKING:
                    blocking.append(f"{name}: {v['impact']} {v['id']} x{v['count']} ({v['help']}): "
                                    f"{'; '.join(v['nodes'])}")
    finally:
        context.close()
    record(request.config, "axe", scheme, counts)
    assert not blocked, blocked
    assert not blocking, f"{len(blocking)} critical or serious axe violation(s) in {scheme} mode:\n  " + \
        "\n  ".join(blocking[:60])


def _content_page(name: str) -> bool:
    return name.startswith(("book/", "analysis/")) and not name.endswith("search.html")


def test_page_weight(crawl):
    heavy = [f"{v.page}: {v.bytes / 1024:,.0f} kB" for v in crawl.values()
             if _content_page(v.page) and v.bytes > MAX_WEIGHT]
    assert not heavy, f"pages over {MAX_WEIGHT // 1024} kB transferred:\n  " + "\n  ".join(heavy)


def test_lighthouse(request, base_url, built):
    """Lighthouse's mobile profile (simulated slow 4G and a slower CPU); printed, not tested."""
    if os.environ.get("MCREPORT_LIGHTHOUSE", "1") == "0":
        pytest.skip("MCREPORT_LIGHTHOUSE=0")
    if not LIGHTHOUSE.is_file():
        pytest.fail(f"{LIGHTHOUSE} missing: run `npm ci` in tests/browser (the browser session does)")
    chromium = os.environ.get("MCREPORT_CHROMIUM") or "/usr/bin/chromium"
    flags = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
             "--disable-component-update --disable-sync --no-first-run")
    with tempfile.TemporaryDirectory() as tmp:
        for name in LIGHTHOUSE_PAGES:
            if not built.exists(name):
                continue
            out = Path(tmp) / "report.json"
            run = subprocess.run(
                ["node", str(LIGHTHOUSE), base_url + name, "--quiet", "--output=json",
                 f"--output-path={out}", "--only-categories=performance",
                 f"--chrome-flags={flags}", "--form-factor=mobile"],
                env={**os.environ, "CHROME_PATH": chromium}, capture_output=True, text=True,
                timeout=300, check=False)
            if run.returncode or not out.is_file():
                record(request.config, "lighthouse", name, {"error": run.stderr[-300:]})
                continue
            report = json.loads(out.read_text(encoding="utf-8"))
            audits = report["audits"]
            record(request.config, "lighthouse", name, {
                "performance": round(100 * (report["categories"]["performance"]["score"] or 0)),
                "lcp_s": round(audits["largest-contentful-paint"]["numericValue"] / 1000, 2),
                "fcp_s": round(audits["first-contentful-paint"]["numericValue"] / 1000, 2),
                "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
                "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
            })
