"""The site checks (the build's own, and LinkChecker in the ``linkcheck`` session) and the helpers
the browser test shares with them (no browser)."""

from __future__ import annotations

import gzip
import urllib.request
from pathlib import Path

import pytest

from mcreport import site

from .serving import is_third_party, serve

PAGE = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="_static/style.css?digest=1"><link rel="canonical" href="https://x.org/">
<script src="_static/app.js"></script></head>
<body><a href="https://example.org/x">ext</a> <a href="mailto:a@b.c">mail</a>
<img src="_images/fig.svg" alt="Bar chart of ...">
<img src="_images/a.png" srcset="_images/a2.png 2x, _images/a3.png 3x">
</body></html>"""


def test_page_finds_loaded_urls_and_images():
    page = site.Page(PAGE)
    assert page.loaded == ["_static/style.css?digest=1", "_static/app.js", "_images/fig.svg",
                           "_images/a.png", "_images/a2.png", "_images/a3.png"]
    assert [alt for _, alt in page.images] == ["Bar chart of ...", None]
    assert site.problems(page) == ["_images/a.png: image without alt text"]


def test_origins():
    local = "http://127.0.0.1:8123"
    assert not is_third_party("http://127.0.0.1:8123/_static/a.js", local + "/")
    assert is_third_party("http://127.0.0.1:9999/a.js", local)
    assert is_third_party("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js", local)
    assert not is_third_party("data:image/svg+xml;base64,AAAA", local)
    assert not is_third_party("blob:http://127.0.0.1:8123/1234", local)


@pytest.mark.parametrize(("alt", "src", "problem"), [
    ("Line chart of adult learning", "_images/a.svg", None),
    (None, "_images/a.svg", "without alt"),
    ("  ", "_images/a.svg", "without alt"),
    ("../_images/28cb6a8f.png", "../_images/28cb6a8f.png", "file name"),
    ("chart.svg", "_images/x.svg", "file name"),
])
def test_alt_texts(alt, src, problem):
    page = site.Page(f'<img src="{src}"' + ("" if alt is None else f' alt="{alt}"') + ">")
    found = site.problems(page)
    assert (found == []) if problem is None else (problem in found[0])


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
    _write(root, "_static/webpack-macros.html", '<img src="nowhere.png">')
    return root


def test_check_reads_every_page_but_assets(small_site):
    assert site.Site(small_site).pages() == ["book/ch.html", "book/index.html", "index.html"]
    assert site.check(small_site) == []
    _write(small_site, "book/bad.html", '<img src="../_images/f.svg"><script src="//cdn.org/a.js"></script>'
           '<a href="/book/ch.html">c</a>')
    assert site.check(small_site) == ["book/bad.html: //cdn.org/a.js: loaded from another origin",
                                      "book/bad.html: /book/ch.html: root-relative link",
                                      "book/bad.html: ../_images/f.svg: image without alt text"]


@pytest.mark.slow
def test_linkcheck_finds_broken_links_and_anchors(small_site, capfd):
    """LinkChecker (AnchorCheck) on the site's files; the PDF counts only with --require-pdf."""
    assert site.main([str(small_site)]) == 0
    assert site.main([str(small_site), "--require-pdf"]) == 1
    assert site.PDF_NAME in capfd.readouterr().out
    (small_site / site.PDF_NAME).write_bytes(b"%PDF-1.5")
    for bad in ('<a href="ch.html#nope">a</a>', '<a href="gone.html">b</a>',
                '<img src="../_images/g.svg" alt="G">'):
        _write(small_site, "book/bad.html", bad)
        assert site.linkcheck(small_site, require_pdf=True) == 1, bad
        out = capfd.readouterr().out
        assert "book/bad.html" in out and any(w in out for w in ("nope", "gone.html", "g.svg"))
    (small_site / "book" / "bad.html").unlink()
    assert site.linkcheck(small_site, require_pdf=True) == 0
    assert site.main([str(small_site / "nothing")]) == 1


def test_serve_compresses_text_like_github_pages(small_site):
    with serve(small_site) as url:
        req = urllib.request.Request(url + "book/ch.html", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert b'id="s1"' in gzip.decompress(response.read())
        with urllib.request.urlopen(url + "_images/f.svg") as response:  # no gzip asked
            assert response.headers.get("Content-Encoding") is None
            assert response.headers["Content-Type"] == "image/svg+xml"
            assert response.read() == b"<svg/>"
