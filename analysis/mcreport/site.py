"""The built site: what no link checker does, and LinkChecker for the rest.

:func:`check` (before publishing; :func:`problems` in the browser session): nothing loaded from
another origin, no root-relative link, every image with an alt text that is not a file name.
:func:`linkcheck` (``python -m mcreport.site``): the same, then LinkChecker and its
AnchorCheck over the site's files (external links are not fetched).
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

#: The PDF of the report, published next to the HTML (built by the ``pdf`` session).
PDF_NAME = "microcredentials-report.pdf"
ASSET_DIRS = ("_static", "_sources", "_downloads", "_images")
#: Attributes whose URL a browser fetches to show the page; ``<link>`` only with these ``rel``.
LOADED = {"img": "src", "script": "src", "iframe": "src", "embed": "src", "source": "src",
          "video": "src", "audio": "src", "track": "src", "object": "data"}
LINK_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch", "apple-touch-icon"}
_FILE_NAME = re.compile(r"^[\w./-]+\.(png|jpe?g|gif|svg|pdf|webp)$", re.IGNORECASE)


class Page(HTMLParser):
    """The images of an HTML page and the URLs a browser fetches to show it."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[tuple[str, str | None]] = []  # (src, alt)
        self.loaded: list[str] = []
        self.rooted: list[str] = []  # root-relative links break when the site has a sub-path
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        urls = [a.get(LOADED.get(tag, ""), "")]
        if tag == "link" and LINK_RELS & set(a.get("rel", "").lower().split()):
            urls.append(a.get("href", ""))
        urls += [c.split()[0] for c in a.get("srcset", "").split(",") if c.strip()]
        self.loaded += [u.strip() for u in urls if u.strip()]
        self.rooted += [u for u in (a.get("href", ""), a.get("src", "")) if re.match(r"/[^/]", u)]
        if tag == "img":
            self.images.append((a.get("src", ""), dict(attrs).get("alt")))

    handle_startendtag = handle_starttag


def problems(page: Page) -> list[str]:
    """What a page must not have (a root-relative link breaks under a sub-path of a site)."""
    found = [f"{url}: loaded from another origin" for url in page.loaded
             if urlsplit(url).netloc or urlsplit(url).scheme.lower() not in ("", "data", "blob", "about")]
    found += [f"{url}: root-relative link" for url in page.rooted]
    for src, alt in page.images:
        if alt is None or not alt.strip():
            found.append(f"{src}: image without alt text")
        elif _FILE_NAME.match(alt.strip()) or alt.strip() == src.rsplit("/", 1)[-1]:
            found.append(f"{src}: image whose alt text is a file name ({alt.strip()})")
    return found


class Site:
    """A built HTML site on disk."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        if not (self.root / "index.html").is_file():
            raise FileNotFoundError(f"no built site in {self.root} (index.html missing)")

    def pages(self) -> list[str]:
        """Every HTML page (paths relative to the root), assets folders left out."""
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*.html")
                      if p.relative_to(self.root).parts[0] not in ASSET_DIRS)

    def exists(self, target: str) -> bool:
        return (self.root / target).is_file()

    @functools.cache  # noqa: B019 (one Site per built folder)
    def page(self, name: str) -> Page:
        return Page((self.root / name).read_text(encoding="utf-8"))


def check(root: Path | str, since: float = 0.0) -> list[str]:
    """:func:`problems` of every page of the site in ``root`` (written since ``since``, a time),
    each naming its page."""
    site = Site(root)
    names = [n for n in site.pages() if (site.root / n).stat().st_mtime >= since]
    return [f"{name}: {problem}" for name in names for problem in problems(site.page(name))]


def linkcheck(root: Path | str, require_pdf: bool = False) -> int:
    """:func:`check`, then LinkChecker over every page (a copy anyone may read: run by root, it
    reads as ``nobody``); 0 when nothing is wrong."""
    found = check(root)
    print("\n".join(found + [f"site check: {len(found)} problem(s)"]), file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        copy = shutil.copytree(root, Path(tmp, "html"))
        Path(tmp, "linkcheckerrc").write_text("[AnchorCheck]\n")
        ignore = [] if require_pdf else ["--ignore-url", re.escape(PDF_NAME) + "$"]
        print(f"linkcheck: LinkChecker over {root} (copied to {copy})", flush=True)
        pages = [(copy / name).as_uri() for name in Site(copy).pages()]
        checker = Path(sys.executable).with_name("linkchecker")
        done = subprocess.run([str(checker), "-f", str(Path(tmp, "linkcheckerrc")), "--no-status",
                               *ignore, *pages])
    return 1 if found or done.returncode else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcreport.site", description=__doc__.split("\n")[0])
    parser.add_argument("site", nargs="?", default="_build/html")
    parser.add_argument("--require-pdf", action="store_true",
                        help=f"a missing {PDF_NAME} is a broken link (CI builds it before the check)")
    args = parser.parse_args(argv)
    if not (Path(args.site) / "index.html").is_file():
        print(f"no built site in {args.site}; build it first (scripts/nox -s book)", file=sys.stderr)
        return 1
    return linkcheck(args.site, args.require_pdf)


if __name__ == "__main__":
    sys.exit(main())
