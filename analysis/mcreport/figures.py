"""The one figure style of the report, and saving figures for the book.

Every figure is made with :func:`new`, and finished with :func:`finish`, which adds the source
line, and writes ``book/figures/<name>.svg`` (HTML) and ``.pdf`` (LaTeX) for the chapters to
include with a numbered ``{figure}`` directive (caption and alt text live there). Colours come
from the Okabe-Ito palette, which stays distinguishable with the common colour-vision
deficiencies.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns

from .paths import figures_dir

#: Okabe & Ito (2008) colour-blind-safe palette (black left out as a series colour).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]
GREY = "#7F7F7F"
HIGHLIGHT = PALETTE[0]
WIDTHS = {"full": 7.0, "half": 3.5}

RC = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "svg.fonttype": "path",
    "svg.hashsalt": "mcreport",
    "pdf.fonttype": 42,
}


def use_style() -> None:
    """Apply the report's style to matplotlib and seaborn."""
    sns.set_theme(style="whitegrid", palette=PALETTE, rc=RC)
    mpl.rcParams.update(RC)


def new(width: str = "full", height: float = 3.6, **kwargs):
    """A new figure and axes in the report's style; ``width`` is ``"full"`` or ``"half"``."""
    use_style()
    return plt.subplots(figsize=(WIDTHS[width], height), layout="constrained", **kwargs)


def finish(fig, name: str, source: str, folder: Path | None = None) -> None:
    """Add the source line and save ``<name>.svg`` and ``<name>.pdf`` for the book.

    Returns nothing, so that a notebook cell ending with it shows only the figure."""
    if not source.strip():
        raise ValueError(f"figure {name!r} needs a source line")
    fig.text(0.0, -0.01, f"Source: {source}", ha="left", va="top", fontsize=7.5, color="#444444",
             transform=fig.transFigure)
    folder = folder or figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    svg = folder / f"{name}.svg"
    fig.savefig(svg, bbox_inches="tight", metadata={"Date": None})
    fig.savefig(folder / f"{name}.pdf", bbox_inches="tight",
                metadata={"CreationDate": None, "ModDate": None})
