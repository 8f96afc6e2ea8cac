"""Editions of the report: their version and date, their glued values, what changed between two.

The version and the date of an edition are written in one place, ``CITATION.cff`` (``version``
and ``date-released``); the book shows them on the title page of the PDF and in the site's
footer (:mod:`mcreport.sphinxext.editions`).

Every build writes the values the notebooks glued, with the pages that paste them, to
``values.json`` next to its output (:func:`values_file`). The values are read from the executed
notebooks' glue outputs (the ``scrapbook`` metadata of each output) and the pages are found from
the glue references in the pages' sources, so the file depends on nothing but the notebooks and
the pages. A release keeps the file of each edition as ``editions/<version>.json``; comparing
two of them (:func:`compare`) gives every number that changed, appeared or disappeared, which
the page *Changes in this edition* lists (:func:`changes_markdown`).

Command line (any environment with the package)::

    python -m mcreport.editions values --out FILE [--notebooks DIR]
    python -m mcreport.editions changes --previous OLD.json --current NEW.json [--out FILE]
    python -m mcreport.editions pdf-report PDF --log LOG [--max-overfull PT]
    python -m mcreport.editions prepare --out DIR        # release, before the build
    python -m mcreport.editions assets --out DIR --site DIR --pdf PDF   # release, after it
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from .paths import project_root

CITATION = "CITATION.cff"
#: Where a release keeps the values of each edition: ``editions/<version>.json``.
EDITIONS_DIR = "editions"
#: The source of the *Changes in this edition* page, written by the release.
CHANGES_FILE = "editions/changes.json"

# {glue}`key`, {glue:text}`../analysis/x.ipynb::key:.1f`, {glue:md}`...` (roles)
_ROLE = re.compile(r"\{glue(?::(?:text|md|any|math))?\}`([^`]+)`")
# ```{glue:figure} key / :::{glue} path::key (directives)
_DIRECTIVE = re.compile(r"^[ \t]*(?:`{3,}|:{3,})\{glue(?::\w+)?\}[ \t]+(\S+)", re.MULTILINE)
_TITLE = re.compile(r"^#[ \t]+(.+?)[ \t]*$", re.MULTILINE)


class EditionError(ValueError):
    """A problem with the edition's metadata or values files."""


# ---------------------------------------------------------------------------------------------
# Version and date
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    version: str
    date: str  # ISO date, YYYY-MM-DD
    title: str
    author: str  # the group that authors the report
    keywords: tuple[str, ...] = ()
    abstract: str = ""


def edition(root: Path | None = None) -> Edition:
    """The current edition as ``CITATION.cff`` describes it (``version``, ``date-released``)."""
    path = (root or project_root()) / CITATION
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EditionError(f"{path}: {exc}") from None
    missing = [k for k in ("version", "date-released", "title", "authors") if not meta.get(k)]
    if missing:
        raise EditionError(f"{path}: no {', '.join(missing)}")
    date = meta["date-released"]
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise EditionError(f"{path}: date-released {date!r} is not a YYYY-MM-DD date") from None
    first = meta["authors"][0]
    names = (first.get("given-names"), first.get("family-names"))
    author = first.get("name") or " ".join(p for p in names if p)
    return Edition(version=str(meta["version"]), date=date.isoformat(), title=str(meta["title"]),
                   author=author, keywords=tuple(str(k) for k in meta.get("keywords", ())),
                   abstract=" ".join(str(meta.get("abstract", "")).split()))


def long_date(iso: str) -> str:
    """"2026-12-01" -> "1 December 2026"."""
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


# ---------------------------------------------------------------------------------------------
# Glued values and the pages that paste them
# ---------------------------------------------------------------------------------------------


def glued_values(notebook: Path) -> dict[str, str]:
    """``key -> value`` (the ``text/plain`` form) of every value glued in an executed notebook:
    a notebook with its outputs, or the glue outputs myst-nb keeps apart from the notebook it
    executed (``<name>.glue.json``, ``key -> output``)."""
    try:
        doc = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EditionError(f"{notebook}: {exc}") from None
    if notebook.name.endswith(".glue.json"):
        outputs = [(key, output) for key, output in doc.items()]
    else:
        outputs = [(output.get("metadata", {}).get("scrapbook", {}).get("name"), output)
                   for cell in doc.get("cells", []) for output in cell.get("outputs", [])]
    out: dict[str, str] = {}
    for name, output in outputs:
        if not name:
            continue
        data = output.get("data", {})
        value = next((v for mime, v in data.items() if mime.endswith("text/plain")), None)
        if isinstance(value, list):
            value = "".join(value)
        out[name] = value if value is not None else "<" + ", ".join(sorted(data)) + ">"
    return out


def glue_references(text: str) -> list[tuple[str, str]]:
    """``(notebook path as written, key)`` of every glue reference of a page ("" for the page's
    own notebook)."""
    refs = []
    for target in _ROLE.findall(text) + _DIRECTIVE.findall(text):
        path, sep, rest = target.partition("::")
        if not sep:
            path, rest = "", target
        refs.append((path.strip(), rest.split(":", 1)[0].strip()))
    return refs


def page_title(text: str, default: str) -> str:
    match = _TITLE.search(text)
    return re.sub(r"[*_`]", "", match.group(1)) if match else default


def _docname(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).with_suffix("").as_posix()  # relpath normalises


def values_table(notebooks: Mapping[str, Path], pages: Iterable[Path], root: Path) -> list[dict]:
    """Every glued value: ``{"key": "<notebook>::<name>", "value": ..., "pages": [{"doc", "title"}]}``.

    ``notebooks`` maps a notebook's name in the book (``analysis/participation``) to the executed
    notebook to read; ``pages`` are the sources (MyST or notebooks) whose glue references give
    the pages of each value; ``root`` is the book's source folder."""
    where: dict[str, list[dict]] = {}
    for page in sorted(pages):
        try:
            text = page.read_text(encoding="utf-8")
        except OSError:
            continue
        refs = glue_references(text) if "{glue" in text else []  # most pages paste nothing
        if not refs:
            continue
        doc = _docname(page, root)
        title = page_title(text, doc)
        names: dict[str, str] = {"": doc}  # notebook path as written -> its name in the book
        for path, name in refs:
            if path not in names:
                nb = _docname((page.parent / path), root) if not path.startswith("/") else path.strip("/")
                names[path] = re.sub(r"\.ipynb$", "", nb)
            entry = {"doc": doc, "title": title}
            if entry not in where.setdefault(f"{names[path]}::{name}", []):
                where[f"{names[path]}::{name}"].append(entry)
    rows = []
    for nb_doc in sorted(notebooks):
        for name, value in sorted(glued_values(notebooks[nb_doc]).items()):
            key = f"{nb_doc}::{name}"
            rows.append({"key": key, "value": value, "pages": where.get(key, [])})
    return rows


def values_document(rows: list[dict], meta: Edition | None = None) -> dict:
    doc: dict = {"values": rows}
    if meta is not None:
        doc = {"version": meta.version, "date": meta.date, **doc}
    return doc


def write_values(path: Path, rows: list[dict], meta: Edition | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = values_document(rows, meta)
    lines = ",".join("\n" + json.dumps(row, ensure_ascii=False) for row in doc.pop("values"))  # one a line
    head = json.dumps(doc, ensure_ascii=False)[1:-1]
    path.write_text("{" + head + (", " if head else "") + f'"values": [{lines}\n]}}\n', encoding="utf-8")
    return path


def read_values(path: Path) -> dict:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EditionError(f"{path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
        raise EditionError(f"{path}: not a values file (no 'values' list)")
    return doc


# ---------------------------------------------------------------------------------------------
# What changed
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    kind: str  # "changed", "appeared", "disappeared"
    key: str
    old: str | None
    new: str | None
    pages: tuple[tuple[str, str], ...]  # (doc, title)


def compare(previous: dict, current: dict) -> list[Change]:
    """Every value that changed, appeared or disappeared between two values documents, in the
    order of their keys. Pages come from the current edition (the previous one for a value that
    disappeared)."""
    old = {row["key"]: row for row in previous["values"]}
    new = {row["key"]: row for row in current["values"]}
    out = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before is not None and after is not None and before["value"] == after["value"]:
            continue
        kind = "changed" if before and after else ("appeared" if after else "disappeared")
        row = after or before
        pages = tuple((p["doc"], p["title"]) for p in row.get("pages", []))
        out.append(Change(kind, key, before and before["value"], after and after["value"], pages))
    return out


def changes_document(previous: dict, current: dict) -> dict:
    return {
        "previous": {k: previous.get(k) for k in ("version", "date")},
        "current": {k: current.get(k) for k in ("version", "date")},
        "changes": [c.__dict__ | {"pages": [list(p) for p in c.pages]} for c in compare(previous, current)],
    }


def changes_markdown(changes: dict) -> str:
    """The body of *Changes in this edition* (MyST) from a :func:`changes_document`."""
    prev, cur = changes["previous"], changes["current"]
    rows = changes["changes"]
    head = (f"Edition {cur.get('version')} ({cur.get('date')}) compared with edition "
            f"{prev.get('version')} ({prev.get('date')}).")
    if not rows:
        return head + " No computed value changed, appeared or disappeared.\n"
    counts = {k: sum(1 for r in rows if r["kind"] == k) for k in ("changed", "appeared", "disappeared")}
    lines = [head + " " + ", ".join(f"{n} {k}" for k, n in counts.items()) + ".", "",
             "| Value | Page | Before | Now |", "|---|---|---|---|"]
    for r in rows:
        pages = "; ".join(f"{{doc}}`{title} </{doc}>`" for doc, title in r["pages"]) or "(not printed)"
        lines.append(f"| `{r['key']}` | {pages} | {_cell(r['old'])} | {_cell(r['new'])} |")
    return "\n".join(lines) + "\n"


def _cell(value: str | None) -> str:
    return "\u2013" if value is None else value.replace("|", "\\|").replace("\n", " ")


# ---------------------------------------------------------------------------------------------
# Files: hashes for the reproducibility annex, previous edition
# ---------------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-]", version))


def previous_edition(root: Path, version: str) -> Path | None:
    """The values file of the latest edition before ``version`` in ``editions/``."""
    folder = root / EDITIONS_DIR
    older = [p for p in folder.glob("*.json") if p.name != Path(CHANGES_FILE).name
             and re.fullmatch(r"\d+(\.\d+)*", p.stem) and _version_key(p.stem) < _version_key(version)]
    return max(older, key=lambda p: _version_key(p.stem), default=None)


def source_notebooks(root: Path) -> dict[str, Path]:
    return {_docname(p, root): p for p in sorted((root / "analysis").glob("*.ipynb"))}


def source_pages(root: Path) -> list[Path]:
    return sorted((root / "book").rglob("*.md")) + sorted((root / "analysis").glob("*.ipynb"))


# ---------------------------------------------------------------------------------------------
# The PDF: pages, metadata, overfull lines
# ---------------------------------------------------------------------------------------------

_OVERFULL = re.compile(r"Overfull \\hbox \(([\d.]+)pt too wide\) (?:in paragraph|in alignment|detected) "
                       r"at lines? (\d+)")


def overfull_boxes(log_text: str) -> list[tuple[float, int]]:
    """(points too wide, line of the .tex file) of every overfull line of a LaTeX log."""
    return [(float(m.group(1)), int(m.group(2))) for m in _OVERFULL.finditer(log_text)]


def pdf_language(pdf: Path) -> str:
    """The document language (``/Lang`` of the catalogue), looked for in plain and compressed
    objects."""
    raw = pdf.read_bytes()
    found = re.search(rb"/Lang\s*\(([^)]*)\)", raw)
    if found:
        return found.group(1).decode("latin-1")
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", raw, re.DOTALL):
        try:
            text = zlib.decompressobj().decompress(stream.group(1))
        except zlib.error:
            continue
        found = re.search(rb"/Lang\s*\(([^)]*)\)", text)
        if found:
            return found.group(1).decode("latin-1")
    return ""


def pdf_report(pdf: Path, log: Path | None, max_overfull: float = 5.0) -> tuple[str, int]:
    """Pages, metadata and overfull lines of the PDF, and the number of overfull lines wider
    than ``max_overfull`` points."""
    lines = [f"PDF {pdf}"]
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    else:
        info = ""
        lines.append("  (pdfinfo not found: sudo apt-get install -y poppler-utils to read the metadata)")
        written = re.search(r"Output written on .*?\((\d+) pages?", log.read_text(encoding="latin-1")) \
            if log is not None and log.is_file() else None
        info = f"Pages: {written.group(1)}" if written else ""
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    for name in ("Pages", "Title", "Author", "Subject", "Keywords", "Creator", "Page size"):
        lines.append(f"  {name + ':':<10} {fields.get(name, '').strip() or '(none)'}")
    lines.append(f"  {'Language:':<10} {pdf_language(pdf) or '(none)'}")
    wide = 0
    if log is not None and log.is_file():
        boxes = overfull_boxes(log.read_text(encoding="latin-1"))
        over = sorted((b for b in boxes if b[0] > max_overfull), reverse=True)
        wide = len(over)
        lines.append(f"  Overfull lines: {len(boxes)}, wider than {max_overfull:g} pt: {wide}"
                     + (f" (widest {over[0][0]:.1f} pt)" if over else ""))
        tex = log.with_suffix(".tex")
        source = tex.read_text(encoding="utf-8").splitlines() if tex.is_file() else []
        for width, line in over[:15]:
            near = " ".join(source[line - 1:line + 2])[:100] if source else ""
            lines.append(f"    {width:6.1f} pt  {tex.name}:{line}  {near}")
    return "\n".join(lines), wide


# ---------------------------------------------------------------------------------------------
# Release: before the build (values, changes page), after it (assets)
# ---------------------------------------------------------------------------------------------


def prepare_release(root: Path, out: Path) -> str:
    """Values of this edition from the executed notebooks of the repository, and the changes
    since the previous edition written to ``editions/changes.json`` (the page's source)."""
    meta = edition(root)
    current = values_document(values_table(source_notebooks(root), source_pages(root), root), meta)
    write_values(out / f"values-{meta.version}.json", current["values"], meta)
    changes_path = root / CHANGES_FILE
    previous = previous_edition(root, meta.version)
    if previous is None:
        if changes_path.exists():
            changes_path.unlink()
        return f"edition {meta.version}: the first edition (no earlier values in {EDITIONS_DIR}/)"
    doc = changes_document(read_values(previous), current)
    changes_path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    changes_path.write_text(text, encoding="utf-8")
    (out / f"changes-{meta.version}.json").write_text(text, encoding="utf-8")
    return f"edition {meta.version} against {previous.name}:\n" + changes_markdown(doc)


def _zip(folder: Path, target: Path, date: str, prefix: str) -> Path:
    """A reproducible zip of ``folder`` (sorted names, the edition's date as every file's time)."""
    stamp = dt.date.fromisoformat(date).timetuple()[:3] + (0, 0, 0)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{prefix}/{path.relative_to(folder).as_posix()}", stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return target


def release_assets(root: Path, out: Path, site: Path, pdf: Path) -> list[Path]:
    """The release files: the PDF, the site and the data package as zips, the values (checked
    against the build's) and the changes; the values are kept as ``editions/<version>.json``."""
    meta = edition(root)
    prepared = read_values(out / f"values-{meta.version}.json")
    built = read_values(site / "values.json")
    mine = {r["key"]: r["value"] for r in prepared["values"]}
    theirs = {r["key"]: r["value"] for r in built["values"]}
    if mine != theirs:
        differ = sorted(k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k))
        raise EditionError(
            f"{len(differ)} values of the build differ from the notebooks' stored outputs (first: "
            f"{differ[0]}): execute the notebooks again and commit them before releasing")
    stem = f"microcredentials-report-{meta.version}"
    assets = [shutil.copy2(pdf, out / f"{stem}.pdf"),
              _zip(site, out / f"{stem}-site.zip", meta.date, f"{stem}-site"),
              _zip(root / "data", out / f"{stem}-data.zip", meta.date, f"{stem}-data"),
              out / f"values-{meta.version}.json"]
    if (out / f"changes-{meta.version}.json").is_file():
        assets.append(out / f"changes-{meta.version}.json")
    record = root / EDITIONS_DIR / f"{meta.version}.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(out / f"values-{meta.version}.json", record)
    return [Path(a) for a in assets] + [record]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcreport.editions", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    values = sub.add_parser("values", help="write the glued values (key, value, pages) to a file")
    values.add_argument("--out", type=Path, required=True)
    values.add_argument("--notebooks", type=Path, default=None,
                        help="folder of executed notebooks (default: the notebooks in analysis/)")
    values.add_argument("--root", type=Path, default=None)
    changes = sub.add_parser("changes", help="compare two values files")
    changes.add_argument("--previous", type=Path, required=True)
    changes.add_argument("--current", type=Path, required=True)
    changes.add_argument("--out", type=Path, default=None, help="changes file (JSON); default: print")
    report = sub.add_parser("pdf-report", help="pages, metadata and overfull lines of the PDF")
    report.add_argument("pdf", type=Path)
    report.add_argument("--log", type=Path, default=None)
    report.add_argument("--max-overfull", type=float, default=5.0,
                        help="fail when a line is wider than the text by more than this (points)")
    prepare = sub.add_parser("prepare", help="release: values and changes page, before the build")
    prepare.add_argument("--out", type=Path, required=True)
    assets = sub.add_parser("assets", help="release: the release files, after the build")
    assets.add_argument("--out", type=Path, required=True)
    assets.add_argument("--site", type=Path, required=True)
    assets.add_argument("--pdf", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "pdf-report":
            text, wide = pdf_report(args.pdf, args.log, args.max_overfull)
            print(text)
            if wide:
                print(f"error: {wide} overfull lines wider than {args.max_overfull:g} pt", file=sys.stderr)
                return 1
            return 0
        if args.command == "prepare":
            args.out.mkdir(parents=True, exist_ok=True)
            print(prepare_release(project_root(), args.out))
            return 0
        if args.command == "assets":
            for path in release_assets(project_root(), args.out, args.site, args.pdf):
                print(f"{path}  {path.stat().st_size} bytes  sha256 {sha256(path)[:16]}")
            return 0
        if args.command == "values":
            root = (args.root or project_root()).resolve()
            notebooks = source_notebooks(root)
            if args.notebooks:
                notebooks = {doc: args.notebooks / Path(doc).with_suffix(".ipynb").name for doc in notebooks}
            rows = values_table(notebooks, source_pages(root), root)
            write_values(args.out, rows, edition(root))
            print(f"{args.out}: {len(rows)} values")
        else:
            doc = changes_document(read_values(args.previous), read_values(args.current))
            if args.out:
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print(changes_markdown(doc))
    except EditionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
