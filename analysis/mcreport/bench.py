"""How fast the author's loop is, measured on a temporary copy of the book (never the tree).

    python -m mcreport.bench          # -> _build/bench.md, _build/bench.json

With the build driver: every notebook one after another (the serial sum); a clean build; a
rebuild with no change, after a prose edit (the median of three), after a data edit (one
dataset's rows reversed); a second clean build, compared with the first. Each target is
reported met or missed; only a failing build fails the bench.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import datapackage, deps
from .paths import project_root

MACHINERY = ["build.py", "deps.py", "bench.py", "site.py", "notebooks.py", "sphinxext/__init__.py"]
_EXECUTED = re.compile(r"^\s*(?:executed )?(\S+\.ipynb):? (?:executed )?in ([\d.]+) s", re.M)
#: Every build of the bench dates its pages from this time (Sphinx reads it), so that two clean
#: builds can be compared byte for byte.
EPOCH = "1780000000"


def site_differences(left: Path, right: Path) -> list[str]:
    """Files that differ between two built sites, byte for byte (but Sphinx's ``.buildinfo``,
    which records the configuration with the folders it was built in)."""
    files = [{p.relative_to(d).as_posix(): deps.file_hash(p) for p in d.rglob("*")
              if p.is_file() and p.name != ".buildinfo"} for d in (left, right)]
    return sorted(n for n in files[0].keys() | files[1].keys() if files[0].get(n) != files[1].get(n))


def copy_tree(repo: Path, target: Path) -> None:
    """The working tree without what builds and tools leave (hidden folders, ``_build``)."""
    shutil.copytree(repo, target, ignore=shutil.ignore_patterns(".*", "_build", "node_modules",
                                                                "__pycache__"))


def run(book: Path, *args: str) -> tuple[float, dict[str, float]]:
    """(wall seconds, {notebook: seconds executed}) of ``python -m <args>`` in the copy."""
    env = dict(os.environ, MCREPORT_ROOT=str(book), SOURCE_DATE_EPOCH=EPOCH,
               PYTHONPATH=os.pathsep.join(filter(None, [str(book / "analysis"),
                                                        os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", *args], cwd=book, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    if proc.returncode:
        raise SystemExit(f"bench: `python -m {' '.join(args)}` failed:\n{log[-4000:]}")
    return wall, {nb: float(s) for nb, s in _EXECUTED.findall(log)}


def bench(repo: Path) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="mcreport-bench-"))
    book = tmp / "book"
    copy_tree(repo, book)
    rows: list[tuple[str, str, bool | None]] = []
    try:
        lines = {name: len((repo / "analysis" / "mcreport" / name).read_text(encoding="utf-8")
                           .splitlines()) for name in MACHINERY}
        detail = ", ".join(f"{k} {v}" for k, v in lines.items())
        rows.append(("machinery lines", f"{sum(lines.values())} ({detail})", sum(lines.values()) <= 884))
        _, serial = run(book, "mcreport.notebooks", "--all", "-j", "1")
        total = sum(serial.values())
        rows.append(("notebooks one after another (sum)", f"{total:.1f} s, {len(serial)} notebooks", None))
        wall, executed = run(book, "mcreport.build", "--all", "-q")
        rows.append(("clean build", f"{wall:.1f} s = {wall / total:.2f} x the serial sum",
                     wall <= 0.8 * total))
        first = tmp / "first-site"
        shutil.copytree(book / "_build" / "html", first)
        wall, executed = run(book, "mcreport.build", "-q")
        rows.append(("rebuild, no change", f"{wall:.2f} s, {len(executed)} executed",
                     wall <= 1.0 and not executed))
        page, edits = book / "book" / "conclusions.md", []  # three edits: the median of their times
        for n in range(3):
            page.write_text(page.read_text(encoding="utf-8") + f"\nSentence {n}.\n", encoding="utf-8")
            edits.append(run(book, "mcreport.build", "-q"))
        wall = sorted(seconds for seconds, _ in edits)[1]
        executed = [nb for _, done in edits for nb in done]
        times = ", ".join(f"{w:.1f}" for w, _ in edits)
        rows.append(("rebuild, prose edit", f"{wall:.1f} s (median of {times}), {len(executed)} executed",
                     wall <= 3.0 and not executed))
        name = "mooc_supply"
        res = datapackage.resource_descriptor(name, book / "data")
        path = book / "data" / res["path"]
        header, *data = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text(header + "".join(reversed(data)), encoding="utf-8")
        datapackage.write(book / "data")
        expected = deps.readers(name, book)
        wall, executed = run(book, "mcreport.build", "-q")
        rows.append((f"rebuild, data edit ({name})",
                     f"{wall:.1f} s, executed {', '.join(sorted(executed))}",
                     sorted(executed) == sorted(expected)))
        shutil.rmtree(book)
        copy_tree(repo, book)
        run(book, "mcreport.build", "--all", "-q")
        differences = site_differences(first, book / "_build" / "html")
        rows.append(("two clean builds", "identical" if not differences else
                     f"{len(differences)} file(s) differ: {', '.join(differences[:5])}", not differences))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"rows": rows, "serial": serial}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcreport.bench", description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    root, mark = project_root(), {True: "met", False: "MISSED", None: ""}
    result = bench(root)
    text = "\n".join(["| measure | value | target |", "|---|---|---|", *(
        f"| {name} | {value} | {mark[ok]} |" for name, value, ok in result["rows"])]) + "\n"
    print(text)
    (root / "_build").mkdir(exist_ok=True)
    (root / "_build" / "bench.md").write_text(text, encoding="utf-8")
    (root / "_build" / "bench.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
