"""``references.bib`` and the citations: parse with bibtexparser and check both ways.

- :func:`check_bibliography` lists problems of the file itself: blocks that fail to parse,
  duplicate keys, missing fields an entry type needs, malformed DOIs.
- :func:`citations` finds every key cited in the book's pages and notebooks
  (``{cite:p}`a,b```, ``{cite:t}``...) and every source key of the data package (descriptor
  ``bibkey`` and each row's ``source`` column), with the file and line where it stands.
- :func:`unknown_citations` is the difference: cited keys that are not in the bibliography.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import bibtexparser

from .paths import project_root

BIB_FILE = "references.bib"
# Fields each entry type needs (an alternative group is a tuple: one of them is enough).
REQUIRED = {
    "article": ["author", "title", "journal", "year"],
    "book": [("author", "editor"), "title", "publisher", "year"],
    "techreport": ["author", "title", "institution", "year"],
    "misc": ["title", ("author", "howpublished", "publisher"), "year"],
    "inproceedings": ["author", "title", "booktitle", "year"],
    "incollection": ["author", "title", "booktitle", "publisher", "year"],
    "report": ["author", "title", "institution", "year"],
    "online": ["title", "url", "year"],
}
DOI = re.compile(r"^10\.\d{4,9}/[^\s]+$")
_CITE = re.compile(r"\{(?:cite|cite:p|cite:t|cite:ps|cite:ts|cite:alp|cite:year|cite:author"
                   r"|cite:label|footcite|footcite:p|footcite:t)\}`([^`]+)`")


@dataclass(frozen=True)
class Citation:
    key: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: unknown citation key {self.key!r}"


def parse(path: Path | None = None):
    path = path or project_root() / BIB_FILE
    return bibtexparser.parse_file(str(path))


def keys(path: Path | None = None) -> set[str]:
    return {e.key for e in parse(path).entries}


def _line_of(text: str, needle: str) -> int:
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 0


def check_bibliography(path: Path | None = None) -> list[str]:
    """Problems of the bibliography file, one line each naming the file, the line and the key."""
    path = path or project_root() / BIB_FILE
    text = path.read_text(encoding="utf-8")
    library = bibtexparser.parse_string(text)
    name = path.name
    problems = []
    for block in library.failed_blocks:
        if type(block).__name__ == "DuplicateBlockKeyBlock":
            problems.append(f"{name}:{block.start_line + 1}: duplicate key {block.key!r}")
            continue
        problems.append(f"{name}:{block.start_line + 1}: block does not parse: "
                        f"{type(block).__name__}: {str(block.raw)[:60]!r}")
    seen: dict[str, int] = {}
    for entry in library.entries:
        line = entry.start_line + 1
        if entry.key in seen:
            problems.append(f"{name}:{line}: duplicate key {entry.key!r} "
                            f"(first at line {seen[entry.key]})")
        seen.setdefault(entry.key, line)
        fields = {f.key.lower(): f.value for f in entry.fields}
        for need in REQUIRED.get(entry.entry_type.lower(), ["title", "year"]):
            group = need if isinstance(need, tuple) else (need,)
            if not any(str(fields.get(f, "")).strip() for f in group):
                problems.append(f"{name}:{line}: {entry.entry_type} {entry.key!r} lacks "
                                f"{' or '.join(group)}")
        doi = str(fields.get("doi", "")).strip()
        if doi and not DOI.match(doi):
            problems.append(f"{name}:{line}: {entry.key!r} has a malformed DOI {doi!r}")
    return problems


def _cited_in_text(text: str, file: str) -> list[Citation]:
    out = []
    for match in _CITE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        for key in match.group(1).split(","):
            key = key.strip()
            if key:
                out.append(Citation(key, file, line))
    return out


def citations(root: Path | None = None) -> list[Citation]:
    """Every citation in book/*.md, analysis/*.ipynb and the data package, with its place."""
    root = root or project_root()
    found: list[Citation] = []
    for page in sorted((root / "book").rglob("*.md")):
        rel = str(page.relative_to(root))
        found += _cited_in_text(page.read_text(encoding="utf-8"), rel)
    for nb_path in sorted((root / "analysis").glob("*.ipynb")):
        rel = str(nb_path.relative_to(root))
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for number, cell in enumerate(nb.get("cells", []), start=1):
            if cell.get("cell_type") == "markdown":
                text = "".join(cell.get("source", []))
                for c in _cited_in_text(text, f"{rel} cell {number}"):
                    found.append(c)
    descriptor = root / "data" / "datapackage.json"
    if descriptor.is_file():
        text = descriptor.read_text(encoding="utf-8")
        package = json.loads(text)
        for res in package.get("resources", []):
            for src in res.get("sources", []):
                key = src.get("bibkey")
                if key:
                    found.append(Citation(key, "data/datapackage.json",
                                          _line_of(text, f'"bibkey": "{key}"')))
            csv_path = root / "data" / res["path"]
            fields = [f["name"] for f in res.get("schema", {}).get("fields", [])]
            if "source" in fields and csv_path.is_file():
                with csv_path.open(encoding="utf-8", newline="") as fh:
                    for row_number, row in enumerate(csv.DictReader(fh), start=2):
                        for key in (row.get("source") or "").split(";"):
                            if key.strip():
                                found.append(Citation(key.strip(), f"data/{res['path']}",
                                                      row_number))
    return found


def unknown_citations(root: Path | None = None) -> list[Citation]:
    root = root or project_root()
    known = keys(root / BIB_FILE)
    return [c for c in citations(root) if c.key not in known]
