"""The one loader: read a dataset of the bundled data package as a validated DataFrame.

>>> from mcreport.data import load
>>> df = load("adult_participation_25_64")

Every call validates the file against its Table Schema, hash and byte count in
``data/datapackage.json`` (see :mod:`mcreport.datapackage`) and raises
:class:`~mcreport.datapackage.DataPackageError` naming the file, the row and the field when it
does not pass. Columns get pandas dtypes from the schema.
"""

from __future__ import annotations

import pandas as pd

from . import datapackage, deps
from .paths import data_dir

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
    if name not in LOADED:
        LOADED.append(name)
    return frame


def resources() -> list[str]:
    """Names of every dataset in the package."""
    return [r["name"] for r in datapackage.read()["resources"]]
