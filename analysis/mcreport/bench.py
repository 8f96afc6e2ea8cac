"""How fast the author's loop is, measured on the real book, on a temporary copy.

    python -m mcreport.bench [--ref REF] [--no-pdf] [--no-determinism] [--keep]

Copies the book (the working tree as it is, or the commit ``REF``) to a temporary folder -- the
working tree is never touched -- and times, with the build driver (:mod:`mcreport.build`):

1. a clean build (wall time, the sum of the notebooks' execution times, and their ratio; where
   the rest of the time goes, from the build log);
2. a rebuild with no change (the driver sees that no file changed), and the same with the Sphinx
   run forced; 3. after a prose edit of a chapter; 4. after a code edit in one
   notebook; 5. after an edit of one data resource (rows reordered, descriptor rewritten);
6. the raw execution of every notebook (nbclient, one fresh kernel each) and, right after it,
   the nbval run over every notebook; 7. the PDF build;
8. a second clean build of the same sources, compared with the first: glued values and HTML
   must be identical apart from timestamps.

Each step reports the notebooks it executed. The figures are printed as a table and written to
``_build/bench.json`` and ``_build/bench.md``. Targets are reported as met or missed; the bench
never fails on a time (the tests check correctness). It exits non-zero only when a build fails
(a failing nbval run is reported in the table).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import datapackage, deps
from .build import SUMMARY, build_environment, work_dir
from .paths import project_root

TARGETS = {
    "clean_ratio": 1.15,  # clean build wall time / sum of notebook execution times
    "rebuild_seconds": 3.0,  # no-change and prose-edit rebuilds
    "nbval_ratio": 1.2,  # nbval run / raw execution (the clean build's sum)
}
SKIP = {"_build", ".nox", ".venv", ".git", ".pytest_cache", ".ruff_cache", "__pycache__",
        ".ipynb_checkpoints", "figures"}
_STAMP = re.compile(r"^\[\s*([\d.]+)s\] ")
_GLUE_DOC = re.compile(r"\{glue(?::\w+)?\}`")


@dataclass
class Step:
    name: str
    wall: float = 0.0
    cpu: float = 0.0
    returncode: int = 0
    executed: dict[str, float] = field(default_factory=dict)
    note: str = ""
    expected: list[str] | None = None  # the notebooks that should have been executed

    @property
    def execution(self) -> float:
        return round(sum(self.executed.values()), 2)

    @property
    def correct(self) -> bool | None:
        if self.expected is None:
            return None
        return sorted(self.executed) == sorted(self.expected)


# --- copies ----------------------------------------------------------------------------------


def snapshot(repo: Path, target: Path, ref: str | None) -> None:
    """The book's sources at ``target``: the commit ``ref``, or the working tree as it is
    (tracked and untracked files that git does not ignore)."""
    target.mkdir(parents=True)
    if ref:
        archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", ref],
                                 check=True, capture_output=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
        return
    listed = subprocess.run(["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], check=True, capture_output=True).stdout
    for rel in sorted(set(filter(None, listed.decode().split("\0")))):
        src = repo / rel
        if not src.is_file() or SKIP.intersection(Path(rel).parts):
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)


def environment(book: Path) -> dict[str, str]:
    env = build_environment(book)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(book / "analysis"),
                                                      os.environ.get("PYTHONPATH")]))
    return env


def run(args: list[str], book: Path) -> tuple[int, float, float, str]:
    """Run a command in the copy: (exit code, wall seconds, CPU seconds of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=book, env=environment(book), capture_output=True, text=True,
                          errors="replace")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc.returncode, wall, cpu, proc.stdout + proc.stderr


def build_step(name: str, book: Path, *args: str, expected: list[str] | None = None,
               target: str = "html") -> Step:
    summary_file = work_dir(book) / SUMMARY
    summary_file.unlink(missing_ok=True)
    code, wall, cpu, output = run([sys.executable, "-m", "mcreport.build", target, "-q", *args], book)
    summary = {}
    if summary_file.is_file():
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
    step = Step(name, wall, cpu, code, summary.get("executed", {}), expected=expected)
    if summary.get("up_to_date"):
        step.note = "no file changed: the build was not run"
    if code:
        step.note = "build failed: " + " | ".join(output.strip().splitlines()[-3:])
    return step


# --- where a clean build's time goes ---------------------------------------------------------


def phases(log: Path) -> dict[str, float]:
    """Seconds of a build by phase, from the time stamps of the driver's log."""
    marks: dict[str, float] = {}
    first_nb = last_nb = None
    end = 0.0
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _STAMP.match(line)
        if not match:
            continue
        t = float(match.group(1))
        end = t
        text = line[match.end():]
        if "Executing notebook" in text and first_nb is None:
            first_nb = t
        if "Executed notebook in" in text:
            last_nb = t
        for key, needle in (("read_start", "updating environment"),
                            ("pickled", "pickling environment"),
                            ("written", "build succeeded"),
                            ("written", "build finished with problems")):
            if needle in text and key not in marks:
                marks[key] = t
    out = {"start-up (imports, configuration, outdated check)": marks.get("read_start", 0.0)}
    if first_nb is not None and last_nb is not None:
        out["reading notebooks (execution included)"] = last_nb - marks.get("read_start", first_nb)
        out["reading the other pages"] = marks.get("pickled", last_nb) - last_nb
    else:
        out["reading pages"] = marks.get("pickled", 0.0) - marks.get("read_start", 0.0)
    out["consistency checks and writing HTML"] = marks.get("written", end) - marks.get("pickled", end)
    out["after the build (jupyter-book exit)"] = end - marks.get("written", end)
    return {k: round(max(v, 0.0), 2) for k, v in out.items()}


# --- comparing two sites -------------------------------------------------------------------

_VOLATILE = [
    re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"),
    re.compile(rb"(Last updated on|Built on)[^<]*"),
]


def site_differences(left: Path, right: Path) -> list[str]:
    """Files that differ between two built sites; in HTML, time stamps are masked."""
    out = []
    names = {p.relative_to(left) for p in left.rglob("*") if p.is_file()}
    names |= {p.relative_to(right) for p in right.rglob("*") if p.is_file()}
    for name in sorted(names):
        if name.name == ".buildinfo":
            continue
        a, b = left / name, right / name
        if not (a.is_file() and b.is_file()):
            out.append(f"{name}: only in one build")
        elif name.suffix == ".html":
            x, y = a.read_bytes(), b.read_bytes()
            for pattern in _VOLATILE:
                x, y = pattern.sub(b"<time>", x), pattern.sub(b"<time>", y)
            if x != y:
                out.append(str(name))
        elif not filecmp.cmp(a, b, shallow=False):
            out.append(str(name))
    return out


def glued_values(book: Path) -> dict[str, dict]:
    """Every notebook's glued values (their text form) from the work folder of a build."""
    folder = work_dir(book) / "_build" / "jupyter_execute"
    out = {}
    for path in sorted(folder.rglob("*.glue.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out[str(path.relative_to(folder))] = {k: v.get("data", {}).get("text/plain")
                                              for k, v in sorted(data.items())}
    return out


# --- the edits -------------------------------------------------------------------------------


def notebooks(book: Path) -> list[Path]:
    return sorted((book / "analysis").glob("*.ipynb"))


def prose_page(book: Path) -> Path:
    """The chapter that pastes the most glued values (its re-read costs the most)."""
    pages = sorted((book / "book").rglob("*.md"))
    return max(pages, key=lambda p: (len(_GLUE_DOC.findall(p.read_text(encoding="utf-8"))), str(p)))


def edit_prose(page: Path) -> None:
    with page.open("a", encoding="utf-8") as fh:
        fh.write("\nA sentence added to time a rebuild after a prose edit.\n")


def edit_code(notebook: Path) -> None:
    """A comment appended to the last code cell: new code, same results."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = [c for c in nb["cells"] if c["cell_type"] == "code"][-1]
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    cell["source"] = source + "\n# edited to time a rebuild"
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def readers(book: Path) -> dict[str, list[str]]:
    """``{resource: notebooks (analysis/x.ipynb) that load it}``."""
    out: dict[str, list[str]] = {}
    for nb in notebooks(book):
        for name in deps.resources_read(nb):
            out.setdefault(name, []).append(str(nb.relative_to(book)))
    return out


def edit_data(book: Path, name: str) -> None:
    """The data rows of a resource in reverse order: a new file, the same data; then the
    descriptor is rewritten as after any data change."""
    res = datapackage.resource_descriptor(name, book / "data")
    path = book / "data" / res["path"]
    header, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(header + "".join(reversed(rows)), encoding="utf-8")
    datapackage.write(book / "data")


# --- the run ---------------------------------------------------------------------------------

#: Each notebook executed once in a fresh kernel in its own folder, nothing written.
_RAW_EXECUTION = """
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

for name in sys.argv[1:]:
    nb = nbformat.read(name, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=600,
                   resources={"metadata": {"path": str(Path(name).parent)}}).execute()
"""


def bench(repo: Path, ref: str | None, pdf: bool, determinism: bool, keep: bool) -> dict:
    base = Path(tempfile.mkdtemp(prefix="mcreport-bench-"))
    source, book = base / "source", base / "book"
    steps: list[Step] = []
    result: dict = {"source": ref or "working tree", "copy": str(book), "steps": steps}
    try:
        snapshot(repo, source, ref)
        stale = datapackage.out_of_sync(source / "data")
        if stale:  # a descriptor behind its files: bring it up to date, or the data edit below
            datapackage.write(source / "data")  # would also carry these changes
            result["descriptor_updated_for"] = stale
        shutil.copytree(source, book, symlinks=True)
        os.environ["MCREPORT_ROOT"] = str(book)  # edits below validate against the copy
        # warm the bytecode cache, so that the first timed build does not pay for compiling
        run([sys.executable, "-c", "import jupyter_book.cli.main, myst_nb, sphinx, pandas, "
             "matplotlib, seaborn, frictionless, nbval, mcreport.sphinxext"], book)

        clean = build_step("clean build", book, "--all",
                           expected=[str(p.relative_to(book)) for p in notebooks(book)])
        steps.append(clean)
        result["clean_phases"] = phases(work_dir(book) / "html.log")
        if clean.returncode:
            return result
        first_site = base / "first-site"
        shutil.copytree(book / "_build" / "html", first_site)
        first_glue = glued_values(book)

        steps.append(build_step("no-change rebuild", book, expected=[]))
        step = build_step("no-change rebuild, Sphinx run forced", book, "--force", expected=[])
        step.note = "what Sphinx costs when it finds nothing to do"
        steps.append(step)
        page = prose_page(book)
        edit_prose(page)
        step = build_step("rebuild after a prose edit", book, expected=[])
        step.note = f"edited {page.relative_to(book)}"
        steps.append(step)

        timed = {k: v for k, v in clean.executed.items()}
        nb = min(timed, key=lambda k: (timed[k], k)) if timed else None
        if nb:
            edit_code(book / nb)
            step = build_step("rebuild after a code edit in one notebook", book, expected=[nb])
            step.note = f"edited {nb}"
            steps.append(step)

        by_resource = readers(book)
        if by_resource:
            every = len(notebooks(book))
            name = max(by_resource, key=lambda n: (len(by_resource[n]) < every, len(by_resource[n]), n))
            edit_data(book, name)
            step = build_step("rebuild after an edit of one data resource", book,
                              expected=by_resource[name])
            step.note = f"resource {name}, read by {len(by_resource[name])} notebook(s)"
            steps.append(step)

        # raw execution, then nbval, back to back on a fresh copy of the sources
        checked = base / "nbval"
        shutil.copytree(source, checked, symlinks=True)
        code, wall, cpu, output = run(
            [sys.executable, "-c", _RAW_EXECUTION, *[str(p.relative_to(checked))
                                                     for p in notebooks(checked)]], checked)
        steps.append(Step("raw execution (every notebook, nbclient)", wall, cpu, code, {},
                          note="" if code == 0 else "failed: " + output.strip()[-200:]))
        code, wall, cpu, output = run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
             "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
             *[str(p.relative_to(checked)) for p in notebooks(checked)]], checked)
        tail = output.strip().splitlines()[-1] if output.strip() else ""
        steps.append(Step("nbval run (every notebook)", wall, cpu, code, {},
                          note=tail + ("" if code == 0 else " (FAILED)")))

        if pdf:
            if shutil.which("latexmk") is None:
                steps.append(Step("PDF build", note="skipped: TeX Live is not installed"))
            else:
                step = build_step("PDF build (after the HTML builds)", book, target="pdf",
                                  expected=[])
                steps.append(step)

        if determinism:
            shutil.rmtree(book)
            shutil.copytree(source, book, symlinks=True)
            again = build_step("second clean build (determinism)", book, "--all",
                               expected=clean.expected)
            steps.append(again)
            if again.returncode == 0:
                glue_diff = sorted(
                    f"{doc}::{key}" for doc in set(first_glue) | set(glued_values(book))
                    for key in set(first_glue.get(doc, {})) | set(glued_values(book).get(doc, {}))
                    if first_glue.get(doc, {}).get(key) != glued_values(book).get(doc, {}).get(key))
                html_diff = site_differences(first_site, book / "_build" / "html")
                result["determinism"] = {"glue_differences": glue_diff,
                                         "site_differences": html_diff,
                                         "identical": not glue_diff and not html_diff}
        return result
    finally:
        result["steps"] = [dict(asdict(s), execution=s.execution, correct=s.correct) for s in steps]
        if keep:
            result["kept"] = str(base)
        else:
            shutil.rmtree(base, ignore_errors=True)


def assess(result: dict) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each target of the issue."""
    steps = {s["name"]: s for s in result["steps"]}
    out: list[tuple[str, str, bool | None]] = []
    clean = steps.get("clean build")
    if clean and clean["execution"]:
        ratio = clean["wall"] / clean["execution"]
        out.append((f"clean build <= {TARGETS['clean_ratio']} x notebook execution",
                    f"{clean['wall']:.1f} s / {clean['execution']:.1f} s = {ratio:.2f} x",
                    ratio <= TARGETS["clean_ratio"]))
    for name in ("no-change rebuild", "rebuild after a prose edit"):
        s = steps.get(name)
        if s:
            out.append((f"{name} <= {TARGETS['rebuild_seconds']:.0f} s, 0 notebooks",
                        f"{s['wall']:.1f} s, {len(s['executed'])} notebook(s)",
                        s["wall"] <= TARGETS["rebuild_seconds"] and not s["executed"]))
    nbval = steps.get("nbval run (every notebook)")
    raw = steps.get("raw execution (every notebook, nbclient)")
    if nbval and raw and raw["wall"] and raw["returncode"] == 0:
        ratio = nbval["wall"] / raw["wall"]
        out.append((f"nbval run <= {TARGETS['nbval_ratio']} x raw execution",
                    f"{nbval['wall']:.1f} s / {raw['wall']:.1f} s = {ratio:.2f} x",
                    ratio <= TARGETS["nbval_ratio"]))
    for s in result["steps"]:
        if s["correct"] is not None:
            out.append((f"{s['name']}: executes exactly what it should",
                        f"{len(s['executed'])} executed, {len(s['expected'])} expected",
                        s["correct"] and s["returncode"] == 0))
    det = result.get("determinism")
    if det:
        out.append(("two clean builds: same glued values and HTML",
                    f"{len(det['glue_differences'])} glue, {len(det['site_differences'])} file "
                    "difference(s)", det["identical"]))
    return out


def report(result: dict) -> str:
    lines = [f"# Build benchmark ({result['source']})", "",
             f"Machine: {platform.node()}, {os.cpu_count()} CPU(s), load average "
             f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end; "
             f"Python {platform.python_version()}.", "",
             "| step | wall (s) | CPU (s) | notebooks executed | their execution (s) | note |",
             "|---|---:|---:|---:|---:|---|"]
    for s in result["steps"]:
        lines.append(f"| {s['name']} | {s['wall']:.1f} | {s['cpu']:.1f} | {len(s['executed'])} | "
                     f"{s['execution']:.1f} | {s['note'] or ('failed' if s['returncode'] else '')} |")
    if result.get("descriptor_updated_for"):
        lines += ["", "The copy's data/datapackage.json was behind its files and was rewritten first "
                  f"(resources: {', '.join(result['descriptor_updated_for'])})."]
    if result.get("clean_phases"):
        lines += ["", "Where the clean build's time goes (from the build log):", ""]
        lines += [f"- {k}: {v:.1f} s" for k, v in result["clean_phases"].items()]
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    for target, measured, met in assess(result):
        lines.append(f"| {target} | {measured} | {'yes' if met else 'NO' if met is False else '-'} |")
    det = result.get("determinism")
    if det and not det["identical"]:
        lines += ["", "Differences between the two clean builds:", ""]
        lines += [f"- {d}" for d in (det["glue_differences"] + det["site_differences"])[:40]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcreport.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", help="benchmark this commit instead of the working tree")
    parser.add_argument("--no-pdf", dest="pdf", action="store_false", help="skip the PDF build")
    parser.add_argument("--no-determinism", dest="determinism", action="store_false",
                        help="skip the second clean build")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args(argv)
    repo = project_root()
    result = bench(repo, args.ref, args.pdf, args.determinism, args.keep)
    result["assessment"] = [{"target": t, "measured": m, "met": ok} for t, m, ok in assess(result)]
    result["load_average"] = os.getloadavg()
    text = report(result)
    out = repo / "_build"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / "bench.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"written: {out / 'bench.json'}, {out / 'bench.md'}")
    # a failed build leaves the figures incomplete; a failing nbval is reported in the table
    failed = [s["name"] for s in result["steps"] if s["returncode"] and not s["name"].startswith("nbval")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
