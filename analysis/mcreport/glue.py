"""Glue values for the chapters, always as Python builtins (``int``, ``float``, ``str``).

Only finite numbers are glued: NaN and ±infinity (a ratio over a zero, a mean of nothing) raise
:class:`GlueError` naming the key, so the notebook cell that computes them fails the build.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


class GlueError(ValueError):
    """A value that must not reach a chapter."""


def builtin(value):
    """``value`` as an ``int``, ``float`` or ``str``; numpy scalars are converted, NaN and ±inf
    refused."""
    if isinstance(value, bool | np.bool_):
        raise TypeError("glue a number or a text, not a boolean")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise GlueError(f"refusing to glue {value!r}: only finite numbers reach the chapters")
        return value
    if isinstance(value, str):
        return value
    raise TypeError(f"glue int, float or str, not {type(value).__name__}")


def glue(key: str, value):
    """Store ``value`` under ``key`` for ``{glue:text}`` in the chapters (not displayed here)."""
    from myst_nb import glue as _glue

    try:
        value = builtin(value)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"glue {key!r}: {exc}") from None
    _glue(key, value, display=False)
    return value
