"""Rebuild the tidy datasets in ``data/`` from raw official files or the publisher's API.

    python -m mcreport.prepare --raw ../shared/sources     # from raw files
    python -m mcreport.prepare --online                    # Eurostat datasets from the API

Prints, for every dataset, the rows read, kept and dropped (with the reason), writes the CSV
files, then rewrites ``data/datapackage.json`` (hashes, byte and row counts) and validates it.
The OECD and Google Trends extracts have no API here; ``--online`` keeps their files as they are.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .. import datapackage
from ..paths import data_dir
from . import datasets, elm, eurostat, kivet

VERIFIED_COPY = "verified-copy"
VERIFIED = "verified"

SOURCES = {
    "adult_participation_25_64": ("eurostat-trng_lfse_04", "eurostat_trng_lfse_04"),
    "adult_participation_25_74": ("eurostat-trng_lfse_01", "eurostat_trng_lfse_01"),
    "online_learning_2015_2019": ("eurostat-isoc_ci_ac_i", "eurostat_isoc_ci_ac_i"),
    "oecd_adult_learning": ("oecd-priorities-for-adult-learning", "oecd2019pal"),
    "oecd_adult_learning_indicators": ("oecd-priorities-for-adult-learning", "oecd2019pal"),
    "google_trends_learning": ("google-trends-learning", "googletrends_learning"),
    "elm_vocabularies": ("eu-elm-vocabularies", "ec_elm_vocabularies"),
    "annex1_elm_mapping": ("eu-elm-sample-microcredential", "ec_elm_sample_microcredential"),
    "kivet_indicators": ("cedefop-kivet-2026", "cedefop2026kivet"),
    "kivet_indicator_list": ("cedefop-kivet-2026", "cedefop2026kivet"),
}


def _only_file(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise FileNotFoundError(f"{folder}: expected one {pattern}, found {len(found)}")
    return found[0]


def from_raw(raw: Path) -> dict[str, tuple[pd.DataFrame, datasets.Tally]]:
    out = {}
    folder = raw / SOURCES["adult_participation_25_64"][0]
    print(f"[1/5] reading {folder}", flush=True)
    out["adult_participation_25_64"] = datasets.make_participation(
        eurostat.read_bulk_tsv(_only_file(folder, "*.tsv")), age="Y25-64",
        dataset="adult_participation_25_64", source="eurostat_trng_lfse_04", status=VERIFIED_COPY)
    folder = raw / SOURCES["adult_participation_25_74"][0]
    print(f"[2/5] reading {folder}", flush=True)
    out["adult_participation_25_74"] = datasets.make_participation(
        eurostat.read_sdmx_csv(_only_file(folder, "*.csv")), age="Y25-74",
        dataset="adult_participation_25_74", source="eurostat_trng_lfse_01", status=VERIFIED_COPY)
    folder = raw / SOURCES["online_learning_2015_2019"][0]
    print(f"[3/5] reading {folder}", flush=True)
    out["online_learning_2015_2019"] = datasets.make_online_learning(
        eurostat.read_labelled_csv(_only_file(folder, "*.csv")),
        source="eurostat_isoc_ci_ac_i", status=VERIFIED_COPY)
    folder = raw / SOURCES["oecd_adult_learning"][0]
    print(f"[4/5] reading {folder}", flush=True)
    out["oecd_adult_learning"] = datasets.make_oecd(
        datasets.read_oecd_long(folder), source="oecd2019pal", status=VERIFIED_COPY)
    guide = pd.read_csv(folder / "indicator_guide.tsv", sep="\t", dtype=str, keep_default_na=False)
    out["oecd_adult_learning_indicators"] = datasets.make_oecd_guide(
        guide, source="oecd2019pal", status=VERIFIED_COPY)
    folder = raw / SOURCES["google_trends_learning"][0]
    print(f"[5/5] reading {folder}", flush=True)
    trends = {
        "WORLD": pd.read_csv(folder / "trends_learning_world.csv", dtype={"value": float}),
        "UK": pd.read_csv(folder / "trends_learning_UK.csv", dtype={"value": float}),
    }
    out["google_trends_learning"] = datasets.make_trends(
        trends, source="googletrends_learning", status=VERIFIED_COPY)
    folders = [raw / SOURCES[name][0] for name in ("elm_vocabularies", "annex1_elm_mapping")]
    print(f"[elm] reading {folders[0]} and {folders[1]}", flush=True)
    out.update(elm.from_raw(*folders, source_vocabularies="ec_elm_vocabularies",
                            source_sample="ec_elm_sample_microcredential", status=VERIFIED_COPY,
                            secondhand_status="partly-secondhand"))
    folder = raw / SOURCES["kivet_indicators"][0]
    print(f"[kivet] reading {folder}", flush=True)
    # Licence and copy are known from the republishing repository's provenance record only.
    out.update(kivet.from_raw(folder, source="cedefop2026kivet", status="verified-copy"))
    return out


def from_api() -> dict[str, tuple[pd.DataFrame, datasets.Tally]]:
    out = {}
    print("[1/3] trng_lfse_04 (national rows, 25-64)", flush=True)
    raw = eurostat.fetch("trng_lfse_04", {"freq": ["A"], "unit": ["PC"], "sex": ["T"],
                                           "age": ["Y25-64"]})
    out["adult_participation_25_64"] = datasets.make_participation(
        raw, age="Y25-64", dataset="adult_participation_25_64",
        source="eurostat_trng_lfse_04", status=VERIFIED)
    print("[2/3] trng_lfse_01 (25-74)", flush=True)
    raw = eurostat.fetch("trng_lfse_01", {"freq": ["A"], "unit": ["PC"], "sex": ["T"],
                                           "age": ["Y25-74"]})
    out["adult_participation_25_74"] = datasets.make_participation(
        raw, age="Y25-74", dataset="adult_participation_25_74",
        source="eurostat_trng_lfse_01", status=VERIFIED)
    print("[3/3] isoc_ci_ac_i (learning activities)", flush=True)
    raw = eurostat.fetch("isoc_ci_ac_i", {"unit": ["PC_IND"], "ind_type": ["IND_TOTAL"],
                                          "indic_is": sorted(datasets.ONLINE_LEARNING_CODES)})
    out["online_learning_2015_2019"] = datasets.make_online_learning(
        raw, source="eurostat_isoc_ci_ac_i", status=VERIFIED)
    return out


def write(results: dict[str, tuple[pd.DataFrame, datasets.Tally]], target: Path) -> None:
    for name, (frame, tally) in results.items():
        path = target / datapackage_path(name, target)
        frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        print(tally)
        print(f"    -> {path.relative_to(target.parent)}")


def datapackage_path(name: str, target: Path) -> str:
    for frag in datapackage.fragments(target):
        if frag["name"] == name:
            return frag["path"]
    raise KeyError(f"no fragment data/resources/{name}.yaml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcreport.prepare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--raw", type=Path, help="folder of raw official files (../shared/sources)")
    group.add_argument("--online", action="store_true", help="download Eurostat data from the API")
    parser.add_argument("--data", type=Path, default=None, help="target data folder (default data/)")
    args = parser.parse_args(argv)
    target = args.data or data_dir()
    if args.online:
        write(from_api(), target)
    elif args.raw:
        if not args.raw.is_dir():
            parser.error(f"{args.raw}: no such folder")
        write(from_raw(args.raw), target)
    print("writing data/datapackage.json (hashes, bytes, rows)", flush=True)
    datapackage.write(target)
    problems = datapackage.validate(target)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    print(f"validated {len(datapackage.read(target)['resources'])} resources: "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
