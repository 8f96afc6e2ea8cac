"""``references.bib`` and the citations: parse with bibtexparser and check both ways.

- :func:`check_bibliography` lists problems of the file itself: blocks that fail to parse,
  duplicate keys, missing fields an entry type needs, malformed DOIs (a DOI becomes the link
  ``https://doi.org/<doi>``: a trailing dot or a space would break it), and fields or entries of
  the text that the parser did not keep: each entry's raw text is read a second time, on its own,
  so that a stray ``}``, which closes an entry early and silently drops the fields after it,
  is found.
- :func:`check_pages` lists pages of the book that are not UTF-8 (file, line, byte position);
  :func:`read_page` reads one page, failing with the same message.
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
# Crossref's recommended characters; the last one a letter, a digit or a closing parenthesis.
DOI = re.compile(r"^10\.\d{4,9}/[-._;()/:A-Za-z0-9]*[A-Za-z0-9)]$")
# The raw text, read on its own: "@type{key," at the start of a line, "name =" fields.
_RAW_ENTRY = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(][ \t]*([^,\s]+)[ \t]*,", re.M)
_RAW_FIELD = re.compile(r"([A-Za-z][\w:.+-]*)\s*=")
_NOT_ENTRIES = ("comment", "preamble", "string")
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


class EncodingError(ValueError):
    """A text file of the book that is not UTF-8."""


def _decode(data: bytes, name: str) -> str:
    """``data`` as UTF-8 text; :class:`EncodingError` naming ``name``, the line, the column and
    the byte position otherwise."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise EncodingError(f"{name}:{line}: column {column} (byte {exc.start}): byte "
                            f"0x{data[exc.start]:02x} is not UTF-8 (save the file as UTF-8)"
                            ) from None


def read_page(path: Path, root: Path | None = None) -> str:
    """The text of a page (or any text file) of the book; :class:`EncodingError` naming the file
    and the place when it is not UTF-8."""
    root = root or project_root()
    try:
        name = str(path.relative_to(root))
    except ValueError:
        name = str(path)
    return _decode(path.read_bytes(), name)


def page_files(root: Path | None = None) -> list[Path]:
    """The book's text sources read as UTF-8: its pages, table of contents and configuration."""
    root = root or project_root()
    found = sorted((root / "book").rglob("*.md")) if (root / "book").is_dir() else []
    return found + [root / n for n in ("_toc.yml", "_config.yml") if (root / n).is_file()]


def check_pages(root: Path | None = None) -> list[str]:
    """One line for each page of the book that is not UTF-8 (file, line, byte position)."""
    problems = []
    for path in page_files(root):
        try:
            read_page(path, root)
        except EncodingError as exc:
            problems.append(str(exc))
    return problems


def _raw_fields(body: str) -> set[str]:
    """Names of the ``name = value`` fields of an entry's text, outside braces and quotes; a
    closing brace never ends the entry here (so fields after a stray one are still seen)."""
    names, depth, quoted, i = set(), 0, False, 0
    while i < len(body):
        char = body[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif depth == 0 and not quoted and char.isalpha() and (i == 0 or body[i - 1] in " \t\r\n,"):
            match = _RAW_FIELD.match(body, i)
            if match:
                names.add(match.group(1).lower())
                i = match.end()
                continue
        i += 1
    return names


def _raw_entries(text: str) -> list[tuple[int, str, str, set[str]]]:
    """(line, type, key, field names) of every entry, read from the raw text alone: an entry runs
    from its ``@type{key,`` line to the next one."""
    starts = list(_RAW_ENTRY.finditer(text))
    out = []
    for match, following in zip(starts, starts[1:] + [None], strict=True):
        kind = match.group(1).lower()
        if kind in _NOT_ENTRIES:
            continue
        body = text[match.end():following.start() if following else len(text)]
        fields = _raw_fields(body)
        out.append((text.count("\n", 0, match.start()) + 1, kind, match.group(2), fields))
    return out


def _unparsed(library, text: str, name: str) -> list[str]:
    """Entries and fields of the raw text that the parser did not keep, and text it left
    outside every entry (what a stray ``}`` does)."""
    problems = []
    parsed: dict[str, list] = {}
    for entry in library.entries:
        parsed.setdefault(entry.key, []).append(entry)
    failed = {getattr(b, "key", None) for b in library.failed_blocks}
    for line, _kind, key, fields in _raw_entries(text):
        entries = parsed.get(key)
        if not entries:
            if key not in failed:
                problems.append(f"{name}:{line}: entry {key!r} was not parsed (an unbalanced "
                                "brace before it?)")
            continue
        entry = min(entries, key=lambda e: abs(e.start_line + 1 - line))
        kept = {f.key.lower() for f in entry.fields}
        lost = sorted(fields - kept)
        if lost:
            end = entry.start_line + 1 + str(entry.raw).count("\n")
            problems.append(f"{name}:{line}: {key!r}: field(s) {', '.join(lost)} not parsed: the "
                            f"entry closes early at line {end} (a stray '}}'?)")
    for block in library.blocks:
        if type(block).__name__ != "ImplicitComment":
            continue
        raw = str(block.raw)
        for offset, content in enumerate(raw.splitlines()):
            if content.strip() and not content.lstrip().startswith("%"):
                problems.append(f"{name}:{block.start_line + 1 + offset}: text outside any entry: "
                                f"{content.strip()[:60]!r} (a stray '}}' or a missing '@'?)")
                break
    return problems


def check_bibliography(path: Path | None = None) -> list[str]:
    """Problems of the bibliography file, one line each naming the file, the line and the key."""
    path = path or project_root() / BIB_FILE
    name = path.name
    try:
        text = _decode(path.read_bytes(), name)
    except EncodingError as exc:
        return [str(exc)]
    library = bibtexparser.parse_string(text)
    problems = _unparsed(library, text, name)
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
            problems.append(f"{name}:{line}: {entry.key!r} has a malformed DOI {doi!r} (the link "
                            f"https://doi.org/{doi} would be broken)")
    return sorted(problems, key=lambda p: int(p.split(":")[1]) if p.split(":")[1].isdigit() else 0)


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
        found += _cited_in_text(read_page(page, root), rel)
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
