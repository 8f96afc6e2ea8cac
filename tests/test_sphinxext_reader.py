"""Pure helpers of the reader extension (mcreport.sphinxext.reader)."""

from __future__ import annotations

import pytest

from mcreport.sphinxext import reader

CHAPTER = """# A chapter

```{figure} figures/theme3-participation-eu.*
:name: fig-theme3-participation-eu
:alt: Line chart of the EU-27 share of adults in learning.

Caption.
```

:::{figure} ../figures/kb-components.*
:alt: Dot matrix of definitions and components.
:::

```{figure} figures/no-alt.*
:name: fig-no-alt
```

:::{datatable} eu_reference_values
:caption: Values
:::
"""


def test_figure_alts_and_datatables():
    assert reader.figure_alts(CHAPTER) == {
        "theme3-participation-eu": "Line chart of the EU-27 share of adults in learning.",
        "kb-components": "Dot matrix of definitions and components.",
    }
    assert reader.datatables(CHAPTER) == ["eu_reference_values"]


def test_figure_names():
    code = ('fig, ax = figures.new("full")\nfigures.finish(fig, "theme1-supply", source="Cedefop")\n'
            "finish(fig2, 'theme1-other', source='x')")
    assert reader.figure_names(code) == ["theme1-supply", "theme1-other"]
    assert reader.figure_names("fig.savefig('x.png')") == []


def test_dedupe_keeps_first_of_each_script():
    class Js:
        def __init__(self, filename, **attributes):
            self.filename, self.attributes = filename, attributes

    scripts = [Js("a.js"), Js(None, body="const X = 1"), Js("a.js"), Js("", body="const X = 1"),
               Js("", body="const Y = 2")]
    assert [(s.filename, s.attributes) for s in reader.dedupe(scripts)] == [
        ("a.js", {}), (None, {"body": "const X = 1"}), ("", {"body": "const Y = 2"})]


def test_is_remote():
    assert reader.is_remote("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js")
    assert reader.is_remote("//cdn.example.org/mathjax.js")
    assert not reader.is_remote("_static/mathjax/tex-chtml.js")
    assert not reader.is_remote(None)


@pytest.mark.parametrize(("text", "pieces"), [
    ("credentialSubject.hasClaim.title", ["credentialSubject.", "hasClaim.", "title"]),
    ("(http://data.europa.eu/snb/x).", ["(http://", "data.", "europa.", "eu/", "snb/", "x)."]),
    ("A short sentence. With 12.8 % in 2019.", ["A short sentence. With 12.8 % in 2019."]),
    ("urn:epass:concept:3c68", ["urn:", "epass:", "concept:", "3c68"]),
])
def test_break_points(text, pieces):
    assert reader.break_points(text) == pieces
    assert "".join(reader.break_points(text)) == text


# --- LaTeX structure on small doctrees ----------------------------------------------------------

from docutils import nodes  # noqa: E402
from sphinx import addnodes  # noqa: E402


def _section(title: str, *children, ids=()) -> nodes.section:
    section = nodes.section(ids=list(ids))
    section += nodes.title(title, title)
    section.extend(children)
    return section


def _chapters() -> nodes.compound:
    wrapper = nodes.compound(classes=["toctree-wrapper"])
    wrapper += addnodes.start_of_file(docname="book/methods")
    return wrapper


def test_chapters_leave_the_root_subsection_and_root_sections_are_unnumbered():
    how = _section("How to read this report", nodes.paragraph("", "Every number..."), _chapters(),
                   ids=["how"])
    root = _section("Title", nodes.paragraph("", "Intro"), _section("Why", ids=["why"]), how)
    reader._chapters_out_of_subsections(root)
    assert isinstance(root.children[-1], nodes.compound)  # the chapters: at the root level
    assert not any(isinstance(n, addnodes.start_of_file) for n in how.findall())
    out = reader._unnumbered(how, 1)
    assert isinstance(out[0], nodes.target) and out[0]["ids"] == ["how"]
    assert out[1].astext() == (r"\section*{How to read this report}"
                               r"\addcontentsline{toc}{section}{How to read this report}")
    nested = reader._unnumbered(_section("A", _section("B & C")), 1)
    assert any(r"\subsection*{B \& C}" in n.astext() for n in nested if isinstance(n, nodes.raw))


def test_bibliography_page_adds_no_empty_chapter():
    start = addnodes.start_of_file(docname="book/bibliography")
    start += _section("Bibliography", nodes.target(refid="x"), nodes.container(), ids=["bibliography"])
    reader._drop_empty_chapter(start)
    assert not any(isinstance(n, nodes.section | nodes.title) for n in start.findall())
    assert start.children[0]["ids"] == ["bibliography"]

    text_page = addnodes.start_of_file(docname="book/methods")
    text_page += _section("Methods", nodes.paragraph("", "Text."))
    reader._drop_empty_chapter(text_page)
    assert isinstance(text_page.children[0], nodes.section)


def test_latex_escape():
    assert reader._escape(r"R&D_1 {x} 50% #2 $ a\b ~^") == (
        r"R\&D\_1 \{x\} 50\% \#2 \$ a\textbackslash{}b \textasciitilde{}\textasciicircum{}")
