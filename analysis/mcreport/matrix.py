"""The one reconciled country matrix of frameworks and microcredential provision (Theme 2).

:func:`build` derives ``data/kb/country_matrix.csv`` from the two registers it rests on: the
table of national qualifications frameworks (``nqf_countries``: levels, EQF referencing,
scope, and any microcredential provision the framework sources state) and the register of
national initiatives (``national_initiatives``: how each initiative relates to its framework).
Every cell names its basis (the register rows it comes from). The chapter, its table and the
register page all read the matrix; a test checks that the CSV is what :func:`build` returns.
"""

from __future__ import annotations

import pandas as pd

from . import countries

#: Countries of the matrix: the EU member states, the EFTA countries and the United Kingdom.
GEOS = tuple(countries.EU27) + ("IS", "LI", "NO", "CH", "UK")

#: Relation of an initiative to its framework, closest first (as the register defines them).
RELATIONS = ("levelled", "part of a qualification", "credit-rated", "under discussion",
             "outside", "not stated")
#: A framework table's statement of provision -> the relation it amounts to.
PROVISION_RELATION = {"yes": "levelled", "partial (not labelled microcredentials)":
                      "part of a qualification", "planned": "under discussion",
                      "policy intent": "under discussion"}
#: Country-level provision status, one per relation, and for no record.
STATUS = {"levelled": "placed in the framework",
          "part of a qualification": "units of qualifications",
          "credit-rated": "credit-rated, not placed",
          "under discussion": "planned or under discussion",
          "outside": "kept outside the framework",
          "not stated": "initiative, relation not stated",
          None: "no verified record"}
SECONDHAND = {"secondhand", "partly-secondhand"}


def _yes_no(values: pd.Series) -> str:
    known = {bool(v) for v in values if pd.notna(v)}
    if not known:
        return ""
    if len(known) == 2:
        return "differs by community"
    return "yes" if known.pop() else "no"


def _agreed(values: pd.Series):
    known = {v for v in values if pd.notna(v)}
    return known.pop() if len(known) == 1 else None


def build(nqf: pd.DataFrame, initiatives: pd.DataFrame) -> pd.DataFrame:
    """One row per country of :data:`GEOS` with the framework facts, the provision status and
    the basis of each."""
    rows = []
    for geo in GEOS:
        frames = nqf[nqf["country"] == geo].sort_values("id")
        mine = initiatives[initiatives["country"] == geo].sort_values("id")
        ids = list(frames["id"])
        levels = _agreed(frames["levels"])
        first_ref = frames["year_referenced_eqf"].dropna()
        candidates = []  # (rank, relation, basis)
        for r in frames.itertuples():
            if pd.notna(r.microcredential_provisions):
                relation = PROVISION_RELATION[r.microcredential_provisions]
                candidates.append((RELATIONS.index(relation), relation,
                                   f"framework table {r.id}: {r.microcredential_provisions}"))
        for r in mine.itertuples():
            candidates.append((RELATIONS.index(r.nqf_relation), r.nqf_relation,
                               f"register {r.id}: {r.nqf_relation}"))
        best = min(candidates)[1] if candidates else None
        basis = [b for rank, rel, b in sorted(candidates) if rel == best]
        setting = mine[mine["nqf_relation"] == best] if best else mine.iloc[0:0]
        called = {bool(v) for v in setting["called_microcredentials"] if pd.notna(v)}
        statuses = set(frames["status"]) | set(mine["status"])
        rows.append({
            "geo": geo,
            "country": countries.name(geo),
            "levels": levels,
            "eqf_referenced": int(first_ref.min()) if len(first_ref) else None,
            "comprehensive": _yes_no(frames["comprehensive"]),
            "open_to_non_formal": _yes_no(frames["open_to_non_formal"]),
            "framework_basis": "framework table " + ", ".join(ids) if ids else "",
            "mc_status": STATUS[best],
            "mc_called": ("" if not called else "differs" if len(called) == 2
                          else "yes" if called.pop() else "no"),
            "mc_basis": "; ".join(basis),
            "initiatives": ", ".join(mine["id"]),
            "source": frames["source"].iloc[0] if len(frames) else "",
            "status": "partly-secondhand" if statuses & SECONDHAND else "verified",
        })
    out = pd.DataFrame(rows)
    out["levels"] = out["levels"].astype("Int64")
    out["eqf_referenced"] = out["eqf_referenced"].astype("Int64")
    return out


def write(target=None) -> pd.DataFrame:
    """Rebuild ``data/kb/country_matrix.csv`` from the two registers (``python -m mcreport.matrix``)."""
    from .data import load
    from .paths import data_dir

    out = build(load("nqf_countries"), load("national_initiatives"))
    path = (target or data_dir()) / "kb" / "country_matrix.csv"
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    frame = write()
    print(f"data/kb/country_matrix.csv: {len(frame)} rows")
