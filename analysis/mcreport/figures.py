"""The one figure style of the report, and saving figures for the book.

Every figure is made with :func:`new`, and finished with :func:`finish`, which adds the source
line, and writes ``book/figures/<name>.svg`` (HTML) and ``.pdf`` (LaTeX) for the chapters to
include with a numbered ``{figure}`` directive (caption and alt text live there).

Legibility: figures are drawn for the width of the text column (4.5 in) and no text is smaller
than :data:`MIN_FONT_PT`, so that a figure shrunk to a 390 px phone still shows its smallest text
at 10 CSS px or more (and at 12 px or more on a desktop, where it is drawn at its own size), and
prints at 10 pt or more at the width of the text.

Contrast (WCAG AA): :func:`finish` darkens any text below 4.5:1 and any mark below 3:1 against
the white background, and writes into the SVG a dark-mode colour for every colour it uses that
lacks that contrast on the site's dark background (the same hue, lighter). The SVG follows the page's
light or dark mode (its ``prefers-color-scheme`` is the page's ``color-scheme``).

Colours are the Okabe-Ito hues, which stay distinguishable with the common colour-vision
deficiencies, with the lightness of the light ones lowered to reach 3:1 on white.
"""

from __future__ import annotations

import colorsys
import re
import textwrap
import warnings
import weakref
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.collections import Collection
from matplotlib.colors import to_hex, to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from .paths import figures_dir

#: Okabe & Ito (2008) hues (black left out as a series colour): blue, orange, bluish green,
#: vermillion, reddish purple, sky blue, yellow; orange, reddish purple, sky blue and yellow
#: darkened to 3:1 on white.
PALETTE = ["#0072B2", "#B37A00", "#009E73", "#D55E00", "#B8588E", "#2A87BC", "#8C8200"]
GREY = "#767676"
HIGHLIGHT = PALETTE[0]
#: Widths in inches: "full" is the width of the text column.
WIDTHS = {"full": 4.5, "half": 3.2}
#: Smallest type of any text in a figure (points at the figure's own size).
MIN_FONT_PT = 10.0
#: Background of the page in the site's light and dark modes.
LIGHT_BACKGROUND = "#ffffff"
DARK_BACKGROUND = "#14181e"
TEXT = "#262626"
#: WCAG AA: text and graphical objects.
TEXT_CONTRAST = 4.5
MARK_CONTRAST = 3.0

RC = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "figure.facecolor": LIGHT_BACKGROUND,
    "axes.facecolor": LIGHT_BACKGROUND,
    "savefig.facecolor": LIGHT_BACKGROUND,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": MIN_FONT_PT,
    "xtick.labelsize": MIN_FONT_PT,
    "ytick.labelsize": MIN_FONT_PT,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "svg.fonttype": "path",
    "svg.hashsalt": "mcreport",
    "pdf.fonttype": 42,
}


# ---------------------------------------------------------------------------------------------
# Contrast
# ---------------------------------------------------------------------------------------------


def luminance(colour) -> float:
    """WCAG relative luminance of a colour (any matplotlib colour)."""
    channels = []
    for c in to_rgba(colour)[:3]:
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _with_lightness(colour, lightness: float) -> str:
    h, _, s = colorsys.rgb_to_hls(*to_rgba(colour)[:3])
    return to_hex(colorsys.hls_to_rgb(h, min(max(lightness, 0.0), 1.0), s))


def _reach(colour, background, ratio: float) -> str:
    """``colour`` with its lightness moved (away from the background) just enough for
    ``ratio`` against ``background``; unchanged when it has it already."""
    colour = to_hex(colour)
    if contrast(colour, background) >= ratio:
        return colour
    darker = luminance(background) > 0.18
    lo, hi = (0.0, colorsys.rgb_to_hls(*to_rgba(colour)[:3])[1]) if darker else \
        (colorsys.rgb_to_hls(*to_rgba(colour)[:3])[1], 1.0)
    for _ in range(40):  # bisection on the lightness
        mid = (lo + hi) / 2
        ok = contrast(_with_lightness(colour, mid), background) >= ratio
        if darker:
            lo, hi = (mid, hi) if ok else (lo, mid)
        else:
            lo, hi = (lo, mid) if ok else (mid, hi)
    return _with_lightness(colour, lo if darker else hi)


def dark_variant(colour, minimum: float = MARK_CONTRAST) -> str:
    """The colour drawn in dark mode: the same hue with the contrast it has on white now had on
    the dark background (at least ``minimum``). White, the background, becomes the dark
    background; light greys (grid lines) stay as faint as they were."""
    colour = to_hex(colour)
    if colour == LIGHT_BACKGROUND:
        return DARK_BACKGROUND
    wanted = contrast(colour, LIGHT_BACKGROUND)
    if wanted < minimum and luminance(colour) > 0.5:  # faint light fills and grid lines
        target = wanted
    else:
        target = max(wanted, minimum)
        if contrast(colour, DARK_BACKGROUND) >= target:
            return colour
    target = min(target + 0.02, contrast("#ffffff", DARK_BACKGROUND) - 0.05)
    dark_l = luminance(DARK_BACKGROUND)
    goal = target * (dark_l + 0.05) - 0.05  # luminance that gives the target contrast
    h, _, s = colorsys.rgb_to_hls(*to_rgba(colour)[:3])
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if luminance(colorsys.hls_to_rgb(h, mid, s)) < goal:
            lo = mid
        else:
            hi = mid
    return to_hex(colorsys.hls_to_rgb(h, hi, s))


def _is_background(rgba) -> bool:
    return rgba[3] == 0 or to_hex(rgba) == LIGHT_BACKGROUND


def _fix_marks(fig) -> None:
    """Text at 4.5:1 and marks (lines, markers, bars, dots) at 3:1 or more on white, and no text
    below :data:`MIN_FONT_PT`."""
    backgrounds = {id(fig.patch)} | {id(ax.patch) for ax in fig.axes}
    fig.draw_without_rendering()  # tick labels exist only once drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels(which="both") if t.get_text()]
            if labels and min(t.get_fontsize() for t in labels) < MIN_FONT_PT:
                axis.set_tick_params(which="both", labelsize=MIN_FONT_PT)
    fig.draw_without_rendering()
    for text in fig.findobj(Text):
        if not text.get_text().strip():
            continue
        if text.get_fontsize() < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)
        text.set_color(_reach(text.get_color(), LIGHT_BACKGROUND, TEXT_CONTRAST))
    for line in fig.findobj(Line2D):
        if line.get_alpha() not in (None, 1) or not line.get_visible():
            continue
        if line in [g for ax in fig.axes for g in ax.get_xgridlines() + ax.get_ygridlines()]:
            continue
        colour = to_rgba(line.get_color())
        if not _is_background(colour) and line.get_linestyle() not in ("None", " ", ""):
            line.set_color(_reach(colour, LIGHT_BACKGROUND, MARK_CONTRAST))
        for getter, setter in ((line.get_markerfacecolor, line.set_markerfacecolor),
                               (line.get_markeredgecolor, line.set_markeredgecolor)):
            value = to_rgba(getter())
            if not _is_background(value):
                setter(_reach(value, LIGHT_BACKGROUND, MARK_CONTRAST))
    for patch in fig.findobj(Patch):
        if id(patch) in backgrounds or patch.get_alpha() not in (None, 1):
            continue
        face = patch.get_facecolor()
        if not _is_background(face) and face[3] == 1:
            patch.set_facecolor(_reach(face, LIGHT_BACKGROUND, MARK_CONTRAST))
    for coll in fig.findobj(Collection):
        if coll.get_alpha() not in (None, 1):
            continue
        faces = coll.get_facecolors()
        if len(faces) and all(f[3] == 1 for f in faces):
            coll.set_facecolors([f if _is_background(f) else _reach(f, LIGHT_BACKGROUND, MARK_CONTRAST)
                                 for f in faces])


_COLOUR = re.compile(r"(fill|stroke): (#[0-9a-f]{6})")


def dark_mode_css(svg: str) -> str:
    """A ``<style>`` that redraws every colour of a matplotlib SVG in dark mode."""
    rules = []
    used = sorted(set(_COLOUR.findall(svg)))
    for prop, colour in used:
        dark = dark_variant(colour, MARK_CONTRAST)
        if dark != colour:
            rules.append(f'[style*="{prop}: {colour}"]{{{prop}:{dark}!important}}')
    if not rules:
        return ""
    return ("<style>@media (prefers-color-scheme: dark){" + "".join(rules) + "}</style>")


def _add_dark_mode(path: Path) -> None:
    svg = path.read_text(encoding="utf-8")
    css = dark_mode_css(svg)
    if css:
        svg = re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + "\n " + css, svg, count=1)
        path.write_text(svg, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


def use_style() -> None:
    """Apply the report's style to matplotlib and seaborn."""
    sns.set_theme(style="whitegrid", palette=PALETTE, rc=RC)
    mpl.rcParams.update(RC)


def new(width: str = "full", height: float = 3.6, **kwargs):
    """A new figure and axes in the report's style; ``width`` is ``"full"`` or ``"half"``.

    Two panels side by side (``ncols=2``, one row) are stacked instead, one above the other,
    each of ``height``: side by side they would be too narrow on a phone. The axes come back as
    the same two-element array, so ``fig, (left, right) = new(..., ncols=2)`` is unchanged."""
    use_style()
    if kwargs.get("ncols") == 2 and kwargs.get("nrows", 1) == 1:
        kwargs["nrows"], kwargs["ncols"] = 2, 1
        kwargs.pop("width_ratios", None)  # widths of side-by-side panels: moot when stacked
        if "gridspec_kw" in kwargs:
            kwargs["gridspec_kw"] = {k: v for k, v in kwargs["gridspec_kw"].items()
                                     if k != "width_ratios"}
        if kwargs.pop("sharey", False):
            kwargs["sharex"] = False
        height = 2 * height
    return plt.subplots(figsize=(WIDTHS[width], height), layout="constrained", **kwargs)


#: Legends that :func:`finish` puts under their plot whatever their size.
_BELOW: weakref.WeakSet = weakref.WeakSet()


def legend_below(ax, *args, **kwargs):
    """A legend for ``ax`` that :func:`finish` puts under the plot (under its tick labels and
    axis label), in one column when a row would be wider than the figure. ``ax.legend``'s
    arguments; for a figure of several plots, give the lowest left one and the handles."""
    legend = ax.legend(*args, **kwargs)
    _BELOW.add(legend)
    return legend


def _overlapping(labels, renderer) -> bool:
    boxes = sorted((t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()),
                   key=lambda b: b.x0)
    return any(a.x1 + 2 > b.x0 for a, b in zip(boxes, boxes[1:], strict=False))


def _fit_layout(fig) -> None:
    """Layout for the narrow figure: x tick labels that run into each other are thinned
    (numbers) or turned (words), and a legend that would cover much of its plot goes under it
    (under its tick labels and axis label)."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)
    for legend in legends:  # a legend in a row wider than the figure goes in one column
        if legend.get_window_extent(renderer).width > 0.6 * fig.bbox.width:
            legend.set_ncols(1)
        if legend.axes is not None and legend.get_bbox_to_anchor() is not legend.axes.bbox:
            legend.set_in_layout(False)  # placed by hand outside the plot: the plot keeps its size
    fig.draw_without_rendering()
    for ax in fig.axes:  # axis labels and titles longer than their plot wrap onto more lines
        area = ax.get_window_extent(renderer)
        labels = [(ax.xaxis.label, area.width, False), (ax.yaxis.label, area.height, True)]
        for loc in ("left", "center", "right"):
            title = ax.get_title(loc=loc)
            if title:
                labels.append((ax.set_title(title, loc=loc), area.width, False))
        for label, room, vertical in labels:
            text = label.get_text()
            if not text or "\n" in text or room <= 0:
                continue
            box = label.get_window_extent(renderer)
            size = box.height if vertical else box.width
            if size > room * 1.02:
                label.set_text(textwrap.fill(text, max(12, int(len(text) * room / size)),
                                             break_on_hyphens=False))
    fig.draw_without_rendering()
    for ax in fig.axes:  # long category names on the y axis wrap, to leave room for the plot
        labels = [t for t in ax.get_yticklabels() if t.get_text()]
        widths = [t.get_window_extent(renderer).width for t in labels]
        room = 0.3 * fig.bbox.width
        if labels and max(widths) > room and not ax.yaxis.get_label_position() == "right":
            wrapped = [textwrap.fill(t.get_text(), max(10, int(len(t.get_text()) * room / w)),
                                     break_on_hyphens=False) if w > room else t.get_text()
                       for t, w in zip(labels, widths, strict=True)]
            before = [a.get_window_extent(renderer).width for a in fig.axes]
            positions = [t.get_position()[1] for t in labels]
            ax.set_yticks(positions, wrapped)
            fig.draw_without_rendering()
            after = [a.get_window_extent(renderer).width for a in fig.axes]
            if any(b2 < 0.95 * b1 for b1, b2 in zip(before, after, strict=True)):
                ax.set_yticks(positions, [t.get_text() for t in labels])  # no better: undo
    fig.draw_without_rendering()
    for ax in fig.axes:
        ticks = ax.get_xticklabels()
        if not _overlapping(ticks, renderer):
            continue
        values = ax.get_xticks()
        numeric = all(t.get_text().replace(",", "").replace(".", "").replace("\u2212", "").strip()
                      .isdigit() for t in ticks if t.get_text())
        if numeric and len(values) > 2:
            ax.set_xticks(values[::2] if len(values) < 8 else values[::3])
        else:
            for t in ticks:
                t.set_rotation(40)
                t.set_horizontalalignment("right")
                t.set_rotation_mode("anchor")
    fig.draw_without_rendering()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or legend.get_bbox_to_anchor() is not ax.bbox:
            continue  # no legend, or one the notebook placed itself
        box, area = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
        if (box.width * box.height <= 0.3 * area.width * area.height and box.width <= 0.75 * area.width
                and legend not in _BELOW):
            continue
        below = ax.get_tightbbox(renderer, for_layout_only=True)
        y = (below.y0 - area.y0) / area.height - 0.02 if below is not None else -0.15
        handles, texts = legend.legend_handles, [t.get_text() for t in legend.get_texts()]
        title = legend.get_title().get_text()
        legend.remove()
        moved = ax.legend(handles, texts, title=title or None, loc="upper left",
                          bbox_to_anchor=(0.0, y), bbox_transform=ax.transAxes, borderaxespad=0.0)
        moved.set_in_layout(False)  # under the plot: the plot keeps its size


def _wrap_to_edge(fig) -> None:
    """Notes and legend entries that run past the right edge of the figure wrap onto more
    lines, to end at the edge."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    edge = fig.bbox.x1
    texts = [t for ax in fig.axes for t in ax.texts]
    texts += [t for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    for text in texts:
        content = text.get_text()
        box = text.get_window_extent(renderer)
        if not content or box.x1 <= edge or box.width <= 0 or text.get_rotation() not in (0, 0.0):
            continue
        room = edge - box.x0 - 4
        longest = max(content.split("\n"), key=len)
        chars = max(10, int(len(longest) * room / box.width))
        text.set_text("\n".join(textwrap.fill(line, chars, break_on_hyphens=False)
                                for line in content.split("\n")))


def _fit_width(fig) -> None:
    """Keep what the figure draws (labels and legends outside the plot included) within its
    width where the plots can give the room, so that the saved figure is no wider than drawn
    for and its type no smaller."""
    _wrap_to_edge(fig)
    width = fig.get_figwidth()
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    excess = fig.get_tightbbox(renderer).width - width
    if excess <= 0.02 * width:
        return
    before = [ax.get_window_extent(renderer).width for ax in fig.axes]
    fig.set_figwidth(width - excess)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.draw_without_rendering()
    after = [ax.get_window_extent(renderer).width for ax in fig.axes]
    if caught or any(a < 0.75 * b or a < 1.2 * fig.dpi for a, b in zip(after, before, strict=True)):
        fig.set_figwidth(width)  # the plots would collapse: keep the width
        fig.draw_without_rendering()


def _drawn_box(fig, pad: float = 0.0) -> Bbox:
    """What the figure draws, in inches: legends kept out of the layout included."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    boxes = [fig.get_tightbbox(renderer)]
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            boxes.append(legend.get_window_extent(renderer).transformed(
                fig.dpi_scale_trans.inverted()))
    return Bbox.union(boxes).padded(pad)


def _source_line(fig, source: str) -> None:
    """The source line, under everything else the figure draws (legends and notes included),
    wrapped to the figure's width."""
    box = _drawn_box(fig)
    width, height = fig.get_size_inches()
    x = box.x0 / width
    y = min(box.y0 / height, 0.0) - 0.08 / height
    per_line = max(20, int(width * 72 / (0.56 * MIN_FONT_PT)))
    text = textwrap.fill(f"Source: {source}", per_line, break_on_hyphens=False)
    fig.text(x, y, text, ha="left", va="top", fontsize=MIN_FONT_PT, color="#444444",
             transform=fig.transFigure, linespacing=1.3)


class FigureError(RuntimeError):
    """A figure that cannot be drawn as it should: its layout collapsed, or matplotlib warned
    while laying it out or saving it."""


def finish(fig, name: str, source: str, folder: Path | None = None) -> None:
    """Add the source line and save ``<name>.svg`` and ``<name>.pdf`` for the book.

    Any warning while laying out or saving the figure (above all matplotlib's "constrained_layout
    not applied because axes sizes collapsed to zero", when the figure is too small for what it
    draws) is a :class:`FigureError` naming the figure, and nothing is saved.

    Returns nothing, so that a notebook cell ending with it shows only the figure."""
    if not source.strip():
        raise ValueError(f"figure {name!r} needs a source line")
    folder = folder or figures_dir()
    svg, pdf = folder / f"{name}.svg", folder / f"{name}.pdf"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a collapsed layout and the like: no broken figure
        try:
            for ax in fig.axes:  # a legend on a plot never squeezes it (a wide one goes under it)
                if ax.get_legend() is not None:
                    ax.get_legend().set_in_layout(False)
            _fix_marks(fig)
            _fit_layout(fig)
            _fit_width(fig)
            _source_line(fig, source)
            folder.mkdir(parents=True, exist_ok=True)
            box = _drawn_box(fig, pad=0.04)
            fig.savefig(svg, bbox_inches=box, metadata={"Date": None})
            _add_dark_mode(svg)
            fig.savefig(pdf, bbox_inches=box, metadata={"CreationDate": None, "ModDate": None})
        except Warning as warning:
            svg.unlink(missing_ok=True)
            pdf.unlink(missing_ok=True)
            raise FigureError(f"figure {name!r}: {warning} ({type(warning).__name__} while "
                              "laying out or saving it)") from warning
