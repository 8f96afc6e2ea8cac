"""The country profiles on the built site: values equal the data, every profile is reachable,
and the ranked chart of the Countries page works with the keyboard."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from .conftest import open_context

REPO = Path(__file__).resolve().parents[2]
INDEX = "book/countries/index.html"
TITLE = "Adults in education or training, last four weeks (25-74)"


def _latest(dataset: str, geo: str) -> tuple[str, str] | None:
    """(value, year) of the latest row of ``geo``, read from the CSV file on its own."""
    with open(REPO / "data" / f"{dataset}.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["geo"] == geo and r["value"]]
    if not rows:
        return None
    last = max(rows, key=lambda r: int(r["year"]))
    value = float(last["value"])
    text = str(int(value)) if value.is_integer() else str(value)
    return text, last["year"]


def _soup(site_root: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site_root / page).read_text(encoding="utf-8"), "html.parser")


def _profiles(built) -> list[str]:
    return sorted(p for p in built.pages() if p.startswith("book/countries/") and p != INDEX)


def test_every_profile_is_reachable_from_the_countries_page(built, site_root):
    if not built.exists(INDEX):
        pytest.skip("no Countries part in this build")
    links = {a["href"].split("#")[0] for a in _soup(site_root, INDEX).select("article a[href]")}
    profiles = _profiles(built)
    assert len(profiles) >= 31  # EU-27, IS, NO, CH, UK
    missing = [p for p in profiles if Path(p).name not in links]
    assert not missing, f"not linked from the Countries page: {missing}"


def test_every_profile_is_linked_from_a_chapter(built, site_root):
    linked: set[str] = set()
    for page in ("book/theme3-end-users.html", "book/theme2-qualifications.html"):
        if built.exists(page):
            for a in _soup(site_root, page).select("p.mc-country-links a[href]"):
                linked.add(Path(a["href"].split("#")[0]).name)
    missing = [p for p in _profiles(built) if Path(p).name not in linked]
    assert not missing, f"no chapter links to: {missing}"


@pytest.mark.parametrize("geo", ["AT", "SE", "TR", "IS", "UK"])
def test_headline_cells_equal_the_data(built, site_root, geo):
    page = f"book/countries/{geo.lower()}.html"
    if not built.exists(page):
        pytest.skip(f"{page} is not part of this build")
    rows = [[c.get_text(" ", strip=True) for c in tr.find_all("td")]
            for tr in _soup(site_root, page).select("table tbody tr")]
    row = next(r for r in rows if r and r[0].startswith(TITLE))
    expected = _latest("adult_participation_25_74", geo)
    if expected is None:
        assert row[1] == "no data" and "not covered" in row[6]
    else:
        assert (row[1], row[2]) == (f"{expected[0]} %", expected[1])


def test_overview_table_equals_the_data(built, site_root):
    if not built.exists(INDEX):
        pytest.skip("no Countries part in this build")
    table = _soup(site_root, INDEX).select_one("div.mc-countries-table table")
    heads = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    col = next(i for i, h in enumerate(heads) if h.startswith(TITLE))
    for tr in table.select("tbody tr"):
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        expected = _latest("adult_participation_25_74", cells[1])
        assert cells[col] == (f"{expected[0]} %" if expected else "no data"), cells[1]


def test_explorer_with_the_keyboard(browser, base_url, built):
    if not built.exists(INDEX):
        pytest.skip("no Countries part in this build")
    blocked: list[str] = []
    context = open_context(browser, base_url, blocked)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base_url + INDEX)
        select = page.locator("div.mc-explorer select")
        select.focus()
        page.keyboard.press("ArrowDown")  # the next indicator, chosen with the keyboard
        rows = page.locator("div.mc-explorer a.mc-explorer-row")
        assert rows.count() > 10
        rows.first.focus()
        page.keyboard.press("ArrowDown")
        info = page.locator("div.mc-explorer p.mc-explorer-info").inner_text()
        label = rows.nth(1).get_attribute("aria-label")
        assert info and info in label and "flags:" in info
        focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert focused == label
        assert not errors and not blocked
    finally:
        context.close()


def test_explorer_script_is_small_and_on_one_page(site_root, built):
    script = site_root / "_static" / "mcreport-countries.js"
    assert script.stat().st_size < 150_000
    users = [p for p in built.pages()
             if "mcreport-countries.js" in (site_root / p).read_text(encoding="utf-8")]
    assert users == ([INDEX] if built.exists(INDEX) else [])
