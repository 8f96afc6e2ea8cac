"""Shared fixtures: a tiny project root with its own data package (never ../shared)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from mcreport import datapackage

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"

MINI_FRAGMENT = textwrap.dedent("""\
    name: mini
    title: A tiny test resource
    description: Two countries, two years.
    path: mini.csv
    format: csv
    mediatype: text/csv
    encoding: utf-8
    sources:
      - {title: Test source, publisher: Test, bibkey: testkey}
    licenses:
      - {name: CC0-1.0, title: Public domain}
    modifications: none
    schema:
      primaryKey: [geo, year]
      fields:
        - {name: geo, type: string, constraints: {required: true, enum: "@geo"}}
        - {name: year, type: integer, constraints: {required: true, minimum: 2000, maximum: 2030}}
        - {name: value, type: number, constraints: {required: true, minimum: 0, maximum: 100}}
        - {name: source, type: string, constraints: {required: true, pattern: "[a-z0-9_]+"}}
        - {name: status, type: string, constraints: {required: true, enum: [verified, secondhand]}}
    """)
MINI_CSV = (
    "geo,year,value,source,status\n"
    "AT,2022,15.8,testkey,verified\n"
    "AT,2023,17.1,testkey,verified\n"
    "EL,2023,3.4,testkey,secondhand\n"
)
MINI_BIB = "@misc{testkey,\n  author = {{Tester}},\n  title = {A test},\n  year = {2024}\n}\n"


@pytest.fixture
def mini_root(tmp_path, monkeypatch) -> Path:
    """A project root with _config.yml, references.bib and a one-resource data package."""
    root = tmp_path / "project"
    (root / "data" / "resources").mkdir(parents=True)
    (root / "_config.yml").write_text("title: test\n")
    (root / "references.bib").write_text(MINI_BIB)
    (root / "data" / "package.yaml").write_text("name: test-package\nlicenses: []\n")
    (root / "data" / "resources" / "mini.yaml").write_text(MINI_FRAGMENT)
    (root / "data" / "mini.csv").write_text(MINI_CSV)
    datapackage.write(root / "data")
    monkeypatch.setenv("MCREPORT_ROOT", str(root))
    return root


@pytest.fixture
def raw_dir(tmp_path) -> Path:
    """Small raw files in the publishers' original layouts."""
    target = tmp_path / "raw"
    shutil.copytree(FIXTURES / "raw", target)
    return target
