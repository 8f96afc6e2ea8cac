"""The bundled data package: assemble ``data/datapackage.json`` and validate it.

Each dataset is described by one fragment, ``data/resources/<name>.yaml``: a Frictionless resource
descriptor (title, description, path, sources, licences, modifications, Table Schema) without the
computed parts. :func:`assemble` adds the sha256 hash, byte count and row count of every file and
writes the package descriptor; :func:`validate` checks every file against it with frictionless and
returns one readable line per problem, naming the file, the row and the field. Numeric cells are
read strictly: digits with an optional sign, decimal point and exponent (no ``inf``/``nan``, no
underscores, spaces or thousands separators, which Python, pandas or frictionless would accept).

:func:`check` without resource names is the data package's whole check, run before a build: the
fragments parse, the files they name exist, ``data/datapackage.json`` is exactly what
``package.yaml``, the fragments and the files produce (no hand edit), and every file validates.

A field may say ``constraints: {enum: "@geo"}``; the enum is then the list of country and
aggregate codes from :func:`mcreport.countries.geo_codes`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
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
    line: int | None = None  # for descriptor files (YAML, JSON): the line

    def __str__(self) -> str:
        where = [self.path]
        if self.line is not None:
            where.append(f"line {self.line}")
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


def _rel(root: Path, path: Path) -> str:
    """``data/...``: how messages name a file of the package."""
    try:
        return f"data/{path.relative_to(root).as_posix()}"
    except ValueError:
        return str(path)


def _yaml_problem(rel: str, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    context, started = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and started and started is not mark:
        context += f" started at line {started.line + 1}, column {started.column + 1}"
    what = "; ".join(filter(None, [context, getattr(exc, "problem", None)]))
    if mark is None:
        return Problem(rel, None, None, f"not valid YAML: {what or exc}")
    return Problem(rel, None, None, f"column {mark.column + 1}: not valid YAML: {what or exc}",
                   line=mark.line + 1)


def _key_line(text: str, key: str) -> int | None:
    """Line of the top-level ``key`` of a YAML mapping, None when it has none."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if key_node.value == key:
                return key_node.start_mark.line + 1
    return None


def _read_yaml(root: Path, path: Path, problems: list[Problem]) -> tuple[object, str] | None:
    """(content, text) of a YAML file of the package; None, with a problem, when it does not
    read (not UTF-8, not YAML)."""
    rel = _rel(root, path)
    if not path.is_file():
        problems.append(Problem(rel, None, None, "missing"))
        return None
    data = path.read_bytes()
    encoding = _not_utf8(data)
    if encoding:
        problems.append(Problem(rel, None, None, encoding[1], line=encoding[0]))
        return None
    text = data.decode("utf-8")
    try:
        return yaml.safe_load(text), text
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(rel, exc))
        return None


def _fragments(root: Path, problems: list[Problem]) -> list[tuple[Path, dict, str]]:
    """(file, fragment, text) of every fragment that reads; a problem for each one that does not."""
    out = []
    for path in sorted((root / FRAGMENTS).glob("*.yaml")):
        rel = _rel(root, path)
        read_ = _read_yaml(root, path, problems)
        if read_ is None:
            continue
        frag, text = read_
        if not isinstance(frag, dict) or "name" not in frag:
            problems.append(Problem(rel, None, None, "not a resource descriptor (no 'name')"))
            continue
        if frag["name"] != path.stem:
            problems.append(Problem(rel, None, "name", f"name {frag['name']!r} differs from the "
                                    "file name", line=_key_line(text, "name")))
            continue
        missing = [key for key in ("path", "schema") if not frag.get(key)]
        if missing:
            problems.append(Problem(rel, None, missing[0], f"no {missing[0]!r}: a resource "
                                    "descriptor needs the path of its file and a Table Schema"))
            continue
        out.append((path, frag, text))
    return out


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise DataPackageError("\n".join(map(str, problems)))


def fragments(root: Path | None = None) -> list[dict]:
    """The resource fragments, in file-name order."""
    problems: list[Problem] = []
    out = _fragments(root or data_dir(), problems)
    _raise(problems)
    return [frag for _, frag, _ in out]


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


# Numeric cells as the CSV must write them. Python, pandas and frictionless also read "8_6" (86),
# " 5", "inf", "Infinity" and "nan"; the data package does not.
_PLAIN = {
    "integer": re.compile(r"[+-]?\d+"),
    "year": re.compile(r"[+-]?\d+"),
    "number": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"),
}
_NOT_FINITE = re.compile(r"\s*[+-]?(?:inf(?:inity)?|nan)\s*", re.I)
# Number options under which frictionless reads other spellings ("1 000", "12%", "3,5").
_NUMBER_OPTIONS = ("decimalChar", "groupChar", "bareNumber")


def _cell_problems(rel: str, content: bytes, schema: dict) -> list[Problem]:
    """Numeric cells that are not plain finite numbers, each with its row and field."""
    import csv
    import io

    missing = set(schema.get("missingValues", [""]))
    checks = []
    for index, field in enumerate(schema.get("fields", [])):
        kind = field.get("type")
        if kind in _PLAIN:
            options = any(o in field for o in _NUMBER_OPTIONS)
            checks.append((index, field["name"], kind, None if options else _PLAIN[kind]))
    if not checks:
        return []
    out = []
    rows = csv.reader(io.StringIO(content.decode("utf-8"), newline=""))
    next(rows, None)
    for number, row in enumerate(rows, start=2):
        for index, name, kind, plain in checks:
            cell = row[index] if index < len(row) else ""
            if cell in missing:
                continue
            if _NOT_FINITE.fullmatch(cell):
                out.append(Problem(rel, number, name, f"Type Error: {cell!r} is not a finite "
                                   f"{kind} (type {kind}: infinite and NaN values are refused; "
                                   "leave the cell empty when the value is missing)"))
            elif plain is not None and not plain.fullmatch(cell):
                how = ", decimal point and exponent" if kind == "number" else ""
                out.append(Problem(rel, number, name, f"Type Error: {cell!r} is not a plain "
                                   f"{kind} (type {kind}: digits with an optional sign{how}; no "
                                   "underscores, spaces or thousands separators)"))
    return out


def _count_rows(path: Path) -> int:
    problem = _not_utf8(path.read_bytes())
    if problem:
        raise DataPackageError(f"{path}, line {problem[0]}: {problem[1]}")
    with path.open(encoding="utf-8", newline="") as fh:
        import csv

        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def _assemble(root: Path, problems: list[Problem]) -> dict | None:
    """The package descriptor, or None with the problems that stop it from being assembled."""
    meta = _read_yaml(root, root / PACKAGE_META, problems)
    package = meta[0] if meta else None
    if meta and not isinstance(package, dict):
        problems.append(Problem(_rel(root, root / PACKAGE_META), None, None,
                                "not a mapping of package metadata"))
    resources = []
    for frag_path, frag, text in _fragments(root, problems):
        res = dict(frag)
        res["schema"] = _expand(frag["schema"])
        path = root / str(frag["path"])
        if not path.is_file():
            problems.append(Problem(_rel(root, frag_path), None, "path",
                                    f"{_rel(root, path)}: file of resource {frag['name']!r} is "
                                    "missing", line=_key_line(text, "path")))
            continue
        encoding = _not_utf8(path.read_bytes())
        if encoding:
            problems.append(Problem(_rel(root, path), None, None, encoding[1], line=encoding[0]))
            continue
        res["hash"] = f"sha256:{sha256(path)}"
        res["bytes"] = path.stat().st_size
        res["rows"] = _count_rows(path)
        resources.append(res)
    if problems:
        return None
    package["resources"] = resources
    return package


def assemble(root: Path | None = None) -> dict:
    """Build the package descriptor from the metadata, the fragments and the files."""
    problems: list[Problem] = []
    package = _assemble(root or data_dir(), problems)
    _raise(problems)
    return package


def write(root: Path | None = None) -> Path:
    root = root or data_dir()
    target = root / DESCRIPTOR
    text = json.dumps(assemble(root), indent=2, ensure_ascii=False) + "\n"
    target.write_text(text, encoding="utf-8")
    return target


def _descriptor(root: Path) -> tuple[dict | None, Problem | None]:
    """``data/datapackage.json`` as a dict, or the problem that stops it from being read."""
    path, rel = root / DESCRIPTOR, f"data/{DESCRIPTOR}"
    if not path.is_file():
        return None, Problem(rel, None, None, "missing; run `python -m mcreport` to write it")
    data = path.read_bytes()
    encoding = _not_utf8(data)
    if encoding:
        return None, Problem(rel, None, None, encoding[1], line=encoding[0])
    try:
        return json.loads(data.decode("utf-8")), None
    except json.JSONDecodeError as exc:
        return None, Problem(rel, None, None, f"column {exc.colno}: not valid JSON: {exc.msg} (the "
                             "file is written by `python -m mcreport`)", line=exc.lineno)


def read(root: Path | None = None) -> dict:
    package, problem = _descriptor(root or data_dir())
    if problem:
        raise DataPackageError(str(problem))
    return package


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


COMPUTED = ("hash", "bytes", "rows")  # written from the files: validate() checks them


def _differences(stored, fresh, where: str = "") -> list[tuple[str, str, object, object]]:
    """(path, last key, stored value, fresh value) where two JSON values differ."""
    if isinstance(stored, dict) and isinstance(fresh, dict):
        out = []
        for key in list(fresh) + [k for k in stored if k not in fresh]:
            a, b = stored.get(key, _ABSENT), fresh.get(key, _ABSENT)
            if a != b:
                sub = _differences(a, b, f"{where}.{key}" if where else str(key))
                out += [(p, k or str(key), x, y) for p, k, x, y in sub]
        return out
    if isinstance(stored, list) and isinstance(fresh, list) and len(stored) == len(fresh):
        out = []
        for index, (a, b) in enumerate(zip(stored, fresh, strict=True)):
            if a != b:
                out += _differences(a, b, f"{where}[{index}]")
        return out
    return [(where, "", stored, fresh)]


class _Absent:
    def __repr__(self) -> str:
        return "nothing"


_ABSENT = _Absent()


def _json_line(text: str, after: int, key: str, value) -> int | None:
    """Line of ``"key": value`` (or of ``"key":``) in a JSON text, from offset ``after`` on."""
    if isinstance(value, _Absent):  # not in the stored descriptor: the entry it belongs in
        return text.count("\n", 0, after) + 1
    needles = [f'"{key}": ']
    if not isinstance(value, dict | list):
        needles.insert(0, f'"{key}": {json.dumps(value, ensure_ascii=False)}')
    for needle in needles:
        pos = text.find(needle, after)
        if pos >= 0:
            return text.count("\n", 0, pos) + 1
    return text.count("\n", 0, after) + 1 if after > 0 else None


def drift(root: Path | None = None) -> list[Problem]:
    """Where ``data/datapackage.json`` is not what ``package.yaml``, the fragments and the files
    produce (a hand edit, or a fragment changed without rewriting it); also every fragment that
    does not read and every file a fragment names that is missing. The files' hash, size and row
    count are left to :func:`validate`, which names the changed rows."""
    root = root or data_dir()
    problems: list[Problem] = []
    fresh = _assemble(root, problems)
    if fresh is None:
        return problems
    rel = f"data/{DESCRIPTOR}"
    stored, problem = _descriptor(root)
    if problem:
        return [problem]
    text = (root / DESCRIPTOR).read_text(encoding="utf-8")
    rewrite = "data/datapackage.json is written by `python -m mcreport`"
    meta = {k: v for k, v in fresh.items() if k != "resources"}
    for where, key, a, b in _differences({k: v for k, v in stored.items() if k != "resources"},
                                          meta):
        problems.append(Problem(rel, None, None, f"{where}: {a!r} here, but data/{PACKAGE_META} "
                                f"gives {b!r} ({rewrite}: edit data/{PACKAGE_META} and run it)",
                                line=_json_line(text, 0, key, a)))
    start = text.find('"resources"')
    stored_res = {r.get("name"): r for r in stored.get("resources", [])}
    fresh_res = {r["name"]: r for r in fresh["resources"]}
    for name, res in fresh_res.items():
        source = f"data/{FRAGMENTS}/{name}.yaml"
        if name not in stored_res:
            problems.append(Problem(rel, None, None, f"no resource {name!r}, but {source} "
                                    f"describes one ({rewrite}: run it)"))
            continue
        at = max(text.find(f'"name": {json.dumps(name, ensure_ascii=False)}', start), 0)
        old = {k: v for k, v in stored_res[name].items() if k not in COMPUTED}
        new = {k: v for k, v in res.items() if k not in COMPUTED}
        for where, key, a, b in _differences(old, new):
            problems.append(Problem(rel, None, None,
                                    f"resource {name!r}, {where}: {a!r} here, but {source} gives "
                                    f"{b!r} ({rewrite}: edit {source} and run it)",
                                    line=_json_line(text, at, key, a)))
    for name in stored_res:
        if name not in fresh_res:
            at = text.find(f'"name": {json.dumps(name, ensure_ascii=False)}', start)
            problems.append(Problem(rel, None, None,
                                    f"resource {name!r} has no data/{FRAGMENTS}/{name}.yaml "
                                    f"({rewrite}: run it)",
                                    line=text.count("\n", 0, at) + 1 if at >= 0 else None))
    return problems


def validate(root: Path | None = None, names: list[str] | None = None) -> list[Problem]:
    """Validate files against the descriptor (schema, hash, bytes, rows); [] when all pass."""
    from frictionless import Resource, system

    root = root or data_dir()
    descriptor, problem = _descriptor(root)
    if problem:
        return [problem]
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
        found = _cell_problems(rel, content, res["schema"])
        seen = {(p.row, p.field) for p in found}  # frictionless would only repeat these
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
                place = (getattr(err, "row_number", None), getattr(err, "field_name", None))
                if place not in seen:
                    found.append(Problem(rel, *place, message))
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


def problems(root: Path | None = None) -> list[Problem]:
    """Everything wrong with the data package: :func:`drift` (descriptors) and :func:`validate`
    (files); [] when it may be published."""
    root = root or data_dir()
    found = drift(root)
    _, unreadable = _descriptor(root)
    if unreadable:  # validate() could only say it again
        return found + [unreadable] if unreadable not in found else found
    return found + validate(root)


def check(root: Path | None = None, names: list[str] | None = None) -> None:
    """Raise :class:`DataPackageError` listing every problem, if any.

    Without ``names``, the whole package (:func:`problems`), as the build checks it before
    anything runs; with ``names``, the files of those resources (the loader)."""
    found = problems(root) if names is None else validate(root, names)
    if found:
        lines = "\n".join(f"  {p}" for p in found[:50])
        more = f"\n  ... and {len(found) - 50} more" if len(found) > 50 else ""
        raise DataPackageError(f"data package validation failed:\n{lines}{more}")
