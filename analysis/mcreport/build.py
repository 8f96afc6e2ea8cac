"""Build the book, and publish it only when the build succeeds.

    python -m mcreport.build html [--all]     # -> _build/html/index.html
    python -m mcreport.build pdf  [--all]     # -> _build/pdf/microcredentials-report.pdf

The build runs ``jupyter-book build . -n -W --keep-going`` into a work folder,
``_build/.work/_build/`` (its doctrees, environment and executed notebooks are kept, so the next
build is incremental: :mod:`mcreport.sphinxext` decides which notebooks and pages are out of
date). ``--all`` empties the work folder first: a clean build that executes every notebook.

Only a build that succeeds is published. The HTML is copied next to ``_build/html`` and the two
folders are swapped in one step (``renameat2(RENAME_EXCHANGE)`` on Linux), so ``_build/html`` is
always either the previous good site or the new one, never a half-written one; after a failed
build it is left as it was. The PDF is copied and renamed into place the same way, into
``_build/pdf/`` and next to the HTML (where the site links to it); an HTML publication keeps it.

The build lets Python cache bytecode even when ``PYTHONDONTWRITEBYTECODE`` is set: without the
cache, every build spends seconds compiling Sphinx and every notebook kernel compiling pandas.

When no file of the project changed, appeared or went away since the last good build started,
the build is not run at all: the published output is current. (Like Sphinx, this relies on
modification times; ``--force`` runs the build anyway, ``--all`` builds everything.)

Every build prints how many notebooks it executed and the time they took, and writes the same
figures to ``_build/.work/last-build.json``. Builds of the same checkout wait for each other.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import checks
from .paths import project_root

BUILD_FLAGS = ["-n", "-W", "--keep-going"]
BUILDERS = {"html": "html", "pdf": "pdflatex"}
WORK = ".work"
SUMMARY = "last-build.json"
_EXECUTED = re.compile(r"(?P<path>[^\s:]+\.ipynb)(?::\d+)?: .*Executed notebook in (?P<s>[\d.]+) seconds")
# jupyter-book, leaving without the interpreter's teardown (half a second): every file is
# written and closed by then, and the kernels are shut down.
_JUPYTER_BOOK = """
import os, sys
from jupyter_book.cli.main import main
code = 0
try:
    main(prog_name="jupyter-book")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
"""


@dataclass
class Result:
    """What one build did, in seconds."""

    target: str
    clean: bool
    returncode: int = 0
    wall: float = 0.0
    build: float = 0.0
    publish: float = 0.0
    executed: dict[str, float] = field(default_factory=dict)  # notebook -> execution seconds
    published: str | None = None
    up_to_date: bool = False  # nothing changed since the last good build: nothing was run

    @property
    def execution(self) -> float:
        return round(sum(self.executed.values()), 2)

    def line(self) -> str:
        if self.up_to_date:
            return (f"{self.target}: nothing changed since the last good build; {self.published} "
                    f"is current ({self.wall:.2f} s)")
        state = f"published {self.published}" if self.published else (
            "FAILED; the published output is unchanged" if self.returncode else "not published")
        return (f"{self.target} build{' (clean)' if self.clean else ''}: "
                f"{len(self.executed)} notebook(s) executed in {self.execution:.1f} s; "
                f"build {self.build:.1f} s, publish {self.publish:.2f} s, total {self.wall:.1f} s; "
                f"{state}")


def work_dir(root: Path) -> Path:
    return root / "_build" / WORK


def jupyter_book_command(root: Path, builder: str, clean: bool) -> list[str]:
    return [sys.executable, "-c", _JUPYTER_BOOK, "build", str(root), "--path-output",
            str(work_dir(root)), *BUILD_FLAGS, "--builder", builder, *(["--all"] if clean else [])]


def build_environment(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["MCREPORT_ROOT"] = str(root)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


class _Lock:
    """One build of a checkout at a time (others wait)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = self.path.open("w")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another build of this checkout ({self.path})", flush=True)
            fcntl.flock(self.fh, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def run_jupyter_book(root: Path, builder: str, clean: bool, quiet: bool,
                     log: Path) -> tuple[int, dict[str, float]]:
    """Run the build, echo its output, and return its exit code and the notebooks it executed."""
    executed: dict[str, float] = {}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8", buffering=1) as out:
        proc = subprocess.Popen(jupyter_book_command(root, builder, clean), cwd=root,
                                env=build_environment(root), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1)
        assert proc.stdout is not None
        start = time.perf_counter()
        for line in proc.stdout:
            out.write(f"[{time.perf_counter() - start:7.1f}s] {line}")
            if not quiet:
                sys.stdout.write(line)
            match = _EXECUTED.search(line)
            if match:
                path = Path(match.group("path"))
                try:
                    path = path.resolve().relative_to(root.resolve())
                except ValueError:
                    pass
                executed[str(path)] = float(match.group("s"))
        returncode = proc.wait()
    return returncode, executed


# --- publishing ------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False when the system cannot (not Linux, old kernel)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library the interpreter is linked to
        func = libc.renameat2
    except (OSError, AttributeError):
        return False
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_into_place(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target`` in one step; what was there is deleted afterwards."""
    if not target.exists() and not target.is_symlink():
        os.rename(new, target)
        return
    if _renameat2_exchange(new, target):
        old = new  # after the exchange the previous content sits at the staging name
    else:  # fallback: two renames; the target is missing for an instant, never half-written
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        os.rename(target, old)
        os.rename(new, target)
    if old.is_symlink() or old.is_file():
        old.unlink()
    else:
        remove_in_background(old)


def remove_in_background(folder: Path) -> None:
    """Delete a folder that is no longer published without waiting (deleting is slow here)."""
    trash = folder.with_name(f".trash-{os.getpid()}-{time.time_ns()}")
    os.rename(folder, trash)
    try:
        subprocess.Popen(["rm", "-rf", "--", str(trash)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        shutil.rmtree(trash, ignore_errors=True)


def copy_site(source: Path, dest: Path, previous: Path | None) -> None:
    """Copy ``source`` to ``dest``; files unchanged since ``previous`` was published are linked.

    A file of ``previous`` is reused only when size and modification time match the source's
    (copies keep the time), and ``previous`` is replaced, never written, by later publications."""
    for folder, dirs, files in os.walk(source):
        rel = Path(folder).relative_to(source)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        if rel == Path("."):
            dirs[:] = [d for d in dirs if d != "reports"]  # tracebacks of failed notebooks
        for name in files:
            src = Path(folder, name)
            out = dest / rel / name
            if previous is not None:
                old = previous / rel / name
                try:
                    a, b = src.stat(), old.lstat()
                    if (b.st_size == a.st_size and b.st_mtime_ns == a.st_mtime_ns
                            and not old.is_symlink()):
                        os.link(old, out)
                        continue
                except OSError:
                    pass
            shutil.copy2(src, out)


def publish_html(root: Path) -> Path:
    source = work_dir(root) / "_build" / "html"
    target = root / "_build" / "html"
    staging = root / "_build" / f".html-new-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    previous = target if target.is_dir() and not target.is_symlink() else None
    try:
        copy_site(source, staging, previous)
        for pdf in sorted((root / "_build" / "pdf").glob("*.pdf")):  # the PDF stays published
            if not (staging / pdf.name).exists():
                shutil.copy2(pdf, staging / pdf.name)
        if not (staging / "index.html").is_file():
            raise FileNotFoundError(f"{source}: the build wrote no index.html")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_into_place(staging, target)
    return target / "index.html"


def publish_pdf(root: Path) -> Path:
    latex = work_dir(root) / "_build" / "latex"
    pdfs = sorted(latex.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
    if not pdfs:
        raise FileNotFoundError(f"{latex}: the build produced no PDF")
    target = root / "_build" / "pdf" / pdfs[0].name
    site = root / "_build" / "html"
    for folder in (target.parent, site) if site.is_dir() else (target.parent,):
        folder.mkdir(parents=True, exist_ok=True)  # also next to the HTML, for its links
        staging = folder / f".{target.name}.{os.getpid()}"
        shutil.copy2(pdfs[0], staging)
        os.replace(staging, folder / target.name)
    return target


# --- the command -----------------------------------------------------------------------------


_NOT_SOURCES = {"_build", "__pycache__", "node_modules"}


def source_state(root: Path) -> tuple[int, str]:
    """(newest modification time, digest of the file list) of everything a build may read: the
    project's files, without hidden folders, ``_build`` and the figures the notebooks write."""
    figures = root / "book" / "figures"
    newest, names = 0, []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _NOT_SOURCES
                         and here / d != figures)
        for name in sorted(files):
            try:
                newest = max(newest, (here / name).stat().st_mtime_ns)
            except OSError:
                continue
            names.append(str((here / name).relative_to(root)))
    return newest, hashlib.sha256("\n".join(names).encode()).hexdigest()


def _up_to_date(root: Path, target: str, state: tuple[int, str]) -> bool:
    """The last build of ``target`` succeeded and no file changed, appeared or went since it
    started: building again would execute and write nothing."""
    try:
        last = json.loads((work_dir(root) / f"last-{target}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    published = root / "_build" / ("html/index.html" if target == "html" else "pdf")
    return (last.get("returncode") == 0 and bool(last.get("published")) and published.exists()
            and last.get("sources") == state[1] and state[0] < last.get("started_ns", 0))


def build(target: str = "html", clean: bool = False, root: Path | None = None,
          quiet: bool = False, force: bool = False) -> Result:
    root = (root or project_root()).resolve()
    result = Result(target=target, clean=clean)
    if checks.report(root):  # inputs first (data package, pages, bibliography): else nothing runs
        result.returncode = 1
        return result
    start = time.perf_counter()
    with _Lock(root / "_build" / ".work.lock"):
        work = work_dir(root)
        started_ns = time.time_ns()
        state = source_state(root)
        if not (clean or force) and _up_to_date(root, target, state):
            result.published = "_build/html/index.html" if target == "html" else "_build/pdf"
            result.up_to_date = True
            result.wall = time.perf_counter() - start
            (work / SUMMARY).write_text(json.dumps(asdict(result), indent=2) + "\n",
                                        encoding="utf-8")
            return result
        if clean and work.exists():
            remove_in_background(work)
        t0 = time.perf_counter()
        result.returncode, result.executed = run_jupyter_book(
            root, BUILDERS[target], clean, quiet, work / f"{target}.log")
        result.build = time.perf_counter() - t0
        if result.returncode == 0:
            t0 = time.perf_counter()
            published = publish_html(root) if target == "html" else publish_pdf(root)
            result.publish = time.perf_counter() - t0
            result.published = str(published.relative_to(root))
        result.wall = time.perf_counter() - start
        text = json.dumps(asdict(result), indent=2) + "\n"
        (work / SUMMARY).write_text(text, encoding="utf-8")
        record = dict(asdict(result), started_ns=started_ns, sources=state[1])
        (work / f"last-{target}.json").write_text(json.dumps(record, indent=2) + "\n",
                                                  encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcreport.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=sorted(BUILDERS), nargs="?", default="html")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--all", action="store_true", help="clean build: execute every notebook")
    mode.add_argument("--incremental", action="store_true",
                      help="only what changed (the default; for `nox -s book -- --incremental`)")
    parser.add_argument("--force", action="store_true",
                        help="run the build even when no file changed since the last good one")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not echo the build's log")
    args = parser.parse_args(argv)
    result = build(args.target, clean=args.all, quiet=args.quiet, force=args.force)
    for notebook, seconds in sorted(result.executed.items()):
        print(f"  executed {notebook} in {seconds:.1f} s")
    print(result.line())
    if result.returncode:
        print(f"log: {work_dir(project_root()) / (args.target + '.log')}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
