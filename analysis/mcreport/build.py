"""Build the book in steps; publish it only when every step succeeds.

    python -m mcreport.build [--all] [--force] [-q]      # -> _build/html/index.html

Nothing runs when every project file has the content of the last good build. Otherwise the
inputs are checked (:mod:`mcreport.checks`, in a child process: before notebooks run, beside
Sphinx when none has to); :mod:`mcreport.notebooks` executes those whose inputs changed
(``--all``: all); ``jupyter-book build -n -W --keep-going`` renders into ``_build/.work/``
(Sphinx's incremental build with :mod:`mcreport.sphinxext`; afresh after a failed or killed
build); the pages written are checked (:func:`mcreport.site.check`); a copy of the output
replaces ``_build/html`` by two renames. Builds of a checkout wait for each other.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import gc
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.dont_write_bytecode = False  # the bytecode cache saves a second per build (set before the imports)

from . import checks, notebooks, site  # noqa: E402
from .paths import project_root  # noqa: E402

BUILD_FLAGS = ["-n", "-W", "--keep-going"]
_SKIP = {"_build", "__pycache__", "node_modules"}
INPUTS = ("analysis", "data", "requirements")  # what the data check and the notebooks read


@dataclass
class Result:
    """What one build did (times in seconds)."""

    returncode: int = 0
    wall: float = 0.0
    executed: dict[str, float] = field(default_factory=dict)
    up_to_date: bool = False
    published: bool = False

    def line(self) -> str:
        if self.up_to_date:
            return f"nothing changed since the last good build; _build/html is current ({self.wall:.2f} s)"
        state = "published _build/html" if self.published else "FAILED; _build/html is unchanged"
        return f"{len(self.executed)} notebook(s) executed; {self.wall:.1f} s; {state}"


def sources_digest(root: Path) -> dict[str, str]:
    """sha256 of the paths and contents of the project's files (``sources``) and of those under
    :data:`INPUTS` (``inputs``), hidden folders, ``_build`` and the notebooks' figures left out."""
    digests = {"sources": hashlib.sha256(), "inputs": hashlib.sha256()}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP
                         and here / d != root / "book" / "figures")
        for name in sorted(files):
            rel = (here / name).relative_to(root).as_posix()
            entry = rel.encode() + b"\0" + hashlib.sha256((here / name).read_bytes()).digest()
            for key in ("sources", "inputs") if rel.split("/")[0] in INPUTS else ("sources",):
                digests[key].update(entry)
    return {key: digest.hexdigest() for key, digest in digests.items()}


def render(root: Path, work: Path, log: Path, quiet: bool) -> int:
    """jupyter-book (its command, in this process) into ``work``; with ``quiet``, its log into
    ``log``. 0 when the book built without a warning."""
    gc.disable()  # during the imports too (mcreport.sphinxext keeps it off while Sphinx builds)
    from jupyter_book.cli.main import build as jupyter_book

    os.environ["MCREPORT_ROOT"] = str(root)
    args = [str(root), "--path-output", str(work), *BUILD_FLAGS, "--builder", "html"]
    with log.open("w", encoding="utf-8", buffering=1) as out, \
            contextlib.redirect_stdout(out if quiet else sys.stdout), \
            contextlib.redirect_stderr(out if quiet else sys.stderr):
        try:
            jupyter_book.main(args, standalone_mode=False)
        except SystemExit as exc:  # what the command exits with when Sphinx reports a problem
            return 1 if exc.code else 0
        except Exception as exc:  # noqa: BLE001 - Sphinx's own report is in the log above
            print(exc, file=sys.stderr)
            return 1
        finally:
            gc.enable()
    return 0


def publish(root: Path, html: Path) -> None:
    """A copy of ``html`` (with the PDF built earlier) swapped in as ``_build/html``. A file that
    the published site has alike (size and time) is linked to it: published files are never
    written, so the site holds its content until it is replaced."""
    target, new, old = (root / "_build" / name for name in ("html", ".html-new", ".html-old"))
    for folder in (new, old):
        shutil.rmtree(folder, ignore_errors=True)

    def copy(source: str, dest: str) -> None:
        was = target / Path(dest).relative_to(new)
        stamp = lambda path: (os.stat(path).st_size, os.stat(path).st_mtime_ns)  # noqa: E731
        os.link(was, dest) if was.is_file() and stamp(was) == stamp(source) else shutil.copy2(source, dest)

    shutil.copytree(html, new, copy_function=copy)
    for pdf in sorted((root / "_build" / "pdf").glob("*.pdf")):
        shutil.copy2(pdf, new / pdf.name)
    if target.exists():
        os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def build(root: Path | None = None, clean: bool = False, force: bool = False,
          quiet: bool = False) -> Result:
    root = (root or project_root()).resolve()
    result, start, work = Result(), time.perf_counter(), root / "_build" / ".work"
    work.mkdir(parents=True, exist_ok=True)
    with open(root / "_build" / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another build of this checkout runs: wait for it
        last, incomplete = work / "last-good.json", work / "INCOMPLETE"
        good = json.loads(last.read_text()) if last.is_file() and not incomplete.exists() else {}
        digest = sources_digest(root)
        if not (clean or force) and good.get("sources") == digest["sources"] and (
                root / "_build" / "html" / "index.html").is_file():
            result.up_to_date, result.wall = True, time.perf_counter() - start
            return result
        same = not clean and good.get("inputs") == digest["inputs"]  # data valid, notebooks current
        checking = multiprocessing.get_context("fork").Process(  # on the other core, while Sphinx starts
            target=lambda: sys.exit(bool(checks.report(root, data=not same))))
        checking.start()

        def sound() -> bool:  # waits for the check (the child printed its problems)
            checking.join()
            return checking.exitcode == 0

        if not same and not sound():  # notebooks run on sound inputs only
            result.returncode, result.wall = 1, time.perf_counter() - start
            return result
        if clean or not good:  # after a failed or killed build: a fresh environment
            shutil.rmtree(work / "_build", ignore_errors=True)
        incomplete.touch()
        try:
            result.executed = {} if same else notebooks.run(root, everything=clean)
        except notebooks.NotebookError as exc:
            print(exc, file=sys.stderr)
            result.returncode = 1
        digest = digest if same else sources_digest(root)  # what is rendered (notebooks were run)
        html, since = work / "_build" / "html", time.time()  # pages written from now are checked
        if result.returncode == 0:
            result.returncode = render(root, work, work / "html.log", quiet)
        found = site.check(html, since) if result.returncode == 0 else []  # pages written
        for problem in found:
            print(f"  {problem}", file=sys.stderr)
        if result.returncode == 0 and not found and sound():
            publish(root, html)
            result.published = True
            incomplete.unlink()
            last.write_text(json.dumps(digest))
        result.returncode = result.returncode or int(bool(found) or not sound())
        result.wall = time.perf_counter() - start
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcreport.build",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="execute every notebook, fresh Sphinx environment")
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
