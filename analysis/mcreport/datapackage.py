"""The bundled data package: assemble ``data/datapackage.json`` and validate it.

Each dataset is described by one fragment, ``data/resources/<name>.yaml``: a Frictionless resource
descriptor (title, description, path, sources, licences, modifications, Table Schema) without the
computed parts. :func:`assemble` adds the sha256 hash, byte count and row count of every file and
writes the package descriptor; :func:`validate` checks every file against it with frictionless and
returns one readable line per problem, naming the file, the row and the field.

A field may say ``constraints: {enum: "@geo"}``; the enum is then the list of country and
aggregate codes from :func:`mcreport.countries.geo_codes`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import countries
from .paths import data_dir

DESCRIPTOR = "datapackage.json"
PACKAGE_META = "package.yaml"
FRAGMENTS = "resources"
GEO_ENUM = "@geo"
STATUSES = ("verified", "verified-copy", "secondhand", "partly-secondhand")


class DataPackageError(Exception):
    """The data package or one of its files does not pass validation."""


@dataclass(frozen=True)
class Problem:
    path: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.path]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _expand(schema: dict) -> dict:
    schema = copy.deepcopy(schema)
    for field in schema.get("fields", []):
        cons = field.get("constraints", {})
        if cons.get("enum") == GEO_ENUM:
            cons["enum"] = list(countries.geo_codes())
    return schema


def fragments(root: Path | None = None) -> list[dict]:
    """The resource fragments, in file-name order."""
    folder = (root or data_dir()) / FRAGMENTS
    out = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            with path.open(encoding="utf-8") as fh:
                frag = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise DataPackageError(f"{path}: not valid YAML: {exc}") from exc
        if not isinstance(frag, dict) or "name" not in frag:
            raise DataPackageError(f"{path}: not a resource descriptor (no 'name')")
        if frag["name"] != path.stem:
            raise DataPackageError(f"{path}: name {frag['name']!r} differs from the file name")
        out.append(frag)
    return out


def _not_utf8(data: bytes) -> tuple[int, str] | None:
    """``(line, what)`` where ``data`` stops being UTF-8, or None when it is UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return line, (f"column {column}: byte 0x{data[exc.start]:02x} is not UTF-8 "
                      "(save the file as UTF-8)")
    return None


def _header_problems(rel: str, content: bytes, fields: list[str]) -> list[Problem]:
    """The header row against the schema's field names: missing, unknown, repeated, moved."""
    import csv
    import io

    first = content.decode("utf-8").splitlines()[:1]
    header = next(csv.reader(io.StringIO(first[0]))) if first else []
    out = []
    for number, label in enumerate(header, start=1):
        if label not in fields:
            out.append(Problem(rel, 1, label or None,
                               f"header, column {number}: unknown column {label!r} (not a field of "
                               "the schema)"))
        elif header.count(label) > 1 and header.index(label) != number - 1:
            out.append(Problem(rel, 1, label, f"header, column {number}: column {label!r} repeated"))
    for field in fields:
        if field not in header:
            out.append(Problem(rel, 1, field, f"header: column {field!r} of the schema is missing"))
    if not out and header != fields:
        out.append(Problem(rel, 1, None, f"header: columns {header} are not in the schema's order "
                                         f"{fields}"))
    return out


def _count_rows(path: Path) -> int:
    problem = _not_utf8(path.read_bytes())
    if problem:
        raise DataPackageError(f"{path}, line {problem[0]}: {problem[1]}")
    with path.open(encoding="utf-8", newline="") as fh:
        import csv

        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def assemble(root: Path | None = None) -> dict:
    """Build the package descriptor from the metadata, the fragments and the files."""
    root = root or data_dir()
    with (root / PACKAGE_META).open(encoding="utf-8") as fh:
        package = yaml.safe_load(fh)
    resources = []
    for frag in fragments(root):
        res = dict(frag)
        res["schema"] = _expand(frag["schema"])
        path = root / frag["path"]
        if not path.is_file():
            raise DataPackageError(f"{path}: file of resource {frag['name']!r} is missing")
        res["hash"] = f"sha256:{sha256(path)}"
        res["bytes"] = path.stat().st_size
        res["rows"] = _count_rows(path)
        resources.append(res)
    package["resources"] = resources
    return package


def write(root: Path | None = None) -> Path:
    root = root or data_dir()
    target = root / DESCRIPTOR
    text = json.dumps(assemble(root), indent=2, ensure_ascii=False) + "\n"
    target.write_text(text, encoding="utf-8")
    return target


def read(root: Path | None = None) -> dict:
    root = root or data_dir()
    path = root / DESCRIPTOR
    if not path.is_file():
        raise DataPackageError(f"{path}: missing; run `nox -s data` to write it")
    return json.loads(path.read_text(encoding="utf-8"))


def resource_descriptor(name: str, root: Path | None = None) -> dict:
    for res in read(root)["resources"]:
        if res["name"] == name:
            return res
    raise DataPackageError(f"data/{DESCRIPTOR}: no resource named {name!r}")


def out_of_sync(root: Path | None = None) -> list[str]:
    """Resources whose descriptor differs from what :func:`assemble` would write now."""
    root = root or data_dir()
    stored = {r["name"]: r for r in read(root)["resources"]}
    fresh = {r["name"]: r for r in assemble(root)["resources"]}
    names = sorted(set(stored) | set(fresh))
    return [n for n in names if stored.get(n) != fresh.get(n)]


def validate(root: Path | None = None, names: list[str] | None = None) -> list[Problem]:
    """Validate files against the descriptor (schema, hash, bytes, rows); [] when all pass."""
    from frictionless import Resource, system

    root = root or data_dir()
    try:
        descriptor = read(root)
    except DataPackageError as exc:
        return [Problem(f"data/{DESCRIPTOR}", None, None, str(exc))]
    problems: list[Problem] = []
    for res in descriptor["resources"]:
        if names is not None and res["name"] not in names:
            continue
        rel = f"data/{res['path']}"
        file = root / res["path"]
        if not file.is_file():
            problems.append(Problem(rel, None, None, f"file of resource {res['name']!r} is missing"))
            continue
        content = file.read_bytes()
        if not content:
            problems.append(Problem(rel, 1, None, "the file is empty (no header row, no data)"))
            continue
        encoding = _not_utf8(content)
        if encoding:
            problems.append(Problem(rel, encoding[0], None, encoding[1]))
            continue
        header = _header_problems(rel, content, [f["name"] for f in res["schema"]["fields"]])
        if header:  # the columns do not line up with the schema: cell checks would only add noise
            problems.extend(header)
            continue
        found: list[Problem] = []
        desc = {k: v for k, v in res.items() if k not in ("rows",)}
        desc["path"] = str(file)
        with system.use_context(trusted=True):
            resource = Resource(desc)
            report = resource.validate()
        for task in report.tasks:
            for err in task.errors:
                message = f"{err.title}: {err.note}"
                if err.type in ("hash-count", "byte-count"):
                    message += (f" (the file differs from its entry in data/{DESCRIPTOR}: "
                                "run `python -m mcreport` after changing it)")
                cell = getattr(err, "cell", None)
                if cell is not None and err.type != "primary-key":
                    message += f" (cell value {cell!r})"
                if err.type == "primary-key":
                    key = ", ".join(res["schema"].get("primaryKey", []))
                    message = f"duplicate primary key ({key}): {err.note}"
                found.append(
                    Problem(
                        rel,
                        getattr(err, "row_number", None),
                        getattr(err, "field_name", None),
                        message,
                    )
                )
        if not report.tasks:
            found.extend(Problem(rel, None, None, str(e)) for e in report.errors)
        if not found:
            actual = _count_rows(file)
            expected_rows = res.get("rows")
            if actual == 0:
                found.append(Problem(rel, 2, None, "no data rows below the header"))
            elif expected_rows is not None and actual != expected_rows:
                found.append(
                    Problem(rel, None, None, f"has {actual} rows, descriptor says {expected_rows}")
                )
        problems.extend(found)
    return problems


def check(root: Path | None = None, names: list[str] | None = None) -> None:
    """Raise :class:`DataPackageError` listing every problem, if any."""
    problems = validate(root, names)
    if problems:
        lines = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise DataPackageError(f"data package validation failed:\n{lines}{more}")
