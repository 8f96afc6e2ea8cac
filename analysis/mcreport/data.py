"""The one loader: read a dataset of the bundled data package as a validated DataFrame.

>>> from mcreport.data import load
>>> df = load("adult_participation_25_64")

Every call validates the file against its Table Schema, hash and byte count in
``data/datapackage.json`` (see :mod:`mcreport.datapackage`) and raises
:class:`~mcreport.datapackage.DataPackageError` naming the file, the row and the field when it
does not pass. Columns get pandas dtypes from the schema; an infinite number is refused even
where the schema sets no bounds.

A notebook states what it expects of the data with :func:`expect` (not a bare ``assert``), so a
value outside the expected set fails naming the dataset, the field and the value::

    expect(df, "status", ["verified", "verified-copy"])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from . import datapackage, deps
from .paths import data_dir

if TYPE_CHECKING:  # pandas is imported when data are loaded (the book's renderer seldom does)
    import pandas as pd

#: Names of the resources loaded in this process, in order (dependency checks use it).
LOADED: list[str] = []

_DTYPES = {
    "integer": "Int64",
    "number": "float64",
    "string": "string",
    "boolean": "boolean",
    "year": "Int64",
}


def schema_fields(name: str) -> list[dict]:
    return datapackage.resource_descriptor(name)["schema"]["fields"]


def load(name: str) -> pd.DataFrame:
    """Validated DataFrame of resource ``name``."""
    import pandas as pd

    deps.check_load(name)  # a notebook reads only the data the graph gives it
    root = data_dir()
    descriptor = datapackage.resource_descriptor(name, root)
    datapackage.check(root, [name])
    fields = descriptor["schema"]["fields"]
    dtypes = {f["name"]: _DTYPES.get(f.get("type", "string"), "string") for f in fields}
    dates = [f["name"] for f in fields if f.get("type") in ("date", "datetime")]
    frame = pd.read_csv(
        root / descriptor["path"],
        dtype={k: v for k, v in dtypes.items() if k not in dates},
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
    )
    for col in dates:
        frame[col] = pd.to_datetime(frame[col], format="ISO8601")
    for col in frame.columns[frame.dtypes == "float64"]:
        infinite = frame.index[frame[col].abs() == float("inf")]
        if len(infinite):
            raise datapackage.DataPackageError(
                f"data/{descriptor['path']}, row {infinite[0] + 2}, field '{col}': not a finite "
                f"number: {frame.at[infinite[0], col]!r}")
    frame.attrs["resource"] = name
    if name not in LOADED:
        LOADED.append(name)
    return frame


def resources() -> list[str]:
    """Names of every dataset in the package."""
    return [r["name"] for r in datapackage.read()["resources"]]


class UnexpectedValue(ValueError):
    """A dataset holds a value the notebook reading it does not expect."""


def expect(frame: pd.DataFrame, field: str, allowed: Iterable, *, exact: bool = False,
           name: str | None = None) -> pd.DataFrame:
    """Check that column ``field`` of ``frame`` holds only values of ``allowed`` (with
    ``exact=True``: every one of them, too); return ``frame``.

    Raises :class:`UnexpectedValue` naming the dataset (``name``, or the resource the frame was
    loaded from), the field, each unexpected value and where it stands: the file rows, counting
    the header as row 1, for a frame as loaded; the index labels otherwise."""
    import pandas as pd

    allowed = list(allowed)
    name = name or frame.attrs.get("resource")
    where, file_rows = f"dataset {name!r}" if name else "dataset", False
    if name:
        try:
            descriptor = datapackage.resource_descriptor(name)
        except datapackage.DataPackageError:
            descriptor = None
        if descriptor:
            where = f"data/{descriptor['path']} ({where})"
            index = frame.index  # the loader's: row i of the frame is row i + 2 of the file
            file_rows = (isinstance(index, pd.RangeIndex) and index.start == 0
                         and index.step == 1 and len(frame) == descriptor.get("rows"))
    if field not in frame.columns:
        raise UnexpectedValue(f"{where}: no field {field!r} (fields: {list(frame.columns)})")
    column = frame[field].astype(object).where(frame[field].notna(), None)
    unexpected = column[~column.isin(allowed)]
    problems = []
    for value in dict.fromkeys(unexpected):
        rows = unexpected.index[unexpected.map(lambda v, value=value: v == value)].tolist()
        if file_rows:
            rows = [r + 2 for r in rows]
            place = "row" if len(rows) == 1 else "rows"
        else:
            place = "index"
        shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
        problems.append(f"value {value!r} ({place} {shown})")
    if exact:
        present = set(column.dropna())
        problems += [f"no row has the expected value {v!r}" for v in allowed if v not in present]
    if problems:
        raise UnexpectedValue(f"{where}, field {field!r}: " + "; ".join(problems)
                              + f"; expected {'exactly ' if exact else 'only '}{allowed!r}")
    return frame
