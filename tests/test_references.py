"""references.bib parses cleanly and every cited key resolves."""

from __future__ import annotations

from mcreport import references

from .conftest import REPO


def test_bibliography_is_clean():
    assert references.check_bibliography(REPO / "references.bib") == []


def test_every_citation_resolves():
    unknown = references.unknown_citations(REPO)
    assert unknown == [], "\n".join(map(str, unknown))


def test_citations_are_found_everywhere():
    found = references.citations(REPO)
    files = {c.file.split(" ")[0] for c in found}
    assert any(f.startswith("book/") for f in files)
    assert "data/datapackage.json" in files
    assert any(f.startswith("data/") and f.endswith(".csv") for f in files)


def test_unknown_key_named_with_file_and_line(mini_root):
    (mini_root / "book").mkdir()
    (mini_root / "book" / "page.md").write_text("# T\n\nAs shown {cite:p}`testkey,nosuchkey`.\n")
    unknown = references.unknown_citations(mini_root)
    assert [str(c) for c in unknown] == ["book/page.md:3: unknown citation key 'nosuchkey'"]


def test_unknown_row_source_named(mini_root):
    path = mini_root / "data" / "mini.csv"
    path.write_text(path.read_text().replace("EL,2023,3.4,testkey", "EL,2023,3.4,otherkey"))
    unknown = references.unknown_citations(mini_root)
    assert [str(c) for c in unknown] == ["data/mini.csv:4: unknown citation key 'otherkey'"]


def test_bad_bibliography_entries(tmp_path):
    bib = tmp_path / "bad.bib"
    bib.write_text(
        "@misc{a, title = {T}, author = {{X}}, year = {2020}}\n"
        "@misc{a, title = {T2}, author = {{X}}, year = {2021}}\n"
        "@article{b, title = {T}, author = {Y}, year = {2020}, doi = {doi.org/10.1/x}}\n"
        "@misc{c, title = {Broken, year = {2020}\n"
    )
    text = "\n".join(references.check_bibliography(bib))
    assert "bad.bib:2: duplicate key 'a'" in text
    assert "bad.bib:3: article 'b' lacks journal" in text
    assert "malformed DOI" in text
    assert "does not parse" in text
