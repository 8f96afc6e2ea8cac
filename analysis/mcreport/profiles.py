"""Country profiles: one computation of every country's evidence, and the pages that show it.

The notebook ``analysis/countries.ipynb`` loads the datasets (literal ``load("name")`` calls),
passes them here as ``frames`` (resource name -> DataFrame), glues every value this module
computes (:func:`glue_values`) and draws the charts (:func:`plot_country`, :func:`plot_overview`).
The pages ``book/countries/*.md`` are written from one template by :func:`write_pages`
(``python -m mcreport.profiles write``); they hold no number, only glue references, so that a
change of data changes the pages only when it changes which rows a country has. What the
profiles show is set by one mapping, :mod:`mcreport.profile_map`.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import countries
from .profile_map import (
    ALWAYS,
    CEDEFOP,
    CHARTS,
    COUNTRY_COLUMNS,
    EU,
    FLAGS,
    FRAMEWORKS,
    INDICATORS,
    MIN_DATASETS,
    OECD,
    TITLES,
    Indicator,
    active,
)

NOTEBOOK = "countries"
#: Cell text of a value the data do not have (the reason follows in the Notes column).
NO_DATA = "no data"
AGGREGATES = frozenset(countries.AGGREGATES)
#: Columns never shown as facts of a framework row.
_META = {"id", "geo", "country", "source", "status", "further_sources", "conflict_fields",
         "secondhand_fields"}
#: Framework facts shown from `nqf_countries` (`country_matrix`: every column).
NQF_COLUMNS = ("nqf_name", "region", "levels", "year_referenced_eqf", "comprehensive",
               "open_to_non_formal", "stage", "microcredential_provisions",
               "microcredential_note")


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def number(value: float) -> str:
    """A value as published: shortest form that reads back the same, no trailing ``.0``."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return np.format_float_positional(round(value, 6), trim="-")


def flags_text(flag) -> str:
    """``"bu"`` -> ``"break in time series; low reliability"`` (empty for no flag)."""
    if flag is None or (isinstance(flag, float) and math.isnan(flag)) or flag is pd.NA:
        return ""
    return "; ".join(FLAGS.get(c, f"flag {c!r}") for c in str(flag).strip() if c.strip())


def series(ind: Indicator, frame: pd.DataFrame, older: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows of one indicator as ``geo, year, value, flag, suspect, source`` (one layout for all).

    With ``older`` (the frame of ``ind.older``): the chapters' series, the newer vintage's rows
    with a value and the older vintage's only where the newer has none, spliced by
    :func:`mcreport.indicators.splice`; a ``vintage`` column names each row's vintage."""
    if older is not None and ind.older is not None:
        from . import indicators

        new = series(ind, frame)
        new = new[new.value.notna()]
        old = series(Indicator(ind.key, ind.older.dataset, ind.title, ind.unit, ind.older.source),
                     older)
        both = indicators.splice(old, new, old_name=ind.older.vintage, new_name=ind.vintage)
        source = {(v, g, y): s for v, frame_ in ((ind.older.vintage, old), (ind.vintage, new))
                  for g, y, s in zip(frame_.geo, frame_.year, frame_.source, strict=True)}
        both["source"] = [source[k] for k in zip(both.vintage, both.geo, both.year, strict=True)]
        both["year"] = both["year"].astype("Int64")
        both["flag"] = both["flag"].astype("string").fillna("")
        both["suspect"] = both["suspect"].astype("string").fillna("")
        return both.sort_values(["geo", "year"], kind="stable").reset_index(drop=True)
    rows = frame
    for column, wanted in ind.where.items():
        rows = rows[rows[column].astype("string") == str(wanted)]
    out = pd.DataFrame({
        "geo": rows["geo"].astype(str),
        "year": rows["year"].astype("Int64") if "year" in rows else pd.array([pd.NA] * len(rows), "Int64"),
        "value": rows["value"].astype(float),
        "flag": rows["flag"].astype("string").fillna("") if "flag" in rows else "",
        "suspect": rows["suspect"].astype("string").fillna("") if "suspect" in rows else "",
        "source": rows["source"].astype(str),
    })
    return out.sort_values(["geo", "year"], kind="stable").reset_index(drop=True)


@dataclass
class Headline:
    """One indicator for one country: what the headline table and the overview show."""

    indicator: str
    geo: str
    value: float | None = None
    year: int | None = None
    flag: str = ""
    eu: float | None = None
    eu_note: str = ""
    rank: int | None = None
    ranked: int = 0
    change: float | None = None
    change_note: str = ""
    base_year: int | None = None
    note: str = ""  # why there is no value, or the flags written out
    sources: tuple[str, ...] = ()
    vintage: str = ""  # vintage of the latest value, for a series spliced from two

    def cells(self, unit: str) -> dict[str, str]:
        """Text of each cell (glued under ``<geo>-<indicator>-<cell>``)."""
        pp = "pp" if unit.startswith("%") else unit
        if self.value is None:
            return {"value": NO_DATA, "year": "\u2013", "eu": "\u2013", "rank": "\u2013",
                    "change": "\u2013", "notes": self.note}
        change = self.change_note
        if self.change is not None:
            change = f"{'+' if self.change > 0 else ''}{number(self.change)} {pp} since {self.base_year}" + (
                f" ({self.change_note})" if self.change_note else "")
        return {
            "value": _with_unit(self.value, unit),
            "year": str(self.year),
            "eu": _with_unit(self.eu, unit) if self.eu is not None else self.eu_note,
            "rank": f"{self.rank} of {self.ranked}" if self.rank else "\u2013",
            "change": change,
            "notes": self.note or "none",
        }


def _with_unit(value: float, unit: str) -> str:
    """``12.3 %`` for a percentage (its base, e.g. "of enterprises", is in the title), else the
    number."""
    return f"{number(value)} %" if unit.startswith("%") else number(value)


def _is_country(geo: str) -> bool:
    return geo not in AGGREGATES and len(geo) == 2


def headline(ind: Indicator, rows: pd.DataFrame, geo: str) -> Headline:
    """Latest value of ``geo``, the EU value of that year, its rank, the change since the base
    year, the flags written out, or why there is no value."""
    out = Headline(ind.key, geo, base_year=ind.base_year)
    own = rows[rows.geo == geo]
    if own.empty:
        out.note = ind.not_covered
        return out
    out.sources = tuple(sorted(set(own.source)))
    valued = own[own.value.notna()]
    if valued.empty:
        reasons = sorted({s for s in own.suspect if s})
        out.note = ("dropped as unreliable: " + "; ".join(reasons)) if reasons else (
            "not published: the table has rows for it but no value")
        return out
    last = valued.iloc[-1]
    out.value, out.flag = float(last.value), str(last.flag)
    year = last.year
    out.year = None if pd.isna(year) else int(year)
    notes = [flags_text(out.flag)] if out.flag else []
    if "vintage" in own and ind.older is not None:
        out.vintage = str(last.vintage)
        if out.vintage == ind.older.vintage:
            notes.append(f"value of the {out.vintage}: the {ind.vintage} has none")
    later = own[(own.value.isna()) & (own.year > year)] if out.year is not None else own.iloc[0:0]
    for _, row in later.iterrows():
        why = row.suspect or "not published"
        notes.append(f"{row.year}: dropped ({why})")
    out.note = "; ".join(n for n in notes if n)
    same = rows[(rows.year == year) & rows.value.notna()]
    eu = same[same.geo == EU]
    if not (rows.geo == EU).any():
        out.eu_note = "no EU aggregate"
    elif eu.empty:
        out.eu_note = f"no EU value for {out.year}"
    else:
        out.eu = float(eu.value.iloc[0])
    peers = same[same.geo.map(_is_country)]
    out.ranked = len(peers)
    out.rank = int((peers.value > out.value).sum()) + 1
    if ind.base_year is not None and out.year is not None:
        base = valued[valued.year == ind.base_year]
        if out.year <= ind.base_year:
            out.change_note = f"latest year is the base year {ind.base_year}" if (
                out.year == ind.base_year) else f"no value since {ind.base_year}"
        elif base.empty:
            out.change_note = f"no value for {ind.base_year}"
        else:
            out.change = round(out.value - float(base.value.iloc[0]), 1)
            breaks = [int(y) for y, f in zip(valued.year, valued.flag, strict=True)
                      if ind.base_year < y <= out.year and "b" in str(f)]
            if breaks:
                out.change_note = "break in series in " + ", ".join(map(str, breaks))
    return out


# ---------------------------------------------------------------------------------------------
# Countries and the other parts of a profile
# ---------------------------------------------------------------------------------------------


def present(frames: dict[str, pd.DataFrame | None]) -> set[str]:
    return {name for name, frame in frames.items() if frame is not None}


def appearances(frames: dict) -> dict[str, list[str]]:
    """``{geo: [datasets it has rows in]}`` over the datasets of COUNTRY_COLUMNS."""
    seen: dict[str, list[str]] = {}
    for name, column in COUNTRY_COLUMNS.items():
        frame = frames.get(name)
        if frame is None or column not in frame:
            continue
        for geo in sorted(set(frame[column].dropna().astype(str))):
            seen.setdefault(geo, []).append(name)
    return seen


def profile_countries(frames: dict) -> list[str]:
    """Countries with a profile: the EU-27, ALWAYS, and every country with rows in at least
    MIN_DATASETS of the report's datasets; in the order of their English names."""
    seen = appearances(frames)
    chosen = set(countries.EU27) | set(ALWAYS)
    chosen |= {g for g, names in seen.items() if len(names) >= MIN_DATASETS and _is_country(g)}
    return sorted(chosen, key=countries.name)


def slug(geo: str) -> str:
    return geo.lower()


def framework_rows(frames: dict, geo: str) -> tuple[str, list[dict]]:
    """(dataset, rows) of the country's qualifications framework(s), each row ``{"facts":
    [(title, text)], "source", "status", "id"}``; the reconciled matrix when present."""
    from .data import schema_fields

    for name in FRAMEWORKS:
        frame = frames.get(name)
        if frame is None:
            continue
        column = COUNTRY_COLUMNS[name]
        own = frame[frame[column].astype(str) == geo]
        try:
            titles = {f["name"]: f.get("title") or f["name"] for f in schema_fields(name)}
        except Exception:  # a frame without descriptor (tests): column names as titles
            titles = {c: c for c in frame.columns}
        columns = [c for c in (NQF_COLUMNS if name == "nqf_countries" else frame.columns)
                   if c not in _META]
        rows = []
        for _, row in own.iterrows():
            facts = [(titles.get(c, c), _fact(row[c])) for c in columns if not _missing(row[c])]
            if not facts:  # a row without framework facts: what it says instead (its notes)
                facts = [(titles.get(c, c), _fact(row[c])) for c in frame.columns
                         if c not in _META and not _missing(row[c])]
            rows.append({"id": str(row.get("id", geo)), "facts": facts,
                         "source": str(row["source"]), "status": str(row["status"])})
        return name, rows
    return "", []


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _fact(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating | int | np.integer):
        return number(value)
    return str(value)


def initiatives(frames: dict, geo: str) -> list[dict]:
    """The country's national initiatives, with their dated published counts."""
    table = frames.get("national_initiatives")
    if table is None:
        return []
    counts = frames.get("initiative_counts")
    out = []
    for _, row in table[table.country.astype(str) == geo].sort_values("id").iterrows():
        items = []
        if counts is not None:
            for _, c in counts[counts.initiative_id.astype(str) == row.id].sort_values("id").iterrows():
                amount = number(c.value) + (f"-{number(c.value_max)}" if not _missing(c.value_max) else "")
                unit = "" if str(c.unit) == "count" else f" {c.unit}"
                qualifier = f"{c.qualifier} " if not _missing(c.qualifier) else ""
                when = f" ({c.count_date})" if not _missing(c.count_date) else " (undated)"
                items.append(f"{c.measure_detail}: {qualifier}{amount}{unit}{when}")
        out.append({
            "id": str(row.id), "name": str(row["name"]),
            "region": "" if _missing(row.region) else str(row.region),
            "period": "" if _missing(row.period) else str(row.period),
            "called": "not stated" if _missing(row.called_microcredentials) else (
                "yes" if bool(row.called_microcredentials) else "no"),
            "counts": "; ".join(items) if items else "no published count in the register",
            "source": str(row.source), "status": str(row.status),
        })
    return out


def oecd(frames: dict, geo: str) -> list[dict]:
    """OECD dashboard indicators of the country: value, OECD average, rank; empty if none."""
    table, labels = frames.get(OECD["dataset"]), frames.get(OECD["labels"])
    if table is None or labels is None:
        return []
    own = table[table.geo == geo]
    if own.empty:
        return []
    out = []
    for _, lab in labels.sort_values("indicator").iterrows():
        rows = table[table.indicator == lab.indicator]
        mine = rows[rows.geo == geo]
        avg = rows[rows.geo == OECD["average"]]
        peers = rows[rows.geo.map(_is_country)]
        item = {"indicator": str(lab.indicator), "label": str(lab.short_label),
                "survey": str(lab.survey), "source": str(lab.source)}
        if mine.empty:
            item.update(value=NO_DATA, average="\u2013", rank="\u2013",
                        note="not in the OECD dashboard for this country")
        else:
            v = float(mine.value.iloc[0])
            item.update(value=number(v),
                        average=number(avg.value.iloc[0]) if not avg.empty else "no OECD average",
                        rank=f"{int((peers.value > v).sum()) + 1} of {len(peers)}", note="none")
        out.append(item)
    return out


def cedefop(frames: dict, geo: str) -> tuple[str, list[str]]:
    """Whether Cedefop's study covered the country and studied it in depth (from the named
    findings), and the sources of those findings."""
    table = frames.get(CEDEFOP["dataset"])
    if table is None:
        return "not known: the findings of Cedefop's study are not in the data package", []
    byid = table.set_index("id")
    name = countries.name(geo)
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    covered = _names(byid, CEDEFOP["covered"], geo, pattern)
    deep = _names(byid, CEDEFOP["in_depth"], geo, pattern)
    sources = sorted({str(byid.loc[i, "source"]) for i in (CEDEFOP["covered"], CEDEFOP["in_depth"])
                      if i in byid.index})
    if deep:
        return "yes: covered by the mapping and one of the countries studied in depth", sources
    if covered:
        return "covered by the mapping, not studied in depth", sources
    return "no: outside the countries the study covered", sources


def _names(byid: pd.DataFrame, finding: str, geo: str, pattern: re.Pattern) -> bool:
    if finding not in byid.index:
        return False
    text = str(byid.loc[finding, "finding"])
    if geo in countries.EU27 and "27 EU member states" in text:
        return True
    return bool(pattern.search(text))


def country_rows(frames: dict, geo: str) -> pd.DataFrame:
    """Every row of every dataset that names the country, stacked (first column: dataset)."""
    parts = []
    for name, column in COUNTRY_COLUMNS.items():
        frame = frames.get(name)
        if frame is None or column not in frame:
            continue
        own = frame[frame[column].astype(str) == geo]
        if not own.empty:
            parts.append(own.assign(dataset=name))
    oecd_table = frames.get(OECD["dataset"])
    if oecd_table is not None and (oecd_table.geo == geo).any():
        parts.append(oecd_table[oecd_table.geo == OECD["average"]].assign(dataset=OECD["dataset"]))
    ids = [i["id"] for i in initiatives(frames, geo)]
    counts = frames.get("initiative_counts")
    if counts is not None and ids:
        parts.append(counts[counts.initiative_id.isin(ids)].assign(dataset="initiative_counts"))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return out[["dataset", *[c for c in out.columns if c != "dataset"]]]


def _titled(ind: Indicator, titles: pd.DataFrame | None) -> Indicator:
    """A KIVET entry with the title and unit of ``kivet_indicator_list`` (when loaded)."""
    if ind.title and ind.unit:
        return ind
    code = str(ind.where.get("indicator", ""))
    rows = titles[titles.indicator.astype(str) == code] if titles is not None else ()
    if len(rows):
        return replace(ind, title=ind.title or str(rows.title.iloc[0]),
                       unit=ind.unit or str(rows.unit.iloc[0]))
    return replace(ind, title=ind.title or f"KIVET indicator {code}", unit=ind.unit or "%")


# ---------------------------------------------------------------------------------------------
# Everything at once: the profiles and the overview
# ---------------------------------------------------------------------------------------------


@dataclass
class Profiles:
    frames: dict
    indicators: list[Indicator]
    geos: list[str]
    series: dict[str, pd.DataFrame]
    _headlines: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, frames: dict) -> Profiles:
        inds = [_titled(i, frames.get(TITLES)) for i in active(present(frames))]
        return cls(frames, inds, profile_countries(frames),
                   {i.key: series(i, frames[i.dataset],
                                  frames.get(i.older.dataset) if i.older else None) for i in inds})

    def headlines(self, geo: str) -> list[tuple[Indicator, Headline]]:
        return [(i, self.headline(i, geo)) for i in self.indicators if i.headline]

    def headline(self, ind: Indicator, geo: str) -> Headline:
        """:func:`headline` of ``ind`` for ``geo``, computed once (the pages, the overview and
        the charts all read it)."""
        key = (ind.key, geo)
        if key not in self._headlines:
            self._headlines[key] = headline(ind, self.series[ind.key], geo)
        return self._headlines[key]

    def overview(self) -> dict:
        """Data of the Countries page's ranked chart: per indicator, every country's latest
        value, year and flags, and the EU value of the most common year."""
        out = {"indicators": [], "countries": {g: countries.name(g) for g in self.geos}}
        for ind in self.indicators:
            if not ind.headline:
                continue
            points = []
            for geo in self.geos:
                h = self.headline(ind, geo)
                if h.value is not None:
                    points.append({"geo": geo, "value": h.value, "year": h.year,
                                   "flag": flags_text(h.flag) or "none"})
            eu = self.headline(ind, EU)
            out["indicators"].append({
                "key": ind.key, "title": ind.title, "short": ind.short, "unit": ind.unit,
                "source": ind.source,
                "eu": None if eu.value is None else {"value": eu.value, "year": eu.year},
                "points": sorted(points, key=lambda p: (-p["value"], p["geo"])),
            })
        return out

    def glue_values(self) -> dict[str, str]:
        """Every text the pages paste, by glue key (the indicators' titles and source lines too:
        they hold the data's codes and age bands, which the pages do not type)."""
        out: dict[str, str] = {"sources": _sources(self), **overview_texts(self.overview())}
        for ind in self.indicators:
            out[f"ind-{ind.key}-title"] = f"{ind.title} ({ind.unit})"
            if ind.older is not None:
                out[f"ind-{ind.key}-vintage"] = _vintage_text(ind)
        for geo in self.geos:
            for ind, h in self.headlines(geo):
                for cell, text in h.cells(ind.unit).items():
                    out[f"{geo}-{ind.key}-{cell}"] = text
            _, rows = framework_rows(self.frames, geo)
            for n, row in enumerate(rows):
                for m, (_, text) in enumerate(row["facts"]):
                    out[f"{geo}-fw{n}-{m}"] = text
            for item in initiatives(self.frames, geo):
                out[f"{geo}-{item['id']}-counts"] = item["counts"]
                out[f"{geo}-{item['id']}-period"] = item["period"] or "\u2013"
            for item in oecd(self.frames, geo):
                for cell in ("value", "average", "rank"):
                    out[f"{geo}-oecd{item['indicator']}-{cell}"] = item[cell]
            out[f"{geo}-cedefop"] = cedefop(self.frames, geo)[0]
        return out


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def _g(key: str) -> str:
    return f"{{glue:text}}`../../analysis/{NOTEBOOK}.ipynb::{key}:s`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_profile(p: Profiles, geo: str) -> str:
    name = countries.name(geo)
    lines = [
        "<!-- Written by `python -m mcreport.profiles write` from the data: do not edit. -->",
        "",
        f"(country-{slug(geo)})=",
        f"# {name}",
        "",
        "```{only} html",
        f"What the report's datasets say about {name} (code `{geo}`), all on one page. Each",
        "value is the latest the dataset has; the EU value is that of the same year, the rank is",
        "among the countries with a value that year (the highest first), and the change is since the",
        "base year named in the table. Where a dataset has no value, the table says why.",
        "```",
        "",
        "## Key indicators",
        "",
        "| Indicator | Latest | Year | EU, same year | Rank | Change since base year | Notes |",
        "|---|--:|--:|--:|--:|---|---|",
    ]
    sources: set[str] = set()
    for ind, h in p.headlines(geo):
        sources.update(h.sources)
        k = f"{geo}-{ind.key}"
        lines.append(
            f"| {_g(f'ind-{ind.key}-title')} | {_g(k + '-value')} | {_g(k + '-year')} | "
            f"{_g(k + '-eu')} | {_g(k + '-rank')} | {_g(k + '-change')} | {_g(k + '-notes')} |")
    lines += [
        "",
        "```{only} html",  # in print, the chart's source line names them
        f"Sources: {_g('sources')}.",
        "```",
        "",
        *[f"{_g(f'ind-{i.key}-vintage')}, as in the chapters ({{ref}}`methods-vintages`)."
          for i in p.indicators if i.older],
        "",
        "```{figure} ../figures/country-" + slug(geo) + ".*",
        f":name: fig-country-{slug(geo)}",
        f":alt: {_alt_text(p, name)}",
        "",
        f"{name} (blue) against the EU-27 (grey): adult participation in learning over time "
        "(squares: breaks in series; a dotted line: where the vintage of the series changes), "
        "and the latest value of each indicator of "
        + ", ".join(CHARTS[c].lower() for c in _panels(p) if c != "participation")
        + " against the EU value of the same year (grey bars; grey diamonds: OECD average).",
        "```",
        "",
    ]
    fw_name, fw_rows = framework_rows(p.frames, geo)
    lines += ["## Qualifications framework and microcredentials", ""]
    if not fw_rows:
        lines += [f"The framework tables of the report have no row for {name}.", ""]
    for n, row in enumerate(fw_rows):
        sources.add(row["source"])
        status = "" if row["status"] in ("verified", "verified-copy") else (
            f" *({row['status'].replace('-', ' ')}: known at least in part from secondary sources)*")
        if not row["facts"]:
            lines += [f"The row of {name} records no framework facts.", ""]
        else:
            lines += ["| Fact | Value |", "|---|---|"]
        for m, (title, _) in enumerate(row["facts"]):
            lines.append(f"| {_cell(title)} | {_g(f'{geo}-fw{n}-{m}')} |")
        lines += ["", f"Source: {{cite:t}}`{row['source']}`{status}; the row "
                  f"`{row['id']}` of the dataset `{fw_name}` ({{doc}}`../kb/frameworks`).", ""]
    items = initiatives(p.frames, geo)
    lines += ["## National microcredential initiatives", ""]
    if not items:
        lines += [f"The register ({{doc}}`../kb/initiatives`) has no initiative for {name}.", ""]
    else:
        lines += ["| Initiative | Period | Called microcredentials | Published counts and amounts | Source |",
                  "|---|---|---|---|---|"]
        for item in items:
            sources.add(item["source"])
            region = f" ({item['region']})" if item["region"] else ""
            label = f"{item['id']}: {item['name']}{region}"
            second = " *(secondhand)*" if "secondhand" in item["status"] else ""
            lines.append(
                f"| {{ref}}`{_cell(_role_text(label))} <initiative-{item['id'].lower()}>` | "
                f"{_g(geo + '-' + item['id'] + '-period')} | {item['called']} | "
                f"{_g(geo + '-' + item['id'] + '-counts')} | {{cite:t}}`{item['source']}`{second} |")
        lines += ["", "```{only} html",
                  "Each initiative links to its row in the register of national initiatives.", "```", ""]
    rows = oecd(p.frames, geo)
    # labelled "-site": the PDF's fiche leaves this section out (mcreport.countrypages)
    lines += [f"(country-{slug(geo)}-site)=", "## OECD adult-learning indicators", ""]
    if not rows:
        lines += [f"The OECD's Priorities for Adult Learning dashboard has no data for {name}.", ""]
    else:
        sources.update(r["source"] for r in rows)
        lines += ["| Indicator | Survey | Value | OECD average | Rank among OECD countries |",
                  "|---|---|--:|--:|--:|"]
        for r in rows:
            k = f"{geo}-oecd{r['indicator']}"
            lines.append(f"| {_cell(r['label'])} | {_cell(r['survey'])} | {_g(k + '-value')} | "
                         f"{_g(k + '-average')} | {_g(k + '-rank')} |")
        lines += ["", f"Source: {{cite:t}}`{rows[0]['source']}` (the dashboard gives one value per"
                  " country, of the latest survey it had; {doc}`../theme3-end-users` discusses them).", ""]
    text, cedefop_sources = cedefop(p.frames, geo)
    sources.update(cedefop_sources)
    cites = "; ".join(f"{{cite:t}}`{s}`" for s in cedefop_sources)
    lines += ["## Cedefop's study", "",
              f"Cedefop's microcredentials study and {name}: {_g(geo + '-cedefop')}"
              + (f" ({cites})." if cites else "."),
              "", "## Data and sources", "",
              "```{only} html",
              f"All rows of the report's datasets about {name}, in one file: "
              f"{{download}}`{slug(geo)}.csv <../figures/countries/{slug(geo)}.csv>` (CSV, UTF-8; "
              "first column: the dataset). The charts and values are computed in the notebook "
              f"{{doc}}`../../analysis/{NOTEBOOK}`.", "```", ""]
    lines += ["Sources used on this page: "
              + "; ".join(f"{{cite:t}}`{s}`" for s in sorted(sources)) + "."]
    return "\n".join(lines) + "\n"


def _vintage_text(ind: Indicator) -> str:
    """Which vintage the values of a spliced series are (as the chapters use it)."""
    return (f"{ind.title}: the {ind.vintage} wherever it has a value, the {ind.older.vintage} "
            f"({ind.older.source}) only for the years and countries the newer one lacks (the "
            "notes say when the latest value is of the older vintage; the chart marks where the "
            "vintage changes)")


def _sources(p: Profiles) -> str:
    return "; ".join(sorted({i.source for i in p.indicators if i.headline}))


def _role_text(text: str) -> str:
    return text.replace("`", "'").replace("<", "(").replace(">", ")")


def _panels(p: Profiles) -> list[str]:
    """Charts of the mapping with at least one indicator (employers: the OECD value if none)."""
    charts = {i.chart for i in p.indicators if i.chart}
    if p.frames.get(OECD["dataset"]) is not None:
        charts.add("employers")
    return [c for c in CHARTS if c in charts]


def _alt_text(p: Profiles, name: str) -> str:
    others = [CHARTS[c].lower() for c in _panels(p) if c != "participation"]
    return (f"Two panels for {name}. First: line chart of adult participation in learning over "
            "time against the EU-27, breaks in series marked with squares. Second: dots of the "
            f"latest value of {', '.join(others)}, each against the EU value of the same year "
            "(or the OECD average for the OECD indicator); rows without data say so.")


def render_index(p: Profiles) -> str:
    lines = [
        "<!-- Written by `python -m mcreport.profiles write` from the data: do not edit. -->",
        "",
        "(countries)=",
        "# Countries",
        "",
        "One page per country: the EU Member States, Iceland, Norway, Switzerland, the United",
        "Kingdom, and every other country that appears in at least three of the report's datasets.",
        "Each profile brings together the country's indicators, its qualifications framework, its",
        "national initiatives, the OECD's adult-learning indicators and the sources, with a",
        "download of all its rows.",
        "",
        "```{only} latex",
        "In print, the profiles are fiches of at most two pages: each leaves out the OECD's",
        "adult-learning indicators and the download of the country's rows, which are on the",
        "country's page of the site. In a fiche's table of key indicators, each value is the latest",
        "the dataset has; the EU value is that of the same year, the rank is among the countries",
        "with a value that year (the highest first), and the change is since the base year named",
        "in the table. Where a dataset has no value, the table says why.",
        "```",
        "",
        "## Compare countries",
        "",
        "```{only} html",
        "Choose an indicator: every country with a value is ranked, with the EU value as a line.",
        "Each point names the value, its year and its flags.",
        "```",
        "",
        ":::{countryexplorer} ../figures/countries/overview.json",
        ":::",
        "",
        "```{figure} ../figures/countries-overview.*",
        ":name: fig-countries-overview",
        ":alt: Two ranked dot charts side by side, one row per country, highest value at the "
        "top: the latest value of each country for the two indicators the caption names, filled "
        "dots for the year of the EU value and hollow dots for earlier years, with the EU value "
        "as a dashed vertical line.",
        "",
        _overview_caption(p),
        "```",
        "",
        "## Headline indicators",
        "",
        "::::{only} latex",
        "The table of every country's latest values is on the site; each fiche of this annex",
        "gives its country's values with their year and flags.",
        "::::",
        "",
        "::::{only} html",
        "The latest value of each indicator (its year and flags are on the country's page).",
        "",
        ":::{container} mc-datatable mc-countries-table",
        "| Country | Code | " + " | ".join(_g(f"ind-{i.key}-title") for i in p.indicators
                                          if i.headline) + " |",
        "|---|---|" + "--:|" * len([i for i in p.indicators if i.headline]),
    ]
    for geo in p.geos:
        cells = [_g(f"{geo}-{i.key}-value") for i in p.indicators if i.headline]
        lines.append(f"| {{doc}}`{countries.name(geo)} <{slug(geo)}>` | {geo} | " + " | ".join(cells) + " |")
    lines += [":::", "::::", "", f"Sources: {_g('sources')}. The values are computed in the notebook "
              f"{{doc}}`../../analysis/{NOTEBOOK}`.", ""]
    return "\n".join(lines)


def _overview_caption(p: Profiles) -> str:
    """Caption of the overview figure: what each panel ranks, and its glued EU value, highest
    and lowest countries."""
    inds = [i for i in p.indicators if i.overview and i.headline]
    sides = ["Left", "Right"] if len(inds) == 2 else [f"Panel {n + 1}" for n in range(len(inds))]
    parts = [f"{side}: {_g(f'ind-{i.key}-title')}, {_g(f'overview-{i.key}-count')} countries; "
             f"EU {_g(f'overview-{i.key}-eu')}; highest {_g(f'overview-{i.key}-high')}, lowest "
             f"{_g(f'overview-{i.key}-low')}" for side, i in zip(sides, inds, strict=True)]
    return ("Every country's latest value, ranked, highest first (dashed line: the EU value; "
            "hollow dots: a year before the EU value's). " + ". ".join(parts) + ". The explorer "
            "of the site's Countries page ranks every headline indicator the same way, and each "
            "country's profile gives all its values.")


def pages(frames: dict) -> dict[str, str]:
    """``{file name in book/countries: text}`` of every page."""
    p = Profiles.of(frames)
    out = {"index.md": render_index(p)}
    for geo in p.geos:
        out[f"{slug(geo)}.md"] = render_profile(p, geo)
    return out


def toc_entries(frames: dict) -> list[str]:
    return [f"book/countries/{slug(g)}" for g in Profiles.of(frames).geos]


# ---------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------


def plot_country(p: Profiles, geo: str, folder: Path | None = None) -> None:
    """One chart per country: participation over time against the EU, and the latest value of
    every other charted indicator against the EU. Two drawings of the same values: for the site
    (``country-<code>.svg``) the panels are stacked, side by side they are too small on a phone;
    for print (``country-<code>.pdf``) they are side by side, at the width of the text, so that
    the chart takes a third of a page and the fiche fits on two."""
    import matplotlib.pyplot as plt

    from . import figures

    name = f"country-{slug(geo)}"
    fig, axes = _grid(2, 1, 6.4, width=COUNTRY_WIDTH)
    (left,), (right,) = axes  # one above the other
    left.set_position([0.14, 0.69, 0.78, 0.23])
    right.set_position([0.50, 0.13, 0.42, 0.46])  # room for the indicators' labels
    source = _draw_country(fig, left, right, p, geo, wrap=40, compact=False)
    _save(fig, name, textwrap.fill(source, SOURCE_WRAP), folder)
    figures.use_style()
    fig, (left, right) = plt.subplots(1, 2, figsize=(PRINT_WIDTH, PRINT_HEIGHT),
                                      layout="constrained", width_ratios=(1.0, 0.75))
    source = _draw_country(fig, left, right, p, geo, wrap=30, compact=True)
    _save(fig, name, textwrap.fill(source, PRINT_SOURCE_WRAP), folder, only="pdf")


def _draw_country(fig, left, right, p: Profiles, geo: str, wrap: int, compact: bool) -> str:
    """Both panels of a country's chart and its title; returns the source line. ``compact``
    (print): the legend under both panels, and the years of the right panel's values on its
    right, so that its labels take one line each."""
    used: set[str] = set()
    against = "Against EU" if compact else "Against the EU, latest year"
    over_time = "Participation" if compact else CHARTS["participation"]  # the caption says more
    for ax, title, draw in ((left, over_time, _participation),
                            (right, against, _against_eu)):
        ax.set_title(title, loc="left")
        drawn = draw(ax, p, geo, compact)
        used.update(drawn)
        if not drawn:
            ax.set_axis_off()
            ax.text(0.0, 0.5, textwrap.fill("No data: " + _why_empty(p, geo, draw is _participation), wrap),
                    fontsize=10, transform=ax.transAxes, va="center")
    if not compact:  # in print, the fiche's heading and the caption name the country
        fig.suptitle(countries.name(geo), x=0.01, ha="left", fontsize=11)
    return _source_text(used)


_KIVET_SOURCE = re.compile(r"Cedefop KIVET (\w+)(, [^(]*)? \(Eurostat ([^)]+)\)")


def _source_text(used: set[str]) -> str:
    """The source line of a country chart: the KIVET indicators grouped by the survey they
    come from ("Cedefop KIVET 1060, 1030 (Eurostat CVTS)"), the other sources as they are."""
    surveys: dict[str, list[str]] = {}
    others = []
    for source in sorted(used):
        m = _KIVET_SOURCE.fullmatch(source)
        if m:
            surveys.setdefault(m.group(3), []).append(m.group(1) + (m.group(2) or ""))
        else:
            others.append(source)
    parts = [f"Cedefop KIVET {', '.join(codes)} (Eurostat {survey})" if n == 0 else
             f"KIVET {', '.join(codes)} (Eurostat {survey})"
             for n, (survey, codes) in enumerate(sorted(surveys.items()))]
    return "; ".join(parts + others) or "the report's datasets"


_POOL_PROFILES: Profiles | None = None


def _plot_one(args: tuple[str, Path | None]) -> str:
    plot_country(_POOL_PROFILES, *args)
    return args[0]


def plot_countries(p: Profiles, folder: Path | None = None) -> list[str]:
    """Every country's chart, drawn by as many processes as the machine has cores (the charts
    are independent and each file is the same whichever process writes it)."""
    import multiprocessing as mp
    import os
    from concurrent.futures import ProcessPoolExecutor

    global _POOL_PROFILES
    workers = min(len(p.geos), len(os.sched_getaffinity(0)))
    if workers < 2:
        for geo in p.geos:
            plot_country(p, geo, folder)
        return list(p.geos)
    _POOL_PROFILES = p
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            return list(pool.map(_plot_one, [(g, folder) for g in p.geos]))
    finally:
        _POOL_PROFILES = None


#: Width of a country chart (inches): the report's figure width, so that its 10 pt text stays
#: legible on a phone and prints at its own size; its source line is wrapped to stay inside it.
COUNTRY_WIDTH = 4.5
SOURCE_WRAP = 64
#: The chart in print (panels side by side): the width of the text of the PDF's page (A4, 2.4 cm
#: margins: 16.2 cm), and a height that leaves the fiche's tables most of its two pages.
PRINT_WIDTH = 6.3
PRINT_HEIGHT = 2.3
PRINT_SOURCE_WRAP = 100


def _grid(nrows: int, ncols: int, height: float, top: float = 0.9, left: float = 0.1,
          width: float | None = None):
    """Axes in the report's style with a fixed layout: three dozen country charts are drawn on
    every build, and a fixed layout is drawn once per file instead of several times."""
    import matplotlib.pyplot as plt

    from . import figures

    figures.use_style()
    fig, axes = plt.subplots(nrows=nrows, ncols=ncols, squeeze=False,
                             figsize=(width or figures.WIDTHS["full"], height))
    fig.subplots_adjust(left=left, right=0.98, top=top, bottom=0.12 / max(1, nrows) + 0.04,
                        wspace=0.6, hspace=0.55)
    return fig, axes


def _save(fig, name: str, source: str, folder: Path | None, only: str = "") -> None:
    """figures.finish, with the PDF's fonts embedded as Type 3 (the same glyphs; embedding the
    TrueType font anew in each of three dozen files took most of the notebook's time).
    ``only="pdf"``: keep only the PDF (the print drawing of a chart whose SVG is another)."""
    import shutil
    import tempfile

    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from . import figures
    from .paths import figures_dir

    with mpl.rc_context({"pdf.fonttype": 3}):
        if not only:
            figures.finish(fig, name, source=source, folder=folder)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                figures.finish(fig, name, source=source, folder=Path(tmp))
                target = folder or figures_dir()
                target.mkdir(parents=True, exist_ok=True)
                shutil.move(Path(tmp) / f"{name}.{only}", target / f"{name}.{only}")
    plt.close(fig)


def _why_empty(p: Profiles, geo: str, participation: bool) -> str:
    inds = [i for i in p.indicators if i.chart == "participation"]
    if not participation:
        inds = [i for i in p.indicators if i.chart and i.chart != "participation"]
    notes = sorted({p.headline(i, geo).note for i in inds} - {""})
    return "\n".join(notes) or "the report's datasets have no value for it"


def _participation(ax, p: Profiles, geo: str, compact: bool = False) -> list[str]:
    from . import figures

    # the first indicator of the chart (in the mapping's order) that has values for the country
    for ind in [i for i in p.indicators if i.chart == "participation"]:
        s = p.series[ind.key]
        own, eu = s[(s.geo == geo) & s.value.notna()], s[(s.geo == EU) & s.value.notna()]
        if own.empty:
            continue
        ax.plot(own.year.astype(int), own.value, color=figures.HIGHLIGHT, marker="o", ms=2.5,
                lw=1.4, label=countries.name(geo))
        if not eu.empty:
            ax.plot(eu.year.astype(int), eu.value, color=figures.GREY, lw=1.2, ls="--",
                    label="EU-27")
        if "vintage" in own and ind.older is not None and own.vintage.nunique() > 1:
            first_new = int(own[own.vintage == ind.vintage].year.min())
            ax.axvline(first_new - 0.5, color="#444444", lw=0.8, ls=":")
            if not compact:  # in print the caption says what the dotted line is
                ax.text(first_new - 0.5, 0.98, f" {ind.vintage}", fontsize=7, color="#444444",
                        va="top", transform=ax.get_xaxis_transform())
        breaks = own[own.flag.str.contains("b")]
        ax.scatter(breaks.year.astype(int), breaks.value, marker="s", s=22, facecolor="white",
                   edgecolor=figures.HIGHLIGHT, zorder=3, label="break in series")
        ax.set_ylabel(f"% of {ind.short}")
        if not compact:  # in print the caption says what the lines and squares are
            ax.legend(loc="best", fontsize=7)
        return [ind.source]
    return []


def _against_eu(ax, p: Profiles, geo: str, compact: bool = False) -> list[str]:
    """One row per indicator: the country's latest value, and the EU's (or OECD average).
    ``compact``: the year of each value on the right of the panel, not in its label."""
    from . import figures

    rows, used = [], []
    for chart in [c for c in _panels(p) if c != "participation"]:
        inds = [i for i in p.indicators if i.chart == chart]
        for ind in inds:
            h = p.headline(ind, geo)
            if h.value is None:
                rows.append((ind.short, None, None, None, "no data"))
                continue
            rows.append((ind.short, h.value, h.eu, "EU", str(h.year)))
            used.append(ind.source)
        if chart == "employers" and not inds:
            table = p.frames[OECD["dataset"]]
            rows_ = table[table.indicator == OECD["employers"]]
            own, avg = rows_[rows_.geo == geo], rows_[rows_.geo == OECD["average"]]
            label = "firms training (OECD)"
            if own.empty:
                rows.append((label, None, None, None, "no data"))
            else:
                rows.append((label, float(own.value.iloc[0]),
                             float(avg.value.iloc[0]) if not avg.empty else None, "OECD", ""))
                used.append(OECD["source"])
    if not used:
        return []
    y = np.arange(len(rows))
    for ref, marker, text in (("EU", "|", "EU-27, same year"), ("OECD", "D", "OECD average")):
        pts = [(r[2], i) for i, r in enumerate(rows) if r[3] == ref and r[2] is not None]
        if pts:
            ax.scatter([v for v, _ in pts], [i for _, i in pts], marker=marker, s=60 if marker == "|" else 16,
                       color=figures.GREY, zorder=2, label=text)
    mine = [(r[1], i) for i, r in enumerate(rows) if r[1] is not None]
    ax.scatter([v for v, _ in mine], [i for _, i in mine], color=figures.HIGHLIGHT, s=22, zorder=3,
               label=countries.name(geo))
    if compact:
        ax.set_yticks(y, [r[0] for r in rows])
        years = ax.twinx()
        years.set_yticks(y, [r[4] for r in rows])
        years.tick_params(axis="y", length=0)
        years.grid(False)
        years.set_ylim(len(rows) - 0.5, -0.5)
    else:
        ax.set_yticks(y, [f"{r[0]}: no data" if r[1] is None else
                          f"{r[0]} ({r[4]})" if r[4] else r[0] for r in rows], fontsize=7)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(left=0)
    ax.set_xlabel("%")
    return used  # no legend: the caption says what the markers are


def overview_panels(data: dict) -> list[dict]:
    """The indicators of the static overview (``overview`` in the mapping), from the explorer's
    data (:meth:`Profiles.overview`)."""
    keys = {i.key for i in INDICATORS if i.overview}
    return [i for i in data["indicators"] if i["key"] in keys]


def overview_texts(data: dict) -> dict[str, str]:
    """Glued texts of the overview's caption: per indicator, the EU value and the highest and
    lowest countries, with their values and years."""
    out = {}
    for ind in overview_panels(data):
        pts, eu = ind["points"], ind["eu"]

        def who(q: dict, unit: str = ind["unit"]) -> str:
            return f"{countries.name(q['geo'])} ({_with_unit(q['value'], unit)}, {q['year']})"

        out[f"overview-{ind['key']}-eu"] = (f"{_with_unit(eu['value'], ind['unit'])} in {eu['year']}"
                                            if eu else "no EU value")
        out[f"overview-{ind['key']}-high"] = who(pts[0]) if pts else NO_DATA
        out[f"overview-{ind['key']}-low"] = who(pts[-1]) if pts else NO_DATA
        out[f"overview-{ind['key']}-count"] = str(len(pts))
    return out


#: Height (inches) of a row of the overview: a country code at 10 pt, one under the other.
OVERVIEW_ROW = 0.17


def plot_overview(p: Profiles, folder: Path | None = None) -> dict:
    """Static equivalent of the Countries page's explorer, for one column (the phone, print):
    the indicators marked ``overview`` in the mapping, each ranked in its own panel, side by
    side, one row per country; the EU value a dashed line; a hollow dot a value of a year before
    the EU value's. Returns the explorer's data (also written as ``countries/overview.json``)."""
    import matplotlib.pyplot as plt

    from . import figures
    from .paths import figures_dir

    data = p.overview()
    inds = overview_panels(data)
    rows = max((len(i["points"]) for i in inds), default=1)
    figures.use_style()
    fig, axes = plt.subplots(1, max(1, len(inds)), squeeze=False, layout="constrained",
                             figsize=(figures.WIDTHS["full"], OVERVIEW_ROW * rows + 1.2))
    for ax, ind in zip(axes[0], inds, strict=False):
        pts = ind["points"]
        y = np.arange(len(pts))
        eu = ind["eu"]
        older = [eu is not None and q["year"] < eu["year"] for q in pts]
        ax.scatter([q["value"] for q, o in zip(pts, older, strict=True) if not o],
                   [i for i, o in zip(y, older, strict=True) if not o],
                   s=18, color=figures.HIGHLIGHT, zorder=3)
        ax.scatter([q["value"] for q, o in zip(pts, older, strict=True) if o],
                   [i for i, o in zip(y, older, strict=True) if o],
                   s=18, facecolor="white", edgecolor=figures.HIGHLIGHT, zorder=3)
        ax.set_yticks(y, [q["geo"] for q in pts])
        ax.set_ylim(rows - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(left=0)
        if eu:
            ax.axvline(eu["value"], color=figures.GREY, ls="--", lw=1)
            ax.text(eu["value"], rows - 1, f" EU {eu['year']}", va="center", color="#444444")
        ax.set_title(ind["short"], loc="left")
        ax.set_xlabel(ind["unit"])
        ax.grid(axis="y", visible=False)
    _save(fig, "countries-overview",
          "; ".join(sorted({i["source"] for i in inds})) + "; latest year of each country", folder)
    folder = (folder or figures_dir()) / "countries"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "overview.json").write_text(json.dumps(data, sort_keys=True, indent=0), encoding="utf-8")
    return data


def write_csvs(p: Profiles, folder: Path | None = None) -> None:
    from .paths import figures_dir

    folder = (folder or figures_dir()) / "countries"
    folder.mkdir(parents=True, exist_ok=True)
    for geo in p.geos:
        country_rows(p.frames, geo).to_csv(folder / f"{slug(geo)}.csv", index=False,
                                           lineterminator="\n")


# ---------------------------------------------------------------------------------------------
# Command line: write or check the pages
# ---------------------------------------------------------------------------------------------


def load_frames() -> dict:
    """The datasets of COUNTRY_COLUMNS and of the mapping, None for those not in the package."""
    from . import data
    from .profile_map import datasets

    names = set(COUNTRY_COLUMNS) | datasets() | {
        OECD["dataset"], OECD["labels"], CEDEFOP["dataset"], "initiative_counts", *FRAMEWORKS}
    available = set(data.resources())
    return {n: data.load(n) if n in available else None for n in sorted(names)}


def main(argv: list[str] | None = None) -> int:
    import argparse

    from .paths import project_root

    parser = argparse.ArgumentParser(prog="python -m mcreport.profiles",
                                     description="Write (or check) book/countries/*.md.")
    parser.add_argument("action", choices=["write", "check"])
    args = parser.parse_args(argv)
    folder = project_root() / "book" / "countries"
    want = pages(load_frames())
    have = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")} if folder.is_dir() else {}
    differ = sorted(n for n in set(want) | set(have) if want.get(n) != have.get(n))
    if args.action == "check":
        for n in differ:
            state = "differs" if n in want and n in have else "missing" if n in want else "not generated"
            print(f"book/countries/{n}: {state}")
        return 1 if differ else 0
    folder.mkdir(parents=True, exist_ok=True)
    for n in differ:
        if n in want:
            (folder / n).write_text(want[n], encoding="utf-8")
        else:
            (folder / n).unlink()
    print(f"book/countries: {len(want)} pages, {len(differ)} written or removed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
