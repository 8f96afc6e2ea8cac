"""Glue values for the chapters, always as Python builtins (``int``, ``float``, ``str``)."""

from __future__ import annotations

import numbers

import numpy as np


def builtin(value):
    """``value`` as an ``int``, ``float`` or ``str``; numpy scalars are converted, NaN refused."""
    if isinstance(value, bool | np.bool_):
        raise TypeError("glue a number or a text, not a boolean")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if value != value:
            raise ValueError("refusing to glue NaN")
        return value
    if isinstance(value, str):
        return value
    raise TypeError(f"glue int, float or str, not {type(value).__name__}")


def glue(key: str, value):
    """Store ``value`` under ``key`` for ``{glue:text}`` in the chapters (not displayed here)."""
    from myst_nb import glue as _glue

    value = builtin(value)
    _glue(key, value, display=False)
    return value
