"""The figure style's contrast rules and the web page helpers (no browser needed)."""

from __future__ import annotations

import re
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
