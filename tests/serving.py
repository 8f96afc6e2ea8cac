"""The built site on localhost, for the browser session and its tests: :func:`serve` serves it
compressed as GitHub Pages does; :func:`is_third_party` tells a request that leaves it."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL, lower case."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_third_party(url: str, site_origin: str) -> bool:
    """A request that leaves ``site_origin`` (``data:``, ``blob:`` and ``about:`` never do)."""
    return (urlsplit(url).scheme.lower() not in ("data", "blob", "about")
            and origin(url) != site_origin.rstrip("/").lower())


@contextlib.contextmanager
def serve(root: Path | str) -> Iterator[str]:
    """Serve ``root`` on a free port of 127.0.0.1, gzip-compressed as GitHub Pages
    serves it (Starlette's static files and GZip middleware under uvicorn); yields the base URL."""
    import uvicorn
    from starlette.middleware.gzip import GZipMiddleware
    from starlette.staticfiles import StaticFiles

    app = GZipMiddleware(StaticFiles(directory=str(root), html=True), minimum_size=1)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1))
    sock = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
