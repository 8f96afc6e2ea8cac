"""Author-year citations with year suffixes: the assignment, and a small Sphinx build."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pybtex.database import parse_string
from sphinx.testing.util import SphinxTestApp

from mcreport.sphinxext import citations
from mcreport.sphinxext.citations import Work

# ---------------------------------------------------------------------------------------------
# The suffixes
# ---------------------------------------------------------------------------------------------


def test_suffixes_follow_the_titles_within_one_author_and_year():
    works = [
        Work("c", "Cedefop", "2023", "Microcredentials: the added value for end users"),
        Work("a", "Cedefop", "2023", "Microcredentials and evolving qualifications systems"),
        Work("q", "Cedefop", "2023", "The NQF online tool"),  # sorted as "NQF online tool"
        Work("m", "Cedefop", "2022", "Mapping microcredentials"),  # alone in its year
        Work("o", "OECD", "2023", "Uses"),  # another author
        Work("x", "Cedefop and ReferNet", "2023", "Timeline"),  # another author label
    ]
    assert citations.assign_suffixes(works) == {"a": "a", "c": "b", "q": "c"}


def test_undated_works_and_et_al_labels_are_told_apart_too():
    works = [
        Work("n2", "Eurostat", "n.d.", "Copyright/licence policy"),
        Work("n1", "Eurostat", "n.d.", "A news item"),
        Work("k1", "Kato et al.", "2020", "Beta"),
        Work("k2", "Kato et al.", "2020", "Alpha"),
        Work("k3", "Kato and Weko", "2020", "Gamma"),
    ]
    # "A news item" sorts as "news item", after "Copyright"
    assert citations.assign_suffixes(works) == {"n2": "a", "n1": "b", "k2": "a", "k1": "b"}


def test_same_titles_are_ordered_by_key():
    works = [Work("b", "X", "2020", "Same"), Work("a", "X", "2020", "Same")]
    assert citations.assign_suffixes(works) == {"a": "a", "b": "b"}


@pytest.mark.parametrize(("index", "letters"), [(0, "a"), (1, "b"), (25, "z"), (26, "aa"), (27, "ab"),
                                                (51, "az"), (52, "ba"), (701, "zz"), (702, "aaa")])
def test_letters(index, letters):
    assert citations.letters(index) == letters


@pytest.mark.parametrize(("year", "suffix", "label"), [("2023", "b", "2023b"), ("2023", "", "2023"),
                                                       ("n.d.", "a", "n.d.-a"), ("n.d.", "", "n.d.")])
def test_year_label(year, suffix, label):
    assert citations.year_label(year, suffix) == label


BIB = r"""
@techreport{tiny2023end, author = {{Tiny Office}}, title = {Microcredentials: the added value for end users},
  institution = {Publications Office}, year = {2023}}
@techreport{tiny2023quali, author = {{Tiny Office}},
  title = {Microcredentials and evolving qualifications systems}, institution = {Publications Office},
  year = {2023}}
@misc{tiny2023tool, author = {{Tiny Office}}, title = {The {NQF} online tool}, year = {2023}}
@misc{tiny2022map, author = {{Tiny Office}}, title = {Mapping}, year = {2022}}
@misc{tinyndnews, author = {{Tiny Office}}, title = {News}, year = {n.d.}}
@misc{tinyndglossary, author = {{Tiny Office}}, title = {Glossary}, year = {n.d.}}
@article{kassi2019, author = {K{\"a}ssi, Otto and Lehdonvirta, Vili}, title = {Certificates},
  journal = {Journal}, year = {2019}}
@misc{aardvark2021, author = {{Aardvark Agency}}, title = {Zebra}, year = {2021}}
"""


def test_catalogue_of_pybtex_entries_labels_and_order():
    entries = parse_string(BIB, "bibtex").entries
    cat = citations.Catalogue.of_entries(entries.values())
    labels = {key: cat.label(entry) for key, entry in entries.items()}
    assert labels == {
        "tiny2023quali": "Tiny Office, 2023a",
        "tiny2023end": "Tiny Office, 2023b",
        "tiny2023tool": "Tiny Office, 2023c",  # "The NQF ..." sorts under N
        "tiny2022map": "Tiny Office, 2022",
        "tinyndglossary": "Tiny Office, n.d.-a",
        "tinyndnews": "Tiny Office, n.d.-b",
        "kassi2019": "Kässi and Lehdonvirta, 2019",
        "aardvark2021": "Aardvark Agency, 2021",
    }
    order = [entry.key for entry in sorted(entries.values(), key=cat.sort_key)]
    assert order == ["aardvark2021", "kassi2019", "tinyndglossary", "tinyndnews", "tiny2022map",
                     "tiny2023quali", "tiny2023end", "tiny2023tool"]


# ---------------------------------------------------------------------------------------------
# A small Sphinx build
# ---------------------------------------------------------------------------------------------

CONF = """\
extensions = ["myst_parser", "sphinxcontrib.bibtex", "mcreport.sphinxext"]
bibtex_bibfiles = ["references.bib"]
bibtex_reference_style = "mcreport_author_year"
bibtex_default_style = "mcreport_author_year"
exclude_patterns = ["_build"]
latex_documents = [("index", "tiny.tex", "Tiny", "Tester", "manual")]
"""

INDEX = """\
# Tiny

The end users {cite:p}`tiny2023end`; the qualifications {cite:t}`tiny2023quali`;
the tool {cite:alp}`tiny2023tool`; in {cite:year}`tiny2023end`; undated {cite:p}`tinyndnews`.

```{toctree}
:hidden:
other
references
```
"""

OTHER = "# Other\n\nAgain {cite:p}`tiny2023tool,tiny2023quali`.\n\nBoth {cite:t}`tiny2023end,aardvark2021`.\n"
REFERENCES = "# References\n\n```{bibliography}\n:all:\n```\n"

THREE = r"""
@techreport{tiny2023end, author = {{Tiny Office}}, title = {Microcredentials: the added value for end users},
  institution = {Publications Office}, year = {2023}}
@techreport{tiny2023quali, author = {{Tiny Office}},
  title = {Microcredentials and evolving qualifications systems}, institution = {Publications Office},
  year = {2023}}
@misc{tiny2023tool, author = {{Tiny Office}}, title = {The {NQF} online tool}, year = {2023}}
@misc{tinyndnews, author = {{Tiny Office}}, title = {News}, year = {n.d.}}
@misc{tinyndglossary, author = {{Tiny Office}}, title = {Glossary}, year = {n.d.}}
@misc{aardvark2021, author = {{Aardvark Agency}}, title = {Zebra}, year = {2021}}
"""


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "conf.py").write_text(CONF, encoding="utf-8")
    (root / "index.md").write_text(INDEX, encoding="utf-8")
    (root / "other.md").write_text(OTHER, encoding="utf-8")
    (root / "references.md").write_text(REFERENCES, encoding="utf-8")
    (root / "references.bib").write_text(THREE, encoding="utf-8")
    return root


def build(root: Path, builder: str = "html") -> tuple[SphinxTestApp, str]:
    warnings = io.StringIO()
    app = SphinxTestApp(builder, srcdir=root, status=io.StringIO(), warning=warnings,
                        warningiserror=True, keep_going=True)
    try:
        app.build()
    finally:
        app.cleanup()
    return app, warnings.getvalue()


def _soup(app, page: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


def _list(app) -> dict[str, tuple[str, str]]:
    """The reference list: id -> (label, entry text), in the list's order."""
    out = {}
    for div in _soup(app, "references").select("div.citation"):
        label = div.select_one("span.label").get_text().strip("[]")
        out[div["id"]] = (label, div.find("p").get_text(" ", strip=True))
    return out


def _citations(app, page: str) -> list[tuple[str, str]]:
    """The citation links of a page: (text, target id in references.html)."""
    soup = _soup(app, page)
    return [(a.get_text(), a["href"].split("#")[1])
            for span in soup.select("span.bibtex-citation") for a in span.find_all("a")]


def test_suffixes_in_text_and_list(project):
    app, warnings = build(project)
    assert warnings == ""
    assert app.statuscode == 0

    listed = _list(app)
    assert [label for label, _text in listed.values()] == [
        "Aardvark Agency, 2021",
        "Tiny Office, n.d.-a", "Tiny Office, n.d.-b",
        "Tiny Office, 2023a", "Tiny Office, 2023b", "Tiny Office, 2023c",
    ]
    by_label = {label: text for label, text in listed.values()}
    assert "evolving qualifications" in by_label["Tiny Office, 2023a"]
    assert "end users" in by_label["Tiny Office, 2023b"]
    assert "NQF online tool" in by_label["Tiny Office, 2023c"]
    assert "News" in by_label["Tiny Office, n.d.-b"]

    # every citation links to the entry whose label has the same year and suffix
    cited = _citations(app, "index") + _citations(app, "other")
    assert [text for text, _target in cited] == [
        "Tiny Office, 2023b", "2023a", "Tiny Office, 2023c", "2023b", "Tiny Office, n.d.-b",
        "Tiny Office, 2023a", "Tiny Office, 2023c",  # several keys: in the list's order
        "2021", "2023b",
    ]
    for text, target in cited:
        assert listed[target][0].endswith(text), (text, listed[target][0])

    text = " ".join(_soup(app, "index").find("p").get_text().split())
    assert "end users [Tiny Office, 2023b];" in text  # p
    assert "qualifications Tiny Office [2023a];" in text  # t
    assert "the tool Tiny Office, 2023c;" in text  # alp: no brackets
    assert "in 2023b;" in text  # year
    assert "undated [Tiny Office, n.d.-b]." in text
    # several works in one citation: separated by semicolons
    other = " ".join(_soup(app, "other").get_text().split())
    assert "Again [Tiny Office, 2023a; Tiny Office, 2023c]." in other
    assert "Both Aardvark Agency [2021]; Tiny Office [2023b]." in other


def test_latex_shows_the_suffixes(project):
    app, warnings = build(project, "latex")
    assert warnings == ""
    tex = (Path(app.outdir) / "tiny.tex").read_text(encoding="utf-8").replace(r"\sphinxhyphen{}", "-")
    bibitems = re.findall(r"\\bibitem\[([^]]*)\]\{([^}]*)\}", tex)
    assert [label for label, _id in bibitems] == [
        "Aardvark Agency, 2021", "Tiny Office, n.d.-a", "Tiny Office, n.d.-b",
        "Tiny Office, 2023a", "Tiny Office, 2023b", "Tiny Office, 2023c",
    ]
    targets = {f"cite.{ident}": label for label, ident in bibitems}
    links = re.findall(r"\\hyperlink\{(cite\.[^}]*)\}\{([^}]*)\}", tex)
    assert links, "no citation links in the LaTeX output"
    for target, text in links:
        assert targets[target].endswith(text), (target, text)
    assert {"Tiny Office, 2023b", "2023a", "Tiny Office, n.d.-b"} <= {text for _target, text in links}


def test_changed_bibliography_rewrites_the_pages_citing_relabelled_works(project):
    app, warnings = build(project)
    assert warnings == ""
    assert [t for t, _ in _citations(app, "other")] == ["Tiny Office, 2023a", "Tiny Office, 2023c",
                                                        "2021", "2023b"]

    # a new 2023 work whose title sorts first: the other three move one letter on
    with (project / "references.bib").open("a", encoding="utf-8") as bib:
        bib.write("@misc{tiny2023annual, author = {{Tiny Office}}, title = {Annual report}, year = {2023}}\n")
    app, warnings = build(project)
    assert warnings == ""
    assert [t for t, _ in _citations(app, "other")] == ["Tiny Office, 2023b", "Tiny Office, 2023d",
                                                        "2021", "2023c"]
    listed = [label for label, _text in _list(app).values()]
    assert listed[3:] == ["Tiny Office, 2023a", "Tiny Office, 2023b", "Tiny Office, 2023c",
                          "Tiny Office, 2023d"]


# ---------------------------------------------------------------------------------------------
# What is kept from one build to the next
# ---------------------------------------------------------------------------------------------


def test_memo_reuses_a_result_only_for_the_same_entry_label_and_code():
    entry = parse_string("@misc{a, author = {{Tiny Office}}, title = {One}, year = {2023}}",
                         "bibtex").entries["a"]
    first = citations.Memo()
    assert first.get("formatted", entry, "label", lambda: "one") == "one"
    later = citations.Memo(first.saved())  # the next build, from the saved environment
    assert later.get("formatted", entry, "label", lambda: "again") == "one"
    assert later.get("formatted", entry, "other label", lambda: "relabelled") == "relabelled"
    entry.fields["title"] = "Two"
    assert later.get("formatted", entry, "label", lambda: "retitled") == "retitled"
    assert len(later.saved()[1]) == 3  # what this build used, and nothing else
    other_code = citations.Memo(("an earlier version of the module", later.saved()[1]))
    assert other_code.get("formatted", entry, "label", lambda: "new code") == "new code"


def test_an_edited_entry_is_formatted_again(project):
    app, warnings = build(project)
    assert warnings == ""
    bib = project / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("{NQF} online tool", "{NQF} register"),
                   encoding="utf-8")
    app, warnings = build(project)
    assert warnings == ""
    texts = [text for _label, text in _list(app).values()]
    assert any("NQF register" in t for t in texts) and not any("online tool" in t for t in texts)
