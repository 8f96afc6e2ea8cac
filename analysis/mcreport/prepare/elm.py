"""The European Learning Model (ELM): EU controlled vocabularies and the Commission's sample.

Two raw inputs, both from the European Commission's European Learning Model repository:

- ``elm_loq_controlled_vocabularies.csv``: one row per concept of the EU controlled vocabularies
  (``vocabulary, concept_scheme, uri, label_en, source_path``), as enumerated in the ELM XML
  schemas. :func:`make_vocabularies` keeps the vocabularies the report uses.
- ``Sample-MC-Annex1-unsigned.jsonld``: the Commission's sample micro-credential (fictional
  content) written to cover Annex I of the 2022 Council Recommendation, with
  ``annex1_elements_vs_EC_sample_DERIVED.csv``, a table of the 16 Annex I elements and the
  properties of the sample that carry them. :func:`make_annex1_mapping` reads every property
  named in :data:`ANNEX1_PROPERTIES` from the sample itself (value, ELM class, vocabulary),
  checks the specification against that table, and checks that the elements the sample lacks
  are really absent from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .tally import Tally

VOCABULARY_COLUMNS = ["vocabulary", "concept_scheme", "uri", "label_en", "source_path"]

#: The vocabularies the report uses (names as in the raw file).
VOCABULARIES = (
    "eqf",
    "credit-points",
    "europass-learning-setting-types",
    "europass-modes",
    "europass-learning-assessment-types",
    "europass-learning-opportunity-types",
    "europass-credential-types",
    "europass-accreditation-types",
)

#: Annex I element number (1-11 mandatory, 12-16 optional, as in the derived table) -> the
#: properties of the sample that carry it, as full paths from the credential's root. Empty when
#: the sample does not carry the element.
ANNEX1_PROPERTIES: dict[int, tuple[str, ...]] = {
    1: ("credentialSubject.givenName", "credentialSubject.familyName",
        "credentialSubject.dateOfBirth"),
    2: ("credentialSubject.hasClaim.title", "credentialSubject.hasClaim.specifiedBy.title"),
    3: ("issuer.location.address.countryCode", "issuer.location.spatialCode"),
    4: ("credentialSubject.hasClaim.awardedBy.awardingBody.legalName",),
    5: ("validFrom",),
    6: ("credentialSubject.hasClaim.specifiedBy.learningOutcome",),
    7: ("credentialSubject.hasClaim.specifiedBy.creditPoint",
        "credentialSubject.hasClaim.specifiedBy.volumeOfLearning"),
    8: ("credentialSubject.hasClaim.specifiedBy.eqfLevel",
        "credentialSubject.hasClaim.specifiedBy.nqfLevel"),
    9: ("credentialSubject.hasClaim.provenBy.specifiedBy.dcType",
        "credentialSubject.hasClaim.provenBy.specifiedBy.mode"),
    10: ("credentialSubject.hasClaim.specifiedBy.mode",
         "credentialSubject.hasClaim.influencedBy.specifiedBy.mode",
         "credentialSubject.hasClaim.specifiedBy.learningSetting"),
    11: (),
    12: ("credentialSubject.hasClaim.specifiedBy.entryRequirement",),
    13: ("credentialSubject.hasClaim.provenBy.idVerification",),
    14: ("credentialSubject.hasClaim.provenBy.grade",),
    15: (),
    16: (),
}

#: Properties whose absence from the sample is stated in a row's note (element -> (key, note)).
#: The preparation fails if the sample carries the key after all.
ABSENT = {
    5: ("awardingDate", "The awarding process gives no awarding date (awardingDate); the date "
                        "of issue is the credential's validFrom."),
    11: ("accreditation", "Not in the sample. The ELM records quality assurance through "
                          "accreditation objects (accreditation), which the sample does not use."),
    16: ("additionalNote", "Not in the sample. The ELM has a property for further notes "
                           "(additionalNote), which the sample does not use."),
}
#: Element 15 (integration or stackability): the sample has only a related yes/no property.
PARTIAL_QUALIFICATION = "credentialSubject.hasClaim.specifiedBy.isPartialQualification"

#: Elements whose identity (name and place in Annex I) rests on secondary sources only.
SECONDHAND_ELEMENTS = (13, 14, 15, 16)
SECONDHAND_NOTE = ("Which Annex I element this is rests on secondary sources; the Annex text in "
                   "the Official Journal was not checked.")

EU_SCHEMES = {
    "http://data.europa.eu/snb/": "",
    "http://publications.europa.eu/resource/authority/": "authority/",
}


def read_vocabularies(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if list(frame.columns) != VOCABULARY_COLUMNS:
        raise ValueError(f"{path}: columns {list(frame.columns)}, expected {VOCABULARY_COLUMNS}")
    return frame.apply(lambda s: s.str.strip())


def make_vocabularies(raw: pd.DataFrame, *, source: str, status: str) -> tuple[pd.DataFrame, Tally]:
    """The concepts of the EU vocabularies the report uses, one row per concept."""
    tally = Tally("elm_vocabularies", raw=len(raw))
    missing = sorted(set(VOCABULARIES) - set(raw["vocabulary"]))
    if missing:
        raise ValueError(f"vocabularies missing from the raw file: {', '.join(missing)}")
    steps = [
        ("NQF framework and level concepts (no hierarchy in the source; not used)",
         raw["vocabulary"] == "nqf"),
        ("vocabulary not used by the report", ~raw["vocabulary"].isin(VOCABULARIES)),
    ]
    keep = tally.apply(steps)
    out = raw.loc[keep, ["vocabulary", "concept_scheme", "uri", "label_en"]].rename(
        columns={"label_en": "label"})
    if (out["label"] == "").any() or out["uri"].duplicated().any():
        raise ValueError("elm vocabularies: empty label or duplicate concept URI")
    out["code"] = out["uri"].str.rsplit("/", n=1).str[-1]
    out = out[["vocabulary", "code", "label", "uri", "concept_scheme"]]
    return tally.finish(out, source=source, status=status, sort=["vocabulary", "uri"])


def read_sample(path: Path) -> dict:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def read_annex1_table(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame.columns = [c.split(" (")[0] for c in frame.columns]
    frame["element_no"] = frame["element_no"].astype(int)
    return frame


def _resolve(doc: dict, path: str):
    node = doc
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise KeyError(f"the sample has no property {path} (missing {key!r})")
        node = node[key]
    return node


def _class_of(doc: dict, path: str) -> str:
    parent = _resolve(doc, path.rpartition(".")[0]) if "." in path else doc
    kind = parent.get("type", "")
    return kind[-1] if isinstance(kind, list) else kind


def _keys(node) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(_keys(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_keys(v) for v in node))
    return set()


def _text(node) -> str:
    if isinstance(node, dict):
        for key in ("prefLabel", "noteLiteral", "title"):
            if key in node:
                return _text(node[key])
        if "en" in node:
            return node["en"]
        if node.get("type") == "CreditPoint":
            return f"{node['point']} {_text(node['framework'])}"
        raise ValueError(f"cannot render {node.get('type', node)!r} as text")
    if isinstance(node, list):
        return " | ".join(_text(item) for item in node)
    return str(node)


def _concepts(node) -> list[dict]:
    """The concepts (EU vocabulary entries or local ones) a property's value refers to."""
    if isinstance(node, list):
        return [c for item in node for c in _concepts(item)]
    if not isinstance(node, dict):
        return []
    if node.get("type") == "Concept":
        return [node]
    if node.get("type") == "CreditPoint":
        return _concepts(node["framework"])
    return []


def _vocabulary(scheme: str, schemes: dict[str, str]) -> str:
    """Name of the EU vocabulary of a concept scheme; "" for a scheme defined in the credential."""
    if scheme in schemes:
        return schemes[scheme]
    for prefix, label in EU_SCHEMES.items():
        if scheme.startswith(prefix):
            return label + scheme.removeprefix(prefix).split("/")[0]
    return ""


def make_annex1_mapping(
    sample: dict, table: pd.DataFrame, vocabularies: pd.DataFrame, *, source: str, status: str,
    secondhand_status: str,
) -> tuple[pd.DataFrame, Tally]:
    """One row per Annex I element: where (and whether) the Commission's sample carries it."""
    tally = Tally("annex1_elm_mapping", raw=len(table))
    if sorted(table["element_no"]) != sorted(ANNEX1_PROPERTIES):
        raise ValueError(f"Annex I table: elements {sorted(table['element_no'])}, expected 1-16")
    schemes = dict(zip(vocabularies["concept_scheme"], vocabularies["vocabulary"], strict=False))
    labels = {(label.casefold()): (vocab, uri) for vocab, uri, label in
              vocabularies[["vocabulary", "uri", "label_en"]].itertuples(index=False)}
    known_uris = set(vocabularies["uri"])
    present_keys = _keys(sample)
    rows = []
    for spec in table.sort_values("element_no").itertuples(index=False):
        number = spec.element_no
        kind = "mandatory" if number <= 11 else "optional"
        if spec.status != kind:
            raise ValueError(f"Annex I table: element {number} is {spec.status!r}, expected {kind}")
        paths = ANNEX1_PROPERTIES[number]
        says_absent = "NOT PRESENT" in spec.elm_path_as_used_in_EC_sample
        if says_absent == bool(paths):
            raise ValueError(f"element {number}: the table and ANNEX1_PROPERTIES disagree on "
                             f"whether the sample carries it")
        for path in paths:
            if path.rsplit(".", 1)[-1] not in spec.elm_path_as_used_in_EC_sample:
                raise ValueError(f"element {number}: {path} is not named in the table")
        notes = []
        vocabs = []
        uris = []
        for path in paths:
            for concept in _concepts(_resolve(sample, path)):
                uris.append(concept["id"])
                scheme = concept.get("inScheme", {}).get("id", "")
                vocab = _vocabulary(scheme, schemes)
                if vocab:
                    vocabs.append(vocab)
                    if scheme in schemes and concept["id"] not in known_uris:
                        notes.append(f"{concept['id']} is not a concept of {vocab}.")
                    continue
                twin = labels.get(_text(concept).casefold())
                notes.append(f"The value of {path.rsplit('.', 1)[-1]} is a concept defined inside "
                             f"the sample ({concept['id']})"
                             + (f", not the concept with the same label in {twin[0]} ({twin[1]})."
                                if twin else ", not one of an EU vocabulary."))
        if number in ABSENT:
            key, note = ABSENT[number]
            if key in present_keys:
                raise ValueError(f"element {number}: the sample now has {key!r}; revise the mapping")
            notes.append(note)
        if number == 15:
            value = _resolve(sample, PARTIAL_QUALIFICATION)
            notes.append("Not in the sample. The nearest property, isPartialQualification, says "
                         "whether the qualification is a partial qualification; it is "
                         f"{str(value).lower()} here.")
        row_status = status
        if number in SECONDHAND_ELEMENTS:
            notes.append(SECONDHAND_NOTE)
            row_status = secondhand_status
        rows.append({
            "element_id": f"I-M{number:02d}" if kind == "mandatory" else f"I-O{number - 11:02d}",
            "kind": kind,
            "number": number if kind == "mandatory" else number - 11,
            "in_sample": bool(paths),
            "elm_properties": " ; ".join(paths),
            "elm_classes": " ; ".join(dict.fromkeys(_class_of(sample, p) for p in paths)),
            "vocabularies": " ; ".join(dict.fromkeys(vocabs)),
            "concept_uris": " ; ".join(uris),
            "sample_value": " ; ".join(_text(_resolve(sample, p)) for p in paths),
            "note": " ".join(notes),
            "source": source,
            "status": row_status,
        })
    out = pd.DataFrame(rows)
    tally.kept = len(out)
    tally.check()
    return out, tally


def from_raw(vocab_folder: Path, sample_folder: Path, *, source_vocabularies: str,
             source_sample: str, status: str, secondhand_status: str):
    """Both ELM datasets from the two raw folders."""
    raw = read_vocabularies(vocab_folder / "elm_loq_controlled_vocabularies.csv")
    vocabularies = make_vocabularies(raw, source=source_vocabularies, status=status)
    mapping = make_annex1_mapping(
        read_sample(sample_folder / "Sample-MC-Annex1-unsigned.jsonld"),
        read_annex1_table(sample_folder / "annex1_elements_vs_EC_sample_DERIVED.csv"),
        raw, source=source_sample, status=status, secondhand_status=secondhand_status)
    return {"elm_vocabularies": vocabularies, "annex1_elm_mapping": mapping}
