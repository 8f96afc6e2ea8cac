"""Preparation of the European Learning Model datasets, on small fixtures in the original layouts."""

from __future__ import annotations

import json

import pytest

from mcreport.prepare import elm


def _vocabularies(raw_dir):
    return elm.read_vocabularies(raw_dir / "eu-elm-vocabularies" / "elm_loq_controlled_vocabularies.csv")


def _mapping(raw_dir, sample=None, table=None):
    folder = raw_dir / "eu-elm-sample-microcredential"
    sample = sample or elm.read_sample(folder / "Sample-MC-Annex1-unsigned.jsonld")
    if table is None:
        table = elm.read_annex1_table(folder / "annex1_elements_vs_EC_sample_DERIVED.csv")
    return elm.make_annex1_mapping(sample, table, _vocabularies(raw_dir), source="k",
                                   status="verified-copy", secondhand_status="partly-secondhand")


def test_vocabularies_keep_the_used_ones(raw_dir):
    tidy, tally = elm.make_vocabularies(_vocabularies(raw_dir), source="k", status="verified-copy")
    assert tally.raw == 13 and tally.kept == 10
    assert tally.dropped == {
        "NQF framework and level concepts (no hierarchy in the source; not used)": 2,
        "vocabulary not used by the report": 1}
    assert set(tidy.vocabulary) == set(elm.VOCABULARIES)
    assert list(tidy.columns) == ["vocabulary", "code", "label", "uri", "concept_scheme", "source",
                                  "status"]
    eqf = tidy[tidy.vocabulary == "eqf"]
    assert eqf.code.tolist() == ["1", "6"] and eqf.label.tolist() == ["Level 1", "Level 6"]
    assert tidy.set_index("code").loc["6fcec5c5af", "label"] == "European Credit Transfer System"


def test_vocabularies_refuse_a_missing_vocabulary(raw_dir):
    raw = _vocabularies(raw_dir)
    with pytest.raises(ValueError, match="europass-modes"):
        elm.make_vocabularies(raw[raw.vocabulary != "europass-modes"], source="k", status="v")


def test_vocabularies_refuse_other_columns(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("vocabulary,uri,label\neqf,http://data.europa.eu/snb/eqf/1,Level 1\n")
    with pytest.raises(ValueError, match="expected"):
        elm.read_vocabularies(path)


def test_annex1_mapping(raw_dir):
    tidy, tally = _mapping(raw_dir)
    assert tally.raw == tally.kept == 16
    rows = tidy.set_index("element_id")
    assert rows.index.tolist()[:2] == ["I-M01", "I-M02"] and rows.index[-1] == "I-O05"
    assert rows[~rows.in_sample].index.tolist() == ["I-M11", "I-O04", "I-O05"]
    assert rows.loc["I-M07", "sample_value"] == "2 European Credit Transfer System ; PT60H"
    assert rows.loc["I-M07", "vocabularies"] == "credit-points"
    assert rows.loc["I-M08", "vocabularies"] == "eqf ; nqf"
    assert rows.loc["I-M08", "concept_uris"] == ("http://data.europa.eu/snb/eqf/6 ; "
                                                 "http://data.europa.eu/snb/qdr/c_c392e7a2")
    assert rows.loc["I-M08", "elm_classes"] == "Qualification"
    assert rows.loc["I-M03", "vocabularies"] == "authority/country ; authority/atu"
    assert rows.loc["I-M06", "sample_value"] == "Outcome A | Outcome B"
    assert rows.loc["I-M10", "elm_classes"] == "Qualification ; LearningActivitySpecification"
    assert rows.loc["I-M05", "elm_classes"] == "EuropeanDigitalCredential"
    # the assessment type is a local concept, although the EU vocabulary has one with that label
    assert rows.loc["I-M09", "vocabularies"] == "europass-modes"
    assert "http://data.europa.eu/snb/assessment/de4d165a6c" in rows.loc["I-M09", "note"]
    assert "accreditation" in rows.loc["I-M11", "note"]
    assert "it is false here" in rows.loc["I-O04", "note"]
    assert rows.loc["I-O01", "status"] == "verified-copy"
    assert (rows.loc["I-O02":"I-O05", "status"] == "partly-secondhand").all()
    assert rows.loc["I-O03", "number"] == 3 and rows.loc["I-M11", "kind"] == "mandatory"


def test_annex1_mapping_fails_when_an_absent_element_appears(raw_dir):
    folder = raw_dir / "eu-elm-sample-microcredential"
    sample = json.loads((folder / "Sample-MC-Annex1-unsigned.jsonld").read_text())
    sample["credentialSubject"]["hasClaim"]["specifiedBy"]["accreditation"] = {"id": "urn:x"}
    with pytest.raises(ValueError, match="element 11: the sample now has 'accreditation'"):
        _mapping(raw_dir, sample=sample)


def test_annex1_mapping_fails_on_a_missing_property(raw_dir):
    folder = raw_dir / "eu-elm-sample-microcredential"
    sample = json.loads((folder / "Sample-MC-Annex1-unsigned.jsonld").read_text())
    del sample["credentialSubject"]["hasClaim"]["provenBy"]["grade"]
    with pytest.raises(KeyError, match="provenBy.grade"):
        _mapping(raw_dir, sample=sample)


def test_annex1_mapping_checks_the_table(raw_dir):
    folder = raw_dir / "eu-elm-sample-microcredential"
    table = elm.read_annex1_table(folder / "annex1_elements_vs_EC_sample_DERIVED.csv")
    changed = table.copy()
    changed.loc[changed.element_no == 14, "elm_path_as_used_in_EC_sample"] = "NOT PRESENT"
    with pytest.raises(ValueError, match="element 14"):
        _mapping(raw_dir, table=changed)
    changed = table.copy()
    changed.loc[changed.element_no == 5, "elm_path_as_used_in_EC_sample"] = "issuedOn"
    with pytest.raises(ValueError, match="validFrom is not named"):
        _mapping(raw_dir, table=changed)
    with pytest.raises(ValueError, match="expected 1-16"):
        _mapping(raw_dir, table=table[table.element_no != 16])
