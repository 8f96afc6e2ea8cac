"""Re-execute analysis notebooks in place, so that their stored outputs are current.

    python -m mcreport.notebooks analysis/participation.ipynb [...]

Notebooks are committed with their outputs: nbval checks that a fresh run reproduces them, and
readers of the repository see the results without running anything.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, timeout: int = 600) -> float:
    """Execute ``path`` in its own folder and write the outputs back; return the seconds taken."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for cell in nb.cells:  # keep the stored notebook free of run-dependent metadata
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for arg in argv:
        seconds = execute(Path(arg))
        print(f"{arg}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
