"""Sessions of the report. Run them with ``scripts/nox -s NAME`` (sets up nox itself).

- ``tests``: unit tests of the analysis package, data-package validation, references, and nbval
  (every notebook re-executed and compared with its stored outputs).
- ``book``: clean HTML build, executing every notebook, warnings as errors -> ``_build/html``
  (published only when the build succeeds; ``-- --incremental`` rebuilds only what changed).
- ``watch``: the author's loop: rebuilds what a change affects, the browser reloads.
- ``bench``: times clean and incremental builds, nbval and the PDF on a copy of the book.
- ``pdf``: the PDF through LaTeX -> ``_build/pdf/microcredentials-report.pdf``, and next to the
  HTML (``_build/html/``) when the site is built, where the site links to it; prints its pages,
  metadata and the overfull lines of the LaTeX log (fails on any wider than 5 pt), and the pages
  of each country fiche (fails on a fiche of more than two pages).
- ``release``: the edition of ``CITATION.cff``: site, PDF, the page *Changes in this edition*
  (against the previous edition's values in ``editions/``) and the release files in
  ``_build/release/``.
- ``audit``: known vulnerabilities of the pinned packages (``pip-audit`` on the lock file).
- ``browser``: the built site in headless Chromium (Debian package): every page loads with no
  console error and no request to another origin; alt texts, search, figures on
  a narrow screen and in dark mode, figure text size, axe-core in light and dark mode, page
  weights; prints them with Lighthouse's mobile figures (axe-core and Lighthouse: ``npm ci`` in
  ``tests/browser``).
- ``linkcheck``: the built HTML offline: LinkChecker (AnchorCheck) over every internal link and
  anchor; nothing loaded from another origin; alt texts.
- ``lint``: ruff over the package, tests, notebooks and this file.
- ``data``: rebuild ``data/`` from raw official files (default ``--raw ../shared/sources``) or
  from the Eurostat API (``scripts/nox -s data -- --online``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests", "book"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"
ROOT = Path(__file__).parent
LOCK = "requirements/book.lock"
APT = [line.strip() for line in (ROOT / "requirements/apt.txt").read_text().splitlines()
       if line.strip() and not line.startswith("#")]
TEX_PACKAGES = [p for p in APT if p.startswith(("texlive", "latexmk"))]
BUILD_FLAGS = ["-n", "-W", "--keep-going"]
NBVAL_TIMEOUT = ["--nbval-cell-timeout", "600"]  # seconds per cell: a loop fails, never hangs


def install(session: nox.Session) -> None:
    """The locked environment plus the analysis package (editable, no dependencies)."""
    session.install("-r", LOCK)
    session.install("--no-deps", "-e", ".")


def notebooks() -> list[str]:
    return sorted(str(p) for p in (ROOT / "analysis").glob("*.ipynb"))


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Unit, data and reference tests, and nbval on every analysis notebook."""
    install(session)
    session.run(
        "pytest", "tests", *notebooks(), "--nbval", "--nbval-sanitize-with",
        "tests/nbval_sanitize.cfg", *NBVAL_TIMEOUT, "-p", "no:cacheprovider", *session.posargs,
    )


@nox.session(python=PYTHON)
def book(session: nox.Session) -> None:
    """Clean HTML build (every notebook executed in place first), published to ``_build/html``
    only when it succeeds. ``-- --incremental``: only what changed."""
    install(session)
    args = [a for a in session.posargs if a != "--incremental"]  # the driver's default
    session.run("python", "-m", "mcreport.build", *(args if "--incremental" in session.posargs
                                                    else ["--all", *args]))
    session.log(f"HTML: {ROOT / '_build' / 'html' / 'index.html'}")


@nox.session(python=PYTHON)
def watch(session: nox.Session) -> None:
    """Author's loop: on every change, the out-of-date notebooks run, the affected pages are
    rebuilt and the browser reloads (http://127.0.0.1:8000/)."""
    install(session)
    session.run("jupyter-book", "config", "sphinx", ".")  # conf.py for sphinx-autobuild
    session.run("sphinx-autobuild", ".", "_build/watch", "-n", "--keep-going",
                "--pre-build", "python -m mcreport.notebooks",
                "--ignore", "*/_build/*", "--ignore", "*/.nox/*", "--ignore", "*/book/figures/*",
                *session.posargs, env={"MCREPORT_ROOT": str(ROOT)})


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Times the author's loop on a temporary copy of the book -> ``_build/bench.json``, ``.md``."""
    install(session)
    session.run("python", "-m", "mcreport.bench", *session.posargs)


PDF_NAME = "microcredentials-report.pdf"
#: Overfull lines wider than this (points) in the LaTeX log fail the ``pdf`` session.
OVERFULL_PT = 5.0
PIP_AUDIT = "pip-audit==2.10.1"


def build_pdf(session: nox.Session, *args: str) -> Path:
    """The PDF through LaTeX -> ``_build/pdf/``; its pages, metadata and overfull lines printed."""
    missing = [tool for tool in ("latexmk", "xelatex") if shutil.which(tool) is None]
    if missing:
        session.error(
            f"TeX Live is missing ({', '.join(missing)} not found). Install it with:\n"
            f"  sudo apt-get install -y {' '.join(TEX_PACKAGES)}"
        )
    session.run("jupyter-book", "build", ".", "--builder", "pdflatex", *BUILD_FLAGS, *args)
    built = ROOT / "_build" / "latex" / PDF_NAME
    target = ROOT / "_build" / "pdf" / built.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(built, target)
    session.log(f"PDF: {target}")
    site = ROOT / "_build" / "html"
    if (site / "index.html").is_file():  # published next to the HTML, which links to it
        shutil.copy2(built, site / built.name)
        session.log(f"PDF: {site / built.name}")
    session.run("python", "-m", "mcreport.editions", "pdf-report", str(target),
                "--log", str(built.with_suffix(".log")), "--max-overfull", str(OVERFULL_PT))
    # pages per country fiche, read from the table of contents; fails on a fiche over two pages
    session.run("python", "-m", "mcreport.countrypages", str(built.with_suffix(".toc")))
    return target


@nox.session(python=PYTHON)
def pdf(session: nox.Session) -> None:
    """The report as a PDF, through LaTeX; prints pages, metadata and overfull lines."""
    install(session)
    build_pdf(session, *session.posargs)


@nox.session(python=PYTHON)
def release(session: nox.Session) -> None:
    """The edition of ``CITATION.cff`` (version, date) with its release files in ``_build/release/``:
    the PDF, the site and the data package as zip files, the values of the edition and what
    changed since the previous edition (``editions/<version>.json``, the latest older one).

    The values of the edition are written to ``editions/<version>.json`` (commit it with the
    release: the next edition is compared with it)."""
    install(session)
    out = ROOT / "_build" / "release"
    session.run("python", "-m", "mcreport.editions", "prepare", "--out", str(out))
    session.run("python", "-m", "mcreport.build", "--all")
    build_pdf(session)
    session.run("python", "-m", "mcreport.editions", "assets", "--out", str(out),
                "--site", str(ROOT / "_build" / "html"), "--pdf", str(ROOT / "_build" / "pdf" / PDF_NAME))


@nox.session(python=PYTHON)
def audit(session: nox.Session) -> None:
    """Known vulnerabilities of every package pinned in the lock file (``pip-audit``, which asks
    the PyPI vulnerability service; fails when the service cannot be reached)."""
    session.install(PIP_AUDIT)
    probe = "https://pypi.org/pypi/pip/24.0/json"  # the per-release JSON that pip-audit reads
    reply = session.run(
        "python", "-c",
        "import sys, urllib.request\n"
        f"try: urllib.request.urlopen({probe!r}, timeout=20)\n"
        "except Exception as exc: print(exc); sys.exit(3)",
        silent=True, success_codes=[0, 3])
    if reply and reply.strip():
        session.error(
            f"The PyPI vulnerability service cannot be reached ({probe}: {reply.strip()}); the lock "
            "file was NOT audited. Run this session where pypi.org's JSON API is reachable (CI does)."
        )
    session.run("pip-audit", "--requirement", LOCK, "--require-hashes", "--disable-pip", "--strict",
                "--vulnerability-service", "pypi", "--progress-spinner", "off", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff over the package, the tests, the notebooks and this file."""
    install(session)
    session.run("ruff", "check", "analysis", "tests", "noxfile.py", *session.posargs)


@nox.session(python=PYTHON)
def data(session: nox.Session) -> None:
    """Rebuild the datasets in data/ from raw files or the Eurostat API, then revalidate."""
    install(session)
    args = session.posargs or ["--raw", "../shared/sources"]
    session.run("python", "-m", "mcreport.prepare", *args)


@nox.session(python=PYTHON)
def browser(session: nox.Session) -> None:
    """Every page of the built site in headless Chromium (run ``book``, and ``pdf``, first)."""
    site = ROOT / "_build" / "html"
    if not (site / "index.html").is_file():
        session.error("No built site in _build/html: run `scripts/nox -s book` first.")
    chromium = shutil.which("chromium")
    if chromium is None:
        session.error("Chromium is missing. Install it with:\n  sudo apt-get install -y chromium")
    if shutil.which("npm") is None:
        session.error("npm is missing. Install Node.js with npm (Debian: sudo apt-get install -y nodejs npm)")
    install(session)
    # axe-core and Lighthouse, exactly as locked in tests/browser/package-lock.json
    session.run("npm", "ci", "--prefix", "tests/browser", "--no-audit", "--no-fund",
                "--ignore-scripts", "--loglevel=error", external=True)
    session.run("pytest", "tests/browser", "-p", "no:cacheprovider", *session.posargs,
                env={"MCREPORT_SITE": str(site), "MCREPORT_CHROMIUM": chromium})


@nox.session(python=PYTHON)
def linkcheck(session: nox.Session) -> None:
    """Offline check of the built HTML: nothing loaded from another origin, alt texts, then
    LinkChecker with AnchorCheck over every page (internal links and anchors; external links are
    not fetched). ``-- --require-pdf`` also fails when the PDF is not next to the HTML."""
    install(session)
    session.run("python", "-m", "mcreport.site", str(ROOT / "_build" / "html"), *session.posargs)
