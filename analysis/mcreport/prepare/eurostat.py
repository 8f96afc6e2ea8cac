"""Eurostat formats: bulk TSV, SDMX-CSV, the former Data Explorer's labelled CSV, and the API.

All readers return a long frame with the dimension columns, ``time`` (string), ``value`` (float or
NA) and ``flag`` (string, '' when none). ``:`` marks a missing value; flags follow the value after
a space in TSV cells (``"11.6 b"``) and sit in their own column in SDMX-CSV.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

_CELL = re.compile(r"^\s*(?P<value>:|-?\d+(?:\.\d+)?)?\s*(?P<flag>[a-z]*)\s*$")


def split_cell(cell: str) -> tuple[float | None, str]:
    """``"11.6 b"`` -> (11.6, "b"); ``": "`` -> (None, ""); ``": u"`` -> (None, "u")."""
    match = _CELL.match(cell)
    if match is None:
        raise ValueError(f"cannot read Eurostat cell {cell!r}")
    value = match.group("value")
    number = None if value in (None, ":") else float(value)
    return number, match.group("flag") or ""


def read_bulk_tsv(source: str | Path | io.TextIOBase) -> pd.DataFrame:
    """Read a Eurostat bulk-download TSV (``freq,unit,...,geo\\TIME_PERIOD`` + one column a year)."""
    text = _text(source)
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    if not rows:
        raise ValueError("empty Eurostat TSV")
    head = [h.strip() for h in rows[0]]
    if "\\" not in head[0]:
        raise ValueError(f"not a Eurostat bulk TSV header: {head[0]!r}")
    dims_part, time_dim = head[0].split("\\")
    dims = dims_part.split(",")
    periods = head[1:]
    records = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        keys = row[0].split(",")
        if len(keys) != len(dims):
            raise ValueError(f"line {lineno}: {len(keys)} keys for {len(dims)} dimensions")
        if len(row) - 1 != len(periods):
            raise ValueError(f"line {lineno}: {len(row) - 1} cells for {len(periods)} periods")
        for period, cell in zip(periods, row[1:], strict=True):
            value, flag = split_cell(cell)
            records.append({**dict(zip(dims, keys, strict=True)), "time": period,
                            "value": value, "flag": flag})
    frame = pd.DataFrame.from_records(records)
    frame["value"] = frame["value"].astype("float64")
    return frame


def read_sdmx_csv(source: str | Path | io.TextIOBase) -> pd.DataFrame:
    """Read SDMX-CSV 1.0 or 2.0 (labelled or not) as exported by the Eurostat Data Browser."""
    frame = pd.read_csv(io.StringIO(_text(source)), dtype=str, keep_default_na=False)
    if "OBS_VALUE" not in frame.columns or "TIME_PERIOD" not in frame.columns:
        raise ValueError("not SDMX-CSV: no OBS_VALUE / TIME_PERIOD column")
    meta = {"STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "DATAFLOW", "LAST UPDATE",
            "OBS_VALUE", "OBS_FLAG", "TIME_PERIOD", "CONF_STATUS", "OBS_STATUS"}
    # Labelled exports put a label column after each code column, named by the label's text.
    cols = list(frame.columns)
    dims = []
    for i, col in enumerate(cols):
        if col in meta or not re.fullmatch(r"[a-z_]+", col):
            continue
        dims.append(col)
        _ = i
    out = frame[dims].copy()
    out["time"] = frame["TIME_PERIOD"]
    values = frame["OBS_VALUE"].str.strip().replace({":": "", "": None})
    out["value"] = pd.to_numeric(values, errors="raise").astype("float64")
    out["flag"] = frame["OBS_FLAG"].str.strip() if "OBS_FLAG" in frame else ""
    return out


def read_labelled_csv(source: str | Path | io.TextIOBase) -> pd.DataFrame:
    """Read a labelled export of Eurostat's former Data Explorer (``INDIC_IS,GEO,TIME,...``)."""
    frame = pd.read_csv(io.StringIO(_text(source)), dtype=str, keep_default_na=False)
    needed = {"GEO", "TIME", "Value"}
    if not needed <= set(frame.columns):
        raise ValueError(f"not a Data Explorer export: missing {sorted(needed - set(frame.columns))}")
    flag_col = next((c for c in frame.columns if c.startswith("Flag")), None)
    values = frame["Value"].str.replace(",", "", regex=False).str.strip()
    out = frame.drop(columns=["Value"] + ([flag_col] if flag_col else [])).copy()
    out = out.rename(columns={"TIME": "time"})
    out["value"] = pd.to_numeric(values.replace({":": None, "": None}), errors="raise")
    out["value"] = out["value"].astype("float64")
    out["flag"] = frame[flag_col].str.strip() if flag_col else ""
    return out


def fetch(code: str, filters: dict[str, list[str]]) -> pd.DataFrame:
    """Download a dataset with the ``eurostat`` client (needs network) in the long layout above."""
    import eurostat

    print(f"  downloading {code} from the Eurostat API ...", flush=True)
    wide = eurostat.get_data_df(code, flags=True, filter_pars=filters)
    if wide is None or wide.empty:
        raise RuntimeError(f"Eurostat returned no data for {code} with {filters}")
    id_col = next(c for c in wide.columns if "\\" in c)
    dims = [c for c in wide.columns if not c.endswith(("_value", "_flag")) and c != id_col]
    dims.append(id_col)
    periods = sorted({c.rsplit("_", 1)[0] for c in wide.columns if c.endswith("_value")})
    records = []
    for _, row in wide.iterrows():
        keys = {d.split("\\")[0]: row[d] for d in dims}
        for period in periods:
            value = row.get(f"{period}_value")
            flag = row.get(f"{period}_flag")
            records.append({**keys, "time": period,
                            "value": None if pd.isna(value) else float(value),
                            "flag": "" if flag is None or pd.isna(flag) else str(flag).strip()})
    frame = pd.DataFrame.from_records(records)
    frame["value"] = frame["value"].astype("float64")
    return frame


def _text(source: str | Path | io.TextIOBase) -> str:
    if isinstance(source, io.TextIOBase):
        return source.read()
    return Path(source).read_text(encoding="utf-8")
