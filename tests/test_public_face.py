"""The repository's public face: citation metadata, licences, the guide for authors and the
publishing workflow."""

from __future__ import annotations

import re

import pytest
import yaml

from mcreport import site

from .conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"


def test_citation_cff_is_valid():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):  # required by CFF 1.2.0
        assert cff.get(key), f"CITATION.cff needs {key}"
    for author in cff["authors"]:
        assert author.get("name") or author.get("family-names"), author
    assert cff.get("type", "software") in ("software", "dataset")
    assert set(cff["license"]) == {"CC-BY-4.0", "MIT"}
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    assert cff["title"] == config["title"]
    assert cff["repository-code"] == config["repository"]["url"]
    assert cff["url"].startswith("https://")


def test_licences():
    mit = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License") and "Permission is hereby granted" in mit
    content = (REPO / "LICENSE-CONTENT.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in content and "creativecommons.org/licenses/by/4.0" in content
    assert "data/datapackage.json" in content and "licenses" in content


def test_every_dataset_states_its_licence():
    package = yaml.safe_load((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
    missing = [r["name"] for r in package["resources"]
               if not r.get("licenses") or not all(lic.get("name") for lic in r["licenses"])]
    assert not missing, f"datasets without licence terms: {missing}"


def test_contributing_covers_the_authors_tasks():
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for heading in ("Add a chapter", "Add a dataset", "Add a reference", "Run the sessions",
                    "What CI checks"):
        assert re.search(rf"^## {heading}", text, re.MULTILINE), heading
    for session in ("lint", "tests", "book", "pdf", "browser", "linkcheck"):
        assert f"scripts/nox -s {session}" in text, session


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(job: dict) -> list[dict]:
    return job["steps"]


def test_pages_workflow_is_valid_yaml_with_build_and_deploy():
    flow = _workflow()
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` key as True
    assert "push" in triggers and "workflow_dispatch" in triggers
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert set(flow["jobs"]) == {"build", "audit", "deploy", "release"}
    deploy = flow["jobs"]["deploy"]
    assert "build" in deploy["needs"] and "audit" in deploy["needs"]
    assert deploy["environment"]["name"] == "github-pages"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in _steps(deploy))


def test_pages_workflow_runs_ci_then_uploads_the_site():
    """The publishing workflow runs .ci/run itself (every check, tests included) before the
    upload; the deploy job needs it."""
    steps = _steps(_workflow()["jobs"]["build"])
    uses = [s.get("uses", "") for s in steps]
    runs = [s.get("run", "").strip() for s in steps]
    assert uses[0].startswith("actions/checkout@")
    assert ".ci/run" in runs
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    assert uses.index(upload["uses"]) > runs.index(".ci/run")


@pytest.mark.parametrize("command", ["browser", "linkcheck"])
def test_ci_runs_the_site_checks_after_the_pdf(command):
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for line in ci.splitlines() if line.startswith("scripts/nox")]
    pdf = next(i for i, line in enumerate(lines) if line.startswith("scripts/nox -s pdf"))
    check = next(i for i, line in enumerate(lines) if line.startswith(f"scripts/nox -s {command}"))
    assert check > pdf and "--require-pdf" in lines[check]


def test_pdf_name_matches_the_latex_target():
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    target = config["latex"]["latex_documents"]["targetname"]
    assert target.removesuffix(".tex") + ".pdf" == site.PDF_NAME
