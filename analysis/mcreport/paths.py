"""Where things live. ``MCREPORT_ROOT`` overrides the project root (tests use it)."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The project root: the folder that holds ``_config.yml`` and ``data/``."""
    env = os.environ.get("MCREPORT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "_config.yml").is_file() and (parent / "data").is_dir():
            return parent
    raise RuntimeError(f"cannot find the project root above {here}; set MCREPORT_ROOT")


def data_dir() -> Path:
    return project_root() / "data"


def figures_dir() -> Path:
    """Figures written by the notebooks, included by the chapters (not committed)."""
    return project_root() / "book" / "figures"
