"""The built site, read offline: its pages, internal links and anchors, and images' alt text.

One link extraction (:func:`parse_page`) serves two checks:

- ``python -m mcreport.site check _build/html`` (the ``linkcheck`` session) reads every page of
  the built site from disk and checks that every internal link and ``#anchor`` resolves and that
  every image has alt text. External links are listed, never fetched.
- the browser test (``tests/browser``) feeds it the live page of every page as Chromium shows it,
  scripts run, and applies the same checks.

:func:`serve` serves a built site on localhost, compressing text as GitHub Pages does, for the
browser test and for reading the site offline: ``python -m mcreport.site serve _build/html``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import posixpath
import re
import statistics
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: The PDF of the report, published next to the HTML (built by the ``pdf`` session).
PDF_NAME = "microcredentials-report.pdf"
#: Folders of the built site that hold assets, not pages.
ASSET_DIRS = frozenset({"_static", "_sources", "_downloads", "_images"})
#: URL schemes that never reach the network.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
#: Image files: an alt text that is only a file name describes nothing.
_FILENAME_ALT = re.compile(r"^[\w./-]+\.(png|jpe?g|gif|svg|pdf|webp)$", re.IGNORECASE)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Reading a page
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A URL on a page: ``<tag attr="url">``."""

    tag: str
    attr: str
    url: str
    rel: str = ""


@dataclass(frozen=True)
class Image:
    src: str
    alt: str | None


@dataclass
class Page:
    """What the checks need of one page: its anchors, its URLs and its images."""

    ids: set[str] = field(default_factory=set)
    refs: list[Ref] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v for k, v in attrs if v is not None}
        page = self.page
        if "id" in values:
            page.ids.add(values["id"])
        if tag == "a" and "name" in values:
            page.ids.add(values["name"])
        for attr in ("href", "src"):
            if values.get(attr, "").strip():
                page.refs.append(Ref(tag, attr, values[attr].strip(), values.get("rel", "").lower()))
        if values.get("srcset"):
            for candidate in values["srcset"].split(","):
                if candidate.strip():
                    page.refs.append(Ref(tag, "srcset", candidate.split()[0]))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            match = _REFRESH_URL.search(values.get("content", ""))
            if match:
                page.refs.append(Ref(tag, "content", match.group(1).strip()))
        if tag == "img":
            page.images.append(Image(values.get("src", ""), values.get("alt")))

    handle_startendtag = handle_starttag


def parse_page(html: str) -> Page:
    """Anchors (``id``, ``<a name>``), URLs (``href``, ``src``, ``srcset``, meta refresh) and
    images of an HTML page, as written in the file or as serialised from a live page."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page


# ---------------------------------------------------------------------------------------------
# URLs
# ---------------------------------------------------------------------------------------------


def is_external(url: str) -> bool:
    """A URL with a scheme or a host (``https:``, ``mailto:``, ``//host``) leaves the site."""
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def resolve(url: str, page: str) -> tuple[str, str]:
    """The file (a path relative to the site root) and the fragment that a local ``url`` on
    ``page`` points to. A folder means its ``index.html``. Raises ``ValueError`` for an external
    URL, a path above the site root, or a root-relative path (which breaks when the site is
    published under a sub-path, as on GitHub Pages)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        raise ValueError("external URL")
    path = unquote(parts.path)
    if path.startswith("/"):
        raise ValueError("root-relative link; it breaks when the site is served under a sub-path")
    if not path:
        target = page
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        if target == "..":
            raise ValueError("points above the site root")
        if target.startswith("../"):
            raise ValueError("points above the site root")
        if path.endswith("/") or target == ".":
            target = posixpath.normpath(posixpath.join(target, "index.html"))
    return target, unquote(parts.fragment)


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL, lower case."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_third_party(url: str, site_origin: str) -> bool:
    """A request that leaves ``site_origin`` (``data:``, ``blob:`` and ``about:`` never do)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in LOCAL_SCHEMES:
        return False
    return origin(url) != site_origin.rstrip("/").lower()


def loads(ref: Ref) -> bool:
    """The browser fetches the URL when it shows the page (not a link the reader follows)."""
    if urlsplit(ref.url).scheme.lower() in LOCAL_SCHEMES | {"mailto", "tel"}:
        return False
    if ref.tag == "link":
        return bool(set(ref.rel.split()) & {"stylesheet", "icon", "preload", "modulepreload",
                                             "manifest", "prefetch", "apple-touch-icon"})
    return ref.tag != "a" and ref.attr in ("src", "srcset", "href")


def alt_problem(image: Image) -> str | None:
    """Why an image's alt text does not describe it, or None when it does."""
    if image.alt is None:
        return "image without alt text"
    alt = image.alt.strip()
    if not alt:
        return "image with empty alt text"
    if _FILENAME_ALT.match(alt) or alt == posixpath.basename(urlsplit(image.src).path):
        return f"image whose alt text is a file name ({alt})"
    return None


# ---------------------------------------------------------------------------------------------
# Checking a site
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    page: str
    url: str
    message: str

    def __str__(self) -> str:
        return f"{self.page}: {self.url}: {self.message}" if self.url else f"{self.page}: {self.message}"


@dataclass
class Report:
    pages: int = 0
    internal: int = 0
    anchors: int = 0
    external: set[str] = field(default_factory=set)
    images: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: links to files that are built separately (the PDF) and are absent: not counted as broken
    skipped: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{self.pages} pages, {self.internal} internal links ({self.anchors} with an anchor), "
                f"{self.images} images, {len(self.external)} distinct external links (not fetched): "
                f"{len(self.problems)} problem(s)")
        if self.skipped:
            text += f"; {len(self.skipped)} link(s) to {PDF_NAME} skipped (not built)"
        return text


class Site:
    """A built HTML site on disk."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        if not (self.root / "index.html").is_file():
            raise FileNotFoundError(f"no built site in {self.root} (index.html missing)")
        self._pages: dict[str, Page] = {}

    def pages(self) -> list[str]:
        """Every HTML page (paths relative to the root), assets folders left out."""
        found = []
        for path in self.root.rglob("*.html"):
            rel = path.relative_to(self.root)
            if rel.parts[0] not in ASSET_DIRS:
                found.append(rel.as_posix())
        return sorted(found)

    def exists(self, target: str) -> bool:
        return (self.root / target).is_file()

    def page(self, target: str) -> Page:
        if target not in self._pages:
            self._pages[target] = parse_page((self.root / target).read_text(encoding="utf-8"))
        return self._pages[target]


def check(site: Site, pages: Mapping[str, Page] | None = None, *,
          optional: Iterable[str] = (PDF_NAME,), require_optional: bool = False) -> Report:
    """Check internal links, anchors and alt texts of ``pages`` (default: every page read from
    disk). Anchors of a target page are looked up in ``pages`` when it is there (the live page),
    otherwise in the file. A missing file in ``optional`` (the PDF) is skipped unless
    ``require_optional``."""
    if pages is None:
        pages = {name: site.page(name) for name in site.pages()}
    optional = set(optional)
    report = Report(pages=len(pages))
    for name, page in sorted(pages.items()):
        for image in page.images:
            report.images += 1
            problem = alt_problem(image)
            if problem:
                report.problems.append(Problem(name, image.src, problem))
        for ref in page.refs:
            if is_external(ref.url) and loads(ref):
                report.problems.append(Problem(name, ref.url, "loaded from another origin"))
            if is_external(ref.url):
                if urlsplit(ref.url).scheme.lower() in ("http", "https", ""):
                    report.external.add(ref.url)
                continue
            report.internal += 1
            try:
                target, fragment = resolve(ref.url, name)
            except ValueError as exc:
                report.problems.append(Problem(name, ref.url, str(exc)))
                continue
            if not site.exists(target):
                problem = Problem(name, ref.url, f"{target} does not exist")
                if target in optional and not require_optional:
                    report.skipped.append(problem)
                else:
                    report.problems.append(problem)
                continue
            if fragment and target.endswith(".html"):
                report.anchors += 1
                ids = pages[target].ids if target in pages else site.page(target).ids
                if fragment not in ids:
                    report.problems.append(Problem(name, ref.url, f"no anchor #{fragment} in {target}"))
    return report


# ---------------------------------------------------------------------------------------------
# Serving a site on localhost
# ---------------------------------------------------------------------------------------------

#: Types GitHub Pages sends compressed.
COMPRESSED = ("text/", "application/javascript", "application/json", "image/svg+xml",
              "application/x-ipynb+json")
EXTRA_TYPES = {".js": "application/javascript", ".mjs": "application/javascript",
               ".svg": "image/svg+xml", ".ipynb": "application/x-ipynb+json", ".csv": "text/csv",
               ".map": "application/json", ".woff2": "font/woff2", ".md": "text/markdown"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **EXTRA_TYPES}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (signature of the base)
        pass

    def _compressed(self) -> tuple[bytes, str] | None:
        if "gzip" not in self.headers.get("Accept-Encoding", ""):
            return None
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            return None
        ctype = self.guess_type(str(path))
        if not ctype.startswith(COMPRESSED):
            return None
        return _gzip(str(path), path.stat().st_mtime_ns), ctype

    def _send(self, body_wanted: bool) -> None:
        packed = self._compressed()
        if packed is None:
            if body_wanted:
                super().do_GET()
            else:
                super().do_HEAD()
            return
        body, ctype = packed
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        if body_wanted:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(True)

    def do_HEAD(self) -> None:
        self._send(False)


@functools.lru_cache(maxsize=512)
def _gzip(path: str, mtime_ns: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


@contextlib.contextmanager
def serve(root: Path | str, port: int = 0) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port unless ``port``); yields the base URL."""
    handler = functools.partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# ---------------------------------------------------------------------------------------------
# Figures of a browser run
# ---------------------------------------------------------------------------------------------


def spread(values: Iterable[float]) -> tuple[float, float, float]:
    """(minimum, median, maximum) of some per-page measurements."""
    values = list(values)
    if not values:
        return (0.0, 0.0, 0.0)
    return (min(values), statistics.median(values), max(values))


def kilobytes(size: float) -> str:
    return f"{size / 1024:,.0f} kB"


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcreport.site", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check_cmd = sub.add_parser("check", help="offline check of internal links, anchors and alt texts")
    check_cmd.add_argument("site", nargs="?", default="_build/html")
    check_cmd.add_argument("--require-pdf", action="store_true",
                           help=f"a missing {PDF_NAME} is a broken link (CI builds it before the check)")
    serve_cmd = sub.add_parser("serve", help="serve the built site on localhost")
    serve_cmd.add_argument("site", nargs="?", default="_build/html")
    serve_cmd.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    if args.command == "serve":
        with serve(args.site, args.port) as url:
            print(f"serving {args.site} at {url} (Ctrl-C stops)")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
        return 0

    try:
        site = Site(args.site)
    except FileNotFoundError as exc:
        print(f"linkcheck: {exc}; build the site first (scripts/nox -s book)", file=sys.stderr)
        return 1
    report = check(site, require_optional=args.require_pdf)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    for problem in report.skipped:
        print(f"  skipped: {problem}")
    print(f"linkcheck: {report.summary()}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
