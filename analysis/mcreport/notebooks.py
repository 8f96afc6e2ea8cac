"""The notebook runner: execute the notebooks whose inputs changed, in parallel, in place.

    python -m mcreport.notebooks [--all] [analysis/x.ipynb ...]

A notebook is out of date when its metadata (``metadata.mcreport``) does not record the
fingerprint of its current inputs (:func:`mcreport.deps.fingerprint`) and the digest of its
stored outputs (so a hand-edited output is computed again). Notebooks run one per core, each in
its own folder, offline (an audit hook) and loading only the datasets the graph gives them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import deps
from .paths import project_root

META = "mcreport"
TIMEOUT = 600  # seconds per cell: a loop fails, never hangs
_LOCAL = ("localhost", "127.0.0.1", "::1", "", None)


class NotebookError(Exception):
    """A notebook failed; the message names it and the cell."""


def offline() -> None:
    """In a kernel: refuse any connection to, or name lookup of, another machine (an audit hook)."""

    def hook(event: str, args: tuple) -> None:
        lookup = event in ("socket.getaddrinfo", "socket.gethostbyname")
        address = args[:1] if lookup else args[1] if event == "socket.connect" else None
        host = address[0] if isinstance(address, tuple) else None  # a Unix socket's is a path
        if host not in _LOCAL:
            host = host.decode() if isinstance(host, bytes) else host
            raise PermissionError(f"notebooks read only the data package: {host} refused during the build")

    sys.addaudithook(hook)


def outputs_digest(nb) -> str:
    outputs = [cell.get("outputs", []) for cell in nb.cells if cell.cell_type == "code"]
    return hashlib.sha256(json.dumps(outputs, sort_keys=True).encode()).hexdigest()


def recorded(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8")).get("metadata", {}).get(META, {})


def state(path: Path, root: Path) -> dict:
    """What the metadata of an up-to-date notebook records."""
    import nbformat

    return {"inputs": deps.fingerprint(path, root), "outputs": outputs_digest(nbformat.read(path, 4))}


def stale(root: Path | None = None, paths: list[Path] | None = None,
          figures: bool = False) -> list[Path]:
    """Notebooks whose metadata does not record their current inputs and outputs (``figures``:
    or a figure of which is missing; figure files are written by the notebooks, not committed)."""
    root = (root or project_root()).resolve()
    folder = root / "book" / "figures"
    return [p for p in (paths or deps.notebooks(root)) if recorded(p) != state(p, root) or (figures
            and any(not any(folder.glob(f"{name}.*")) for name in deps.figures_written(p)))]


def execute(path: Path, root: Path | None = None, timeout: int = TIMEOUT) -> float:
    """Execute ``path`` in its own folder, offline, and write outputs and fingerprint back."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    root, path = (root or project_root()).resolve(), Path(path).resolve()
    rel = path.relative_to(root).as_posix()
    fingerprint = deps.fingerprint(path, root)  # before running: raises on a non-literal load()
    nb = nbformat.read(path, as_version=4)
    failed: list[int] = []
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        iopub_timeout=60, raise_on_iopub_timeout=True,  # a loaded machine never drops outputs quietly
        extra_arguments=["--IPKernelApp.exec_lines=from mcreport.notebooks import offline; offline()",
                         "--log-level=ERROR"],
        on_cell_error=lambda cell, cell_index, execute_reply: failed.append(cell_index))
    start = time.perf_counter()
    try:  # the kernel is told which notebook it runs, and in which book
        client.execute(env={**os.environ, deps.NOTEBOOK_ENV: rel, "MCREPORT_ROOT": str(root)})
    except (CellExecutionError, TimeoutError) as exc:
        where = f"cell {failed[-1] + 1}" if failed else "a cell"
        raise NotebookError(f"{rel}: {where} failed:\n{exc}") from None
    for cell in nb.cells:  # keep the stored notebook free of run-dependent metadata
        cell.metadata.pop("execution", None)
    nb.metadata[META] = {"inputs": fingerprint, "outputs": outputs_digest(nb)}
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)
    return time.perf_counter() - start


def _run_one(args: tuple[str, str, int]) -> float | str:
    try:
        return execute(Path(args[0]), Path(args[1]), args[2])
    except (NotebookError, deps.DependencyError) as exc:
        return str(exc)


def run(root: Path | None = None, paths: list[Path] | None = None, everything: bool = False,
        jobs: int | None = None, timeout: int = TIMEOUT) -> dict[str, float]:
    """Execute the out-of-date notebooks (or ``paths``, or all); ``{notebook: seconds}``. Raises
    :class:`NotebookError` naming every notebook that failed, after all have run."""
    root = (root or project_root()).resolve()
    todo = [Path(p).resolve() for p in paths or (deps.notebooks(root) if everything else
                                                  stale(root, figures=True))]
    with ProcessPoolExecutor(max(1, min(jobs or os.cpu_count() or 1, len(todo)))) as pool:
        results = pool.map(_run_one, [(str(p), str(root), timeout) for p in todo])
        done = {p.relative_to(root).as_posix(): s for p, s in zip(todo, results, strict=True)}
    if errors := [s for s in done.values() if isinstance(s, str)]:
        raise NotebookError("\n\n".join(errors))
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcreport.notebooks",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="execute every notebook")
    parser.add_argument("-j", "--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        done = run(project_root(), args.paths or None, args.all, args.jobs)
    except NotebookError as exc:
        print(exc, file=sys.stderr)
        return 1
    print("\n".join(f"{nb}: executed in {t:.1f} s" for nb, t in sorted(done.items()))
          or "every notebook is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
