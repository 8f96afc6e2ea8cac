"""Build the book in steps, and publish it only when every step succeeds.

    python -m mcreport.build [--all] [--force]      # -> _build/html/index.html

1. The book's inputs are checked (:func:`mcreport.checks.report`: the data package, the pages,
   the bibliography); on any problem nothing runs.
2. ``python -m mcreport.notebooks``: the notebooks whose inputs changed are executed in place,
   in parallel (``--all``: every notebook).
3. ``jupyter-book build -n -W --keep-going`` renders the book (notebook execution off) into
   ``_build/.work/``, kept between builds: Sphinx's own incremental build, with
   :mod:`mcreport.sphinxext`, re-reads the pages a change affects and writes only the pages whose
   content changed (every page when a title or the table of contents changed). After a build
   that failed or was killed, the next one starts afresh.
4. The pages are checked (:func:`mcreport.site.check`: nothing loaded from another origin, alt
   texts); links and anchors are LinkChecker's, in the ``linkcheck`` session.
5. A copy of the output is swapped in as ``_build/html`` (two renames: the published site is
   never written in place, and a failed build leaves it as it was); a PDF built earlier stays.

Changes are decided on content: when the sha256 of every project file is that of the last good
build, nothing is run. Builds of a checkout wait for each other; the lock is inherited by the
processes a build starts, so none of them outlives it.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import checks, notebooks, site
from .paths import project_root

BUILD_FLAGS = ["-n", "-W", "--keep-going"]
JUPYTER_BOOK = [str(Path(sys.executable).with_name("jupyter-book"))]
_SKIP = {"_build", "__pycache__", "node_modules"}


@dataclass
class Result:
    """What one build did, in seconds."""

    returncode: int = 0
    wall: float = 0.0
    execution: float = 0.0  # wall time of the notebook step
    render: float = 0.0
    executed: dict[str, float] = field(default_factory=dict)
    up_to_date: bool = False
    published: bool = False

    def line(self) -> str:
        if self.up_to_date:
            return f"nothing changed since the last good build; _build/html is current ({self.wall:.2f} s)"
        state = "published _build/html" if self.published else "FAILED; _build/html is unchanged"
        return (f"{len(self.executed)} notebook(s) executed in {self.execution:.1f} s, rendered in "
                f"{self.render:.1f} s, total {self.wall:.1f} s; {state}")


def sources_digest(root: Path, *folders: str) -> str:
    """sha256 over the path and content of every project file, or of those in ``folders``
    (hidden folders, ``_build`` and the figures the notebooks write left out)."""
    digest = hashlib.sha256()
    for top in [root / f for f in folders] or [root]:
        for folder, dirs, files in os.walk(top):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP
                             and here / d != root / "book" / "figures")
            for name in sorted(files):
                path = here / name
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def render(root: Path, work: Path, lock_fd: int, log: Path, quiet: bool) -> int:
    """jupyter-book into ``work``; the child inherits the build lock."""
    command = [*JUPYTER_BOOK, "build", str(root),
               "--path-output", str(work), *BUILD_FLAGS, "--builder", "html"]
    env = dict(os.environ, MCREPORT_ROOT=str(root))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the bytecode cache saves seconds per build
    env["PYTHONUNBUFFERED"] = "1"
    with log.open("w", encoding="utf-8", buffering=1) as out:
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace",
                                pass_fds=(lock_fd,))
        start = time.perf_counter()
        for line in proc.stdout:
            out.write(f"[{time.perf_counter() - start:6.1f}s] {line}")
            if not quiet:
                sys.stdout.write(line)
        return proc.wait()


def problems(html: Path, since: float = 0.0) -> list[str]:
    """What the pages written since ``since`` (a time) must not have."""
    return site.check(html, since) if (html / "index.html").is_file() else [f"{html}: no index.html"]


def publish(root: Path, html: Path) -> None:
    """A copy of ``html`` (with the PDF built earlier) swapped in as ``_build/html``."""
    target, new, old = (root / "_build" / name for name in ("html", ".html-new", ".html-old"))
    for folder in (new, old):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(html, new)
    for pdf in sorted((root / "_build" / "pdf").glob("*.pdf")):
        shutil.copy2(pdf, new / pdf.name)
    if target.exists():
        os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def build(root: Path | None = None, clean: bool = False, force: bool = False,
          quiet: bool = False) -> Result:
    root = (root or project_root()).resolve()
    result, start = Result(), time.perf_counter()
    work = root / "_build" / ".work"
    work.mkdir(parents=True, exist_ok=True)
    with open(root / "_build" / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("waiting for another build of this checkout", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        last, incomplete = work / "last-good.json", work / "INCOMPLETE"
        good = json.loads(last.read_text()) if last.is_file() and not incomplete.exists() else {}
        before = sources_digest(root)
        if not (clean or force) and good.get("sources") == before and (
                root / "_build" / "html" / "index.html").is_file():
            result.up_to_date, result.wall = True, time.perf_counter() - start
            return result
        # what the data check and the notebooks read: when unchanged since the last good build,
        # the data were valid and every notebook up to date
        inputs = sources_digest(root, "analysis", "data", "requirements")
        same = not clean and good.get("inputs") == inputs
        if checks.report(root, data=not same):  # the inputs first (data, pages, bibliography)
            result.returncode, result.wall = 1, time.perf_counter() - start
            return result
        if clean or not good:  # after a failed or killed build: a fresh environment
            shutil.rmtree(work / "_build", ignore_errors=True)
        incomplete.touch()
        t0 = time.perf_counter()
        try:
            result.executed = {} if same else notebooks.run(root, everything=clean)
        except notebooks.NotebookError as exc:
            print(exc, file=sys.stderr)
            result.returncode = 1
        result.execution = time.perf_counter() - t0
        after = {"sources": sources_digest(root), "inputs": sources_digest(root, "analysis", "data",
                                                                           "requirements")}
        html = work / "_build" / "html"
        if result.returncode == 0:
            t0 = time.time()  # pages written from now on are checked (the others were)
            result.returncode = render(root, work, lock.fileno(), work / "html.log", quiet)
            result.render = time.time() - t0
        found = problems(html, since=t0) if result.returncode == 0 else []
        for problem in found:
            print(f"  {problem}", file=sys.stderr)
        if result.returncode == 0 and not found:
            publish(root, html)
            result.published = True
            incomplete.unlink()
            last.write_text(json.dumps({**after, **asdict(result)}, indent=2))
        else:
            result.returncode = result.returncode or 1
        result.wall = time.perf_counter() - start
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcreport.build",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=["html"], nargs="?", default="html")
    parser.add_argument("--all", action="store_true", help="execute every notebook, fresh Sphinx environment")
    parser.add_argument("--incremental", action="store_true", help="only what changed (the default)")
    parser.add_argument("--force", action="store_true", help="run even when nothing changed")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not echo Sphinx's log")
    args = parser.parse_args(argv)
    result = build(clean=args.all, force=args.force, quiet=args.quiet)
    for notebook, seconds in sorted(result.executed.items()):
        print(f"  executed {notebook} in {seconds:.1f} s")
    print(result.line())
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
