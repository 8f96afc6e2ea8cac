"""The book's inputs, checked before anything runs: ``python -m mcreport check``.

:func:`problems` lists, one line each naming the file and the place:

- the data package (:func:`mcreport.datapackage.problems`): every fragment
  ``data/resources/*.yaml`` and ``data/package.yaml`` reads, the file each fragment names
  exists, ``data/datapackage.json`` is exactly what they and the files produce (no hand edit),
  and every file passes its schema (strict numbers: no ``inf``, ``nan`` or ``8_6``);
- the pages of the book (``book/**/*.md``, ``_toc.yml``, ``_config.yml``) are UTF-8
  (:func:`mcreport.references.check_pages`);
- ``references.bib`` (:func:`mcreport.references.check_bibliography`), and every cited key
  resolves (:func:`mcreport.references.unknown_citations`).

The build calls :func:`report` first: it executes no notebook and publishes nothing when it
finds a problem.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from .paths import project_root


def problems(root: Path | None = None, data: bool = True) -> list[str]:
    """Every problem of the book's inputs (``data=False``: the data package left out); [] when
    the book may be built."""
    from . import datapackage, references  # here: the build driver imports this module only to fork

    root = root or project_root()
    found = [str(p) for p in datapackage.problems(root / "data")] if data else []
    pages = references.check_pages(root)
    found += pages
    bib = root / references.BIB_FILE
    found += references.check_bibliography(bib) if bib.is_file() else [
        f"{references.BIB_FILE}: missing"]
    if not found:  # citations are read from all of these: only once they read
        found += [str(c) for c in references.unknown_citations(root)]
    return found


def report(root: Path | None = None, stream: TextIO | None = None, data: bool = True) -> int:
    """Print the problems of the book's inputs (to stderr) and return how many there are."""
    found = problems(root, data)
    stream = stream or sys.stderr
    if found:
        print(f"The book's inputs have {len(found)} problem(s); nothing is published:", file=stream)
        for line in found:
            print(f"  {line}", file=stream)
        stream.flush()
    return len(found)
