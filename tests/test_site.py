"""The offline site checker and the helpers the browser test shares with it (no browser)."""

from __future__ import annotations

import gzip
import urllib.request
from pathlib import Path

import pytest

from mcreport import site

PAGE = """<!DOCTYPE html><html><head>
<meta http-equiv="refresh" content="0; url=book/index.html">
<link rel="stylesheet" href="_static/style.css?digest=1">
<script src="_static/app.js"></script></head>
<body><section id="intro"><a name="old-anchor"></a>
<a href="#intro">self</a> <a href="book/page.html#part-2">other</a>
<a href="https://example.org/x">ext</a> <a href="mailto:a@b.c">mail</a>
<img src="_images/fig.svg" alt="Bar chart of ...">
<img src="_images/a.png" srcset="_images/a2.png 2x, _images/a3.png 3x">
</section></body></html>"""


def test_parse_page_finds_ids_urls_and_images():
    page = site.parse_page(PAGE)
    assert {"intro", "old-anchor"} <= page.ids
    urls = [r.url for r in page.refs]
    for url in ("book/index.html", "_static/style.css?digest=1", "_static/app.js", "#intro",
                "book/page.html#part-2", "https://example.org/x", "_images/a2.png", "_images/a3.png"):
        assert url in urls
    assert [i.alt for i in page.images] == ["Bar chart of ...", None]


@pytest.mark.parametrize(("url", "page", "expected"), [
    ("#x", "book/a.html", ("book/a.html", "x")),
    ("b.html#sec%20one", "book/a.html", ("book/b.html", "sec one")),
    ("../_static/s.css?v=1", "book/kb/a.html", ("book/_static/s.css", "")),
    ("../../_static/s.css", "book/kb/a.html", ("_static/s.css", "")),
    ("kb/", "book/a.html", ("book/kb/index.html", "")),
    ("./", "index.html", ("index.html", "")),
])
def test_resolve(url, page, expected):
    assert site.resolve(url, page) == expected


@pytest.mark.parametrize("url", ["https://x.org/", "//cdn.org/a.js", "/_static/a.js", "../../a.html"])
def test_resolve_refuses(url):
    with pytest.raises(ValueError):
        site.resolve(url, "book/a.html")


def test_origins():
    local = "http://127.0.0.1:8123"
    assert not site.is_third_party("http://127.0.0.1:8123/_static/a.js", local + "/")
    assert site.is_third_party("http://127.0.0.1:9999/a.js", local)
    assert site.is_third_party("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js", local)
    assert site.is_third_party("https://fonts.googleapis.com/css?family=Lato", local)
    assert not site.is_third_party("data:image/svg+xml;base64,AAAA", local)
    assert not site.is_third_party("blob:http://127.0.0.1:8123/1234", local)


@pytest.mark.parametrize(("alt", "src", "problem"), [
    ("Line chart of adult learning", "_images/a.svg", None),
    (None, "_images/a.svg", "without alt"),
    ("  ", "_images/a.svg", "empty"),
    ("../_images/28cb6a8f.png", "../_images/28cb6a8f.png", "file name"),
    ("chart.svg", "_images/x.svg", "file name"),
])
def test_alt_problem(alt, src, problem):
    found = site.alt_problem(site.Image(src, alt))
    assert (found is None) if problem is None else (problem in found)


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def small_site(tmp_path) -> Path:
    root = tmp_path / "html"
    _write(root, "index.html", '<meta http-equiv="refresh" content="0; url=book/index.html">')
    _write(root, "book/index.html",
           '<h1 id="top">T</h1><a href="ch.html#s1">ok</a><a href="../microcredentials-report.pdf">pdf</a>'
           '<img src="../_images/f.svg" alt="A chart">')
    _write(root, "book/ch.html", '<section id="s1"></section><a href="index.html#top">back</a>'
           '<a href="https://example.org">ext</a>')
    _write(root, "_images/f.svg", "<svg/>")
    _write(root, "_static/webpack-macros.html", '<a href="nowhere.html">not a page</a>')
    return root


def test_check_clean_site_skips_missing_pdf(small_site):
    built = site.Site(small_site)
    assert built.pages() == ["book/ch.html", "book/index.html", "index.html"]
    report = site.check(built)
    assert report.problems == []
    assert [p.url for p in report.skipped] == ["../microcredentials-report.pdf"]
    assert report.external == {"https://example.org"}
    assert report.anchors == 2
    strict = site.check(built, require_optional=True)
    assert [p.url for p in strict.problems] == ["../microcredentials-report.pdf"]
    (small_site / site.PDF_NAME).write_bytes(b"%PDF-1.5")
    assert site.check(built, require_optional=True).problems == []


def test_check_finds_broken_links_anchors_and_alt(small_site):
    _write(small_site, "book/bad.html",
           '<a href="ch.html#nope">a</a><a href="gone.html">b</a><a href="/book/ch.html">c</a>'
           '<img src="../_images/f.svg">')
    report = site.check(site.Site(small_site))
    messages = sorted(p.message for p in report.problems)
    assert len(messages) == 4
    assert any("no anchor #nope" in m for m in messages)
    assert any("book/gone.html does not exist" in m for m in messages)
    assert any("root-relative" in m for m in messages)
    assert any("without alt" in m for m in messages)


def test_check_uses_live_pages_for_anchors(small_site):
    """Anchors added by scripts exist in the live page, not in the file."""
    built = site.Site(small_site)
    live = {name: built.page(name) for name in built.pages()}
    live["book/ch.html"] = site.parse_page('<div id="made-by-script"></div>')
    live["book/index.html"] = site.parse_page('<a href="ch.html#made-by-script">x</a>')
    assert site.check(built, live).problems == []


def test_cli(small_site, capsys):
    assert site.main(["check", str(small_site)]) == 0
    assert "0 problem(s)" in capsys.readouterr().out
    assert site.main(["check", str(small_site), "--require-pdf"]) == 1
    assert site.main(["check", str(small_site / "nothing")]) == 1


def test_serve_compresses_text_like_github_pages(small_site):
    with site.serve(small_site) as url:
        req = urllib.request.Request(url + "book/ch.html", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert b'id="s1"' in gzip.decompress(response.read())
        with urllib.request.urlopen(url + "_images/f.svg") as response:  # no gzip asked
            assert response.headers.get("Content-Encoding") is None
            assert response.headers["Content-Type"] == "image/svg+xml"
            assert response.read() == b"<svg/>"


def test_spread_and_sizes():
    assert site.spread([3, 1, 2]) == (1, 2, 3)
    assert site.spread([]) == (0.0, 0.0, 0.0)
    assert site.kilobytes(2048) == "2 kB"
