"""Secondhand figures are labelled on the published pages: every data table shows as many rows
marked secondhand (or partly secondhand) as its dataset holds, and says so in words."""

from __future__ import annotations

from collections import defaultdict

from bs4 import BeautifulSoup

from mcreport.data import load, resources

PREFIX = "mc-datatable-"
SECONDHAND = {"secondhand", "partly-secondhand"}


def _tables(site_root):
    found = defaultdict(list)
    for page in sorted(site_root.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for box in soup.select("div.mc-datatable"):
            names = [c[len(PREFIX):] for c in box["class"] if c.startswith(PREFIX)]
            if names:
                found[names[0].replace("-", "_")].append((page.relative_to(site_root), box))
    return found


def test_secondhand_rows_are_labelled_on_the_pages(site_root):
    tables = _tables(site_root)
    assert tables, "no data table found in the built site"
    known = set(resources())
    checked = 0
    for name, places in tables.items():
        assert name in known, f"table of unknown dataset {name!r} on {places[0][0]}"
        frame = load(name)
        expected = int(frame["status"].isin(SECONDHAND).sum())
        for page, box in places:
            rows = box.select("tbody tr")
            if len(rows) != len(frame):
                continue  # a filtered view; the full tables are checked
            marked = box.select("tbody tr.mc-secondhand")
            assert len(marked) == expected, f"{page}: {name}: {len(marked)} rows marked, {expected} expected"
            for row in marked:
                assert "secondhand" in row.get_text(" ").lower(), f"{page}: {name}: label not written"
            checked += 1
    assert checked, "no full data table was checked"
