"""The bundled data package: valid, in sync, documented; and failures that name the place."""

from __future__ import annotations

import json

import pytest

from mcreport import datapackage
from mcreport.data import load
from mcreport.datapackage import DataPackageError

from .conftest import REPO

DATA = REPO / "data"


def test_bundled_package_validates():
    problems = datapackage.validate(DATA)
    assert problems == [], "\n".join(map(str, problems))


def test_descriptor_in_sync_with_fragments_and_files():
    assert datapackage.out_of_sync(DATA) == [], "run `nox -s data` (python -m mcreport)"


def test_inputs_of_the_book_pass_the_check_the_build_runs_first():
    from mcreport import checks

    problems = checks.problems(REPO)
    assert problems == [], "\n".join(problems)


def test_package_also_valid_for_frictionless_as_a_whole():
    from frictionless import Package, system

    with system.use_context(trusted=True):
        report = Package(str(DATA / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


@pytest.mark.parametrize("resource", json.loads((DATA / "datapackage.json").read_text())[
    "resources"], ids=lambda r: r["name"])
def test_every_resource_is_documented(resource):
    assert resource.get("title") and resource.get("description")
    assert resource.get("licenses"), "licence missing"
    assert resource.get("modifications"), "statement of modifications missing"
    assert resource["hash"].startswith("sha256:")
    sources = resource.get("sources") or []
    assert sources and all(s.get("bibkey") and s.get("publisher") for s in sources)
    schema = resource["schema"]
    assert schema.get("primaryKey"), "primary key missing"
    names = [f["name"] for f in schema["fields"]]
    assert "source" in names and "status" in names, "rows must carry source and status"
    for field in schema["fields"]:
        assert field.get("type"), f"{field['name']}: no type"


def test_mini_package_valid(mini_root):
    assert datapackage.validate(mini_root / "data") == []
    frame = load("mini")
    assert list(frame.columns) == ["geo", "year", "value", "source", "status"]
    assert str(frame.year.dtype) == "Int64" and str(frame.value.dtype) == "float64"


def _corrupt(root, old, new):
    path = root / "data" / "mini.csv"
    path.write_text(path.read_text().replace(old, new, 1))


def _refresh_descriptor(root):
    datapackage.write(root / "data")


@pytest.mark.parametrize(
    ("old", "new", "row", "field", "words"),
    [
        ("17.1", "171.0", 3, "value", "constraint"),
        ("17.1", "n/a", 3, "value", "type"),
        ("EL,2023", "XX,2023", 4, "geo", "constraint"),
        ("AT,2023", "AT,2022", 3, None, "primary key"),
        (",secondhand", ",", 4, "status", "constraint"),
    ],
    ids=["out-of-range", "wrong-type", "unknown-country", "duplicate-key", "missing-status"],
)
def test_bad_cell_names_file_row_field(mini_root, old, new, row, field, words):
    _corrupt(mini_root, old, new)
    _refresh_descriptor(mini_root)  # the hash is right: the schema must catch it
    problems = datapackage.validate(mini_root / "data")
    assert problems, "corruption not detected"
    text = "\n".join(map(str, problems))
    assert "data/mini.csv" in text and f"row {row}" in text
    if field:
        assert f"field '{field}'" in text
    assert words in text.lower()
    with pytest.raises(DataPackageError, match=r"data/mini\.csv, row"):
        load("mini")


def test_changed_file_without_new_descriptor_is_a_hash_mismatch(mini_root):
    _corrupt(mini_root, "15.8", "15.9")
    text = "\n".join(map(str, datapackage.validate(mini_root / "data")))
    assert "data/mini.csv" in text and "hash" in text.lower()


def test_missing_column(mini_root):
    path = mini_root / "data" / "mini.csv"
    lines = [",".join(x.split(",")[:2] + x.split(",")[3:]) for x in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    _refresh_descriptor(mini_root)
    text = "\n".join(map(str, datapackage.validate(mini_root / "data")))
    assert "data/mini.csv" in text and "value" in text


def test_missing_file(mini_root):
    (mini_root / "data" / "mini.csv").unlink()
    with pytest.raises(DataPackageError, match="mini.csv.*missing"):
        datapackage.write(mini_root / "data")
    text = "\n".join(map(str, datapackage.validate(mini_root / "data")))
    assert "data/mini.csv" in text and "missing" in text


def test_fragment_name_must_match_file(mini_root):
    frag = mini_root / "data" / "resources" / "mini.yaml"
    frag.rename(frag.with_name("other.yaml"))
    with pytest.raises(DataPackageError, match="other.yaml.*differs"):
        datapackage.fragments(mini_root / "data")


def test_out_of_sync_detected(mini_root):
    _corrupt(mini_root, "15.8", "15.9")
    assert datapackage.out_of_sync(mini_root / "data") == ["mini"]
