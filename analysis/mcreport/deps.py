"""What a notebook depends on, so that a change re-executes exactly the notebooks it affects.

A notebook's inputs are: its own code, the data files of the resources it loads (found from the
literal ``load("name")`` calls in its code), ``data/datapackage.json`` entries of those
resources, the modules of :mod:`mcreport` it imports (with the modules they import, found by
reading their ``import`` statements) and the lock file of the environment. :func:`fingerprint`
hashes all of them; the book's Sphinx extension re-reads (and so re-executes) a notebook when its
fingerprint changes, and re-reads the pages that paste values glued in it.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

import nbformat

from .paths import project_root

LOCK_FILE = "requirements/book.lock"
PACKAGE = "mcreport"
_LOAD_CALL = re.compile(r"""\bload\(\s*["']([A-Za-z0-9_]+)["']""")
_ANY_LOAD = re.compile(r"\bload\(")
# A pasted value names its notebook right after the role's backtick, or in the glue directive's
# argument or :doc: option. Matching starts at a backtick or a line start, never inside long
# unbroken text (a notebook's stored outputs), so the scan stays linear.
_GLUE_REF = re.compile(r"`([^\s`<>:]+\.ipynb)::")
_GLUE_ARG = re.compile(r"^[`:]{3,}\{glue(?::\w+)?\}[ \t]+([^\s`<>:]+\.ipynb)::", re.M)
_GLUE_DOC = re.compile(r"^[ \t]*:doc:[ \t]*(\S+\.ipynb)", re.M)


class DependencyError(Exception):
    """A notebook's inputs cannot be determined statically."""


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path), st.st_mtime_ns, st.st_size


@lru_cache(maxsize=256)
def _code_cells(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    if nb.get("nbformat") != 4:
        nb = nbformat.reads(json.dumps(nb), as_version=4)
    return tuple(
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in nb["cells"] if c.get("cell_type") == "code"
    )


def code_cells(path: Path) -> list[str]:
    # read once per version of the file: the build asks for every notebook on every build
    return list(_code_cells(*_stat_key(Path(path))))


def resources_read(path: Path) -> list[str]:
    """Names of the data resources a notebook loads, from its literal ``load("...")`` calls."""
    names: list[str] = []
    for number, source in enumerate(code_cells(path), start=1):
        literal = _LOAD_CALL.findall(source)
        if len(_ANY_LOAD.findall(source)) != len(literal):
            raise DependencyError(
                f"{path}: code cell {number} calls load() without a literal resource name; "
                "write load(\"name\") so the build knows which data the notebook reads"
            )
        names.extend(n for n in literal if n not in names)
    return names


def _module_file(module: str, root: Path) -> Path | None:
    base = root / "analysis" / Path(*module.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _imports(tree: ast.AST, current: str) -> set[str]:
    found: set[str] = set()
    package = current.rsplit(".", 1)[0] if not current.endswith("__init__") else current
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                mod = f"{base}.{node.module}" if node.module else base
            else:
                mod = node.module or ""
            if mod.split(".")[0] != PACKAGE:
                continue
            found.add(mod)
            found.update(f"{mod}.{a.name}" for a in node.names)
    return found


def package_modules(sources: list[str], root: Path | None = None) -> list[Path]:
    """Files of the ``mcreport`` modules that code imports, with what those import in turn."""
    root = root or project_root()
    todo: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # IPython magics: leave to execution
        todo |= _imports(tree, "__main__")
    seen: dict[str, Path] = {}
    while todo:
        mod = todo.pop()
        parts = mod.split(".")
        for i in range(1, len(parts) + 1):  # parent packages run their __init__
            name = ".".join(parts[:i])
            if name in seen:
                continue
            file = _module_file(name, root)
            if file is None:
                continue
            seen[name] = file
            modname = name + (".__init__" if file.name == "__init__.py" else "")
            todo |= _module_imports(*_stat_key(file), modname)
    return sorted(set(seen.values()))


@lru_cache(maxsize=256)
def _module_imports(path: str, mtime_ns: int, size: int, modname: str) -> frozenset[str]:
    return frozenset(_imports(ast.parse(Path(path).read_text(encoding="utf-8")), modname))


@lru_cache(maxsize=8)
def _descriptors(path: str, mtime_ns: int, size: int) -> dict[str, str]:
    """``{resource name: canonical JSON of its descriptor}`` of ``data/datapackage.json``."""
    package = json.loads(Path(path).read_text(encoding="utf-8"))
    return {r["name"]: json.dumps(r, sort_keys=True) for r in package.get("resources", [])}


@lru_cache(maxsize=256)
def _file_hash(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_hash(path: Path) -> str:
    if not path.is_file():
        return "missing"
    st = path.stat()
    return _file_hash(str(path), st.st_mtime_ns, st.st_size)


def inputs(path: Path, root: Path | None = None) -> dict[str, str]:
    """``{input: sha256}`` for everything the notebook at ``path`` depends on, code included."""
    root = root or project_root()
    sources = code_cells(path)
    out = {"code": hashlib.sha256("\n\x00".join(sources).encode()).hexdigest()}
    descriptor_path = root / "data" / "datapackage.json"
    descriptors = _descriptors(*_stat_key(descriptor_path)) if descriptor_path.is_file() else {}
    for name in resources_read(path):
        blob = descriptors.get(name)
        out[f"resource:{name}"] = hashlib.sha256((blob or "missing").encode()).hexdigest()
        if blob:
            rel = json.loads(blob)["path"]
            out[f"data/{rel}"] = file_hash(root / "data" / rel)
    for file in package_modules(sources, root):
        out[str(file.relative_to(root))] = file_hash(file)
    out[LOCK_FILE] = file_hash(root / LOCK_FILE)
    return out


def fingerprint(path: Path, root: Path | None = None) -> str:
    blob = json.dumps(inputs(path, root), sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def pasted_notebooks(page: Path) -> list[Path]:
    """Notebooks whose glued values a MyST page (or a notebook's markdown cells) pastes
    (``{glue:...}`../x.ipynb::key```)."""
    if page.suffix == ".ipynb":
        with open(page, encoding="utf-8") as fh:
            cells = json.load(fh).get("cells", [])
        text = "\n".join(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c.get("cell_type") == "markdown")
    else:
        text = page.read_text(encoding="utf-8")
    found = []
    for ref in _GLUE_REF.findall(text) + _GLUE_ARG.findall(text) + _GLUE_DOC.findall(text):
        target = (page.parent / ref).resolve()
        if target not in found:
            found.append(target)
    return found
