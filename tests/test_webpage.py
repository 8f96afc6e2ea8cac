"""The figure style's contrast rules and the web page helpers (no browser needed)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from mcreport import figures
from mcreport.sphinxext import webpage

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("colour", figures.PALETTE + [figures.GREY])
def test_palette_marks_have_aa_contrast_in_both_modes(colour):
    assert figures.contrast(colour, figures.LIGHT_BACKGROUND) >= figures.MARK_CONTRAST
    dark = figures.dark_variant(colour)
    assert figures.contrast(dark, figures.DARK_BACKGROUND) >= figures.MARK_CONTRAST


@pytest.mark.parametrize("colour", ["#262626", "#444444", "#333333", "#7f7f7f"])
def test_text_colours_keep_their_contrast_in_dark_mode(colour):
    light = figures.contrast(colour, figures.LIGHT_BACKGROUND)
    dark = figures.contrast(figures.dark_variant(colour, figures.TEXT_CONTRAST), figures.DARK_BACKGROUND)
    assert dark >= min(light, 15) - 0.05 and dark >= figures.TEXT_CONTRAST


def test_finish_enforces_type_size_contrast_and_writes_dark_mode(tmp_path):
    fig, ax = figures.new("full", height=2.5)
    ax.plot([1, 2, 3], [1, 3, 2], color="#F0E442", label="pale series")
    ax.text(1.5, 2, "note", fontsize=6, color="#AAAAAA")
    ax.legend()
    figures.finish(fig, "t", source="Test publisher (code)", folder=tmp_path)
    svg = (tmp_path / "t.svg").read_text(encoding="utf-8")
    root = ElementTree.fromstring(svg)
    sizes = [abs(float(re.search(r"scale\(([-\d.]+)", g.get("transform")).group(1))) * 100
             for text in root.iter(f"{SVG}g") if text.get("id", "").startswith("text_")
             for g in text.iter(f"{SVG}g") if "scale(" in g.get("transform", "")]
    assert sizes and min(sizes) >= figures.MIN_FONT_PT - 0.01
    colours = set(re.findall(r"(?:fill|stroke): (#[0-9a-f]{6})", svg))
    assert "#f0e442" not in colours and "#aaaaaa" not in colours
    assert "@media (prefers-color-scheme: dark)" in svg
    width_pt = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', svg).group(1))
    assert width_pt <= figures.WIDTHS["full"] * 72 * 1.1


def test_two_panels_are_stacked():
    fig, (top, bottom) = figures.new("full", height=2.0, ncols=2)
    assert top.get_position().y0 > bottom.get_position().y0
    assert fig.get_size_inches()[1] == pytest.approx(4.0)


def test_images_get_width_and_height():
    body = '<p><img alt="x" src="../_images/a.svg" /><img src="b.png" width="3" /></p>'
    out = webpage.sized_images(body, {"a.svg": (432, 300), "b.png": (10, 10)})
    assert '<img width="432" height="300" alt="x" src="../_images/a.svg" />' in out
    assert '<img src="b.png" width="3" />' in out


def test_svg_size_in_css_pixels():
    assert webpage.svg_size('<svg width="324pt" height="216pt" viewBox="0 0 324 216">') == (432, 288)


def test_description_is_shortened_at_a_word():
    text = "word " * 60
    short = webpage.shorten(text.strip())
    assert len(short) <= webpage.DESCRIPTION and short.endswith("\u2026") and " wor\u2026" not in short


def test_every_image_but_the_first_loads_lazily():
    body = '<img src="a.svg" /><p><img src="b.svg" /><img loading="eager" src="c.svg" /></p>'
    out = webpage.lazy_images(body)
    assert out == ('<img src="a.svg" /><p><img loading="lazy" src="b.svg" />'
                   '<img loading="eager" src="c.svg" /></p>')


class _Asset:
    def __init__(self, filename, **attributes):
        self.filename, self.attributes = filename, attributes


def test_a_page_loads_the_extensions_assets_it_uses_only():
    assets = [_Asset("pygments.css"), _Asset("copybutton.js"), _Asset("togglebutton.js"),
              _Asset(None, body="let toggleHintShow = 'Click to show';"),
              _Asset("sphinx-thebe.js", **{"async": "async"}), _Asset("mcreport-tables.js"),
              _Asset("documentation_options.js"),
              _Asset(None, body="document.querySelectorAll('.primary-toggle')")]
    prose = '<section class="tex2jax_ignore"><p class="mc-note">text</p></section>'
    names = [a.filename for a in webpage.needed_assets(assets, prose)]
    assert names == ["mcreport-tables.js", "documentation_options.js", None]
    code = '<div class="highlight-ipython3 notranslate"><div class="highlight"><pre>1</pre></div></div>'
    names = [a.filename for a in webpage.needed_assets(assets, code)]
    assert names == ["pygments.css", "copybutton.js", "mcreport-tables.js",
                     "documentation_options.js", None]
    toggled = '<div class="admonition dropdown"><p>hidden</p></div>'
    assert len(webpage.needed_assets(assets, toggled)) == 5


def test_theme_stylesheet_keeps_the_rules_the_site_can_use():
    css = ('@charset "UTF-8";/*! Licence notice */:root,[data-bs-theme=light]{--x:1}'
           '.used,.unused{color:red}.unused>p{color:blue}'
           'html[data-theme=dark] .used:hover:not(.never){color:#fff}'
           '@media (min-width:960px){.used{margin:0}.gone{margin:1px}}'
           '@media print{.gone{display:none}}'
           '@font-face{font-family:"X";src:url(../x.woff2)}'
           '.content:after{content:"}{"}a.used::before{content:"\\f101"}'
           '/*# sourceMappingURL=x.css.map*/')
    words = {"html", "used", "content", "a", "p"}
    out = webpage.slim_stylesheet(css, words)
    assert out.startswith('@charset "UTF-8";/*! Licence notice */')
    assert ":root,[data-bs-theme=light]{--x:1}" in out
    assert ".used{color:red}" in out and "unused" not in out
    assert "html[data-theme=dark] .used:hover:not(.never){color:#fff}" in out
    assert "@media (min-width:960px){.used{margin:0}}" in out and "gone" not in out
    assert "@media print" not in out
    assert '@font-face{font-family:"X";src:url(../x.woff2)}' in out
    assert '.content:after{content:"}{"}' in out and 'a.used::before{content:"\\f101"}' in out
    assert "sourceMappingURL" not in out


def test_site_words_are_the_pages_and_scripts_words(tmp_path):
    (tmp_path / "_static").mkdir()
    (tmp_path / "index.html").write_text('<div class="bd-main show-x">', encoding="utf-8")
    (tmp_path / "_static" / "theme.js").write_text('el.classList.add("collapsing")', encoding="utf-8")
    (tmp_path / "searchindex.js").write_text('Search.setIndex({"zebra": 1})', encoding="utf-8")
    words = webpage.site_words(tmp_path)
    assert {"bd-main", "show-x", "collapsing", "div"} <= words and "zebra" not in words
    cache = tmp_path / "words.pickle"  # each file read once; only the words of a vocabulary
    assert webpage.site_words(tmp_path, {"bd-main", "div", "none"}, cache) == {"bd-main", "div"}
    (tmp_path / "index.html").write_text("<p>changed</p>", encoding="utf-8")
    assert webpage.site_words(tmp_path, {"bd-main", "div", "none"}, cache) == set()


def test_slim_theme_is_written_again_only_when_its_words_change(tmp_path):
    site, state = tmp_path / "html", tmp_path / "state"
    (site / "_static" / webpage.THEME_CSS).parent.mkdir(parents=True)
    state.mkdir()
    (site / "_static" / webpage.THEME_CSS).write_text(".used{color:red}.never{color:blue}")
    (site / "index.html").write_text('<p class="used"></p>')
    out = webpage.write_slim_theme(site, state)
    assert ".used" in out.read_text() and ".never" not in out.read_text()
    written = out.stat().st_mtime_ns
    (site / "other.html").write_text('<p class="used">more prose</p>')
    assert webpage.write_slim_theme(site, state).stat().st_mtime_ns == written
    (site / "other.html").write_text('<p class="never"></p>')
    assert ".never" in webpage.write_slim_theme(site, state).read_text()


def test_the_site_is_named_by_the_books_title():
    from types import SimpleNamespace

    app = SimpleNamespace(config=SimpleNamespace(html_title="A report", project="Project name not set"))
    assert webpage.site_name(app) == "A report"


def test_templates_are_compiled_once_and_kept_beside_the_doctrees(tmp_path):
    import jinja2

    loader = jinja2.DictLoader({"page.html": "<p>{{ title }}</p>"})
    html = SimpleNamespace(builder=SimpleNamespace(templates=SimpleNamespace(
        environment=jinja2.Environment(loader=loader))), doctreedir=str(tmp_path / "doctrees"))
    webpage._template_cache(html)
    assert html.builder.templates.environment.get_template("page.html").render(title="A") == "<p>A</p>"
    assert len(list((tmp_path / "doctrees" / "templates").glob("*.cache"))) == 1
    latex = SimpleNamespace(builder=SimpleNamespace(), doctreedir=str(tmp_path / "latex"))
    webpage._template_cache(latex)  # a builder without HTML templates: nothing to keep
    assert not (tmp_path / "latex").exists()
