"""Benchmark the portal against a bare Flask hello-world, and weigh its start page.

Run from anywhere with the project's venv::

    .venv/bin/python bench/run.py [--workers 2] [--threads 1] [--duration 10]

What it does, in one run:

1. runs the migrations (``<venv>/bin/portal db upgrade``) against a throwaway
   SQLite database (or ``--database-url``);
2. starts the portal (``server.wsgi:app``) and ``bench/hello.py`` under gunicorn
   with the same settings, each on a free port on 127.0.0.1;
3. drives each with wrk (``bench/latency.lua`` prints the numbers) and prints
   req/s, p50/p95/p99 latency, errors, and the portal/hello req/s ratio;
4. loads the portal's start page like a browser (``Accept-Encoding: gzip, br``),
   follows the stylesheets, scripts, icons, manifest, preloads, images and the
   fonts the CSS names, and prints their raw, gzip and brotli sizes against the
   budgets (14 KB for the compressed HTML, 100 KB for everything).

Both gunicorns are stopped (whole process groups) whatever happens.
Numbers are for the README's performance section, never for timed tests.
"""

from __future__ import annotations

import argparse
import gzip
import html.parser
import json
import mimetypes
import os
import platform
import pstats
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import brotli
import requests

if str(Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import sampling
from bench.servers import (
    BenchError,
    Server,
    free_port,
    gunicorn_supports,
    log,
    run_migrations,
    start_server,
    stop_server,
    wait_until_up,
)

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
LUA_SCRIPT = BENCH_DIR / "latency.lua"
PROFILING_CONFIG = "bench.gunicorn_profiling"
# The share of one answer's bytes the load test must read per answer on average: the page's
# own answers differ by a few bytes at most (the same nonce and token lengths), while one
# redirect in thirty (a few hundred bytes instead of the page) takes the average below it.
ANSWER_BYTES_KEPT = 0.98
HELLO_APP = "bench.hello:app"
DEFAULT_PORTAL_APP = "server.wsgi:app"

KB = 1024
HTML_BUDGET_KB = 14
TOTAL_BUDGET_KB = 100
# The portal's own scripts (issue 17): the drafts code only where it is needed.
OWN_JS_BUDGET_KB = 10
OWN_SCRIPTS = "/static/js/"
GZIP_LEVEL = 6  # what a typical server (nginx, most middlewares) uses
BROTLI_QUALITY = 11  # what a build step would pre-compress static files with

BROWSER_HEADERS = {
    "User-Agent": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0 Safari/537.36 portal-bench"
    ),
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "Accept-Encoding": "gzip, br",
    "Accept-Language": "de-DE,de;q=0.9,en;q=0.5",
}

# Formats that are compressed already: a server gains nothing by gzipping them.
PRECOMPRESSED_TYPES = {
    "font/woff",
    "font/woff2",
    "application/font-woff",
    "application/font-woff2",
    "application/x-font-woff",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "application/zip",
    "application/gzip",
}
TEXTUAL_TYPES = {
    "application/javascript",
    "application/x-javascript",
    "application/ecmascript",
    "application/json",
    "application/manifest+json",
    "application/xml",
    "application/xhtml+xml",
    "image/svg+xml",
    "image/x-icon",
    "image/vnd.microsoft.icon",
    "font/ttf",
    "font/otf",
    "application/x-font-ttf",
    "application/vnd.ms-fontobject",
}
EXTENSION_TYPES = {
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".webmanifest": "application/manifest+json",
    ".avif": "image/avif",
    ".webp": "image/webp",
    ".js": "application/javascript",
    ".mjs": "application/javascript",
}


# --------------------------------------------------------------------------- wrk


@dataclass
class LoadResult:
    target: str
    url: str
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    status_4xx_5xx: int
    errors_socket: int
    # One answer of the URL as the load test gets it (its status; its bytes with status line
    # and headers), and what the load test read per answer: a redirect (which wrk does not
    # count as an error) among the answers makes the second smaller than the first.
    answer_status: int = 200
    answer_bytes: int = 0
    bytes_per_answer: float = 0.0
    raw: dict[str, float] = field(default_factory=dict)

    @property
    def short_answers(self) -> bool:
        return self.bytes_per_answer < self.answer_bytes * ANSWER_BYTES_KEPT

    @property
    def errors(self) -> int:
        return self.status_4xx_5xx + self.errors_socket

    @property
    def failed(self) -> bool:
        return bool(self.errors) or self.short_answers or not 200 <= self.answer_status < 300


def find_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError(
            "wrk is not installed. Install it with:  apt-get install -y wrk  "
            "(Debian/Ubuntu; as root or with sudo)"
        )
    return wrk


def parse_wrk_output(text: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "BENCH":
            values[parts[1]] = float(parts[2])
    return values


def one_answer(url: str, headers: Sequence[str] = (), timeout: float = 30.0) -> tuple[int, int]:
    """The status and the bytes of one answer to a plain GET of ``url`` as wrk sends it (with
    ``headers``), status line and headers included: what the load test reads per answer."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = "".join(
        [f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n"]
        + [f"{header}\r\n" for header in headers]
        + ["Connection: close\r\n\r\n"]
    )
    received = bytearray()
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout) as peer:
        peer.sendall(request.encode("latin-1"))
        while chunk := peer.recv(65536):
            received += chunk
    status_line = bytes(received).split(b"\r\n", 1)[0].split()
    status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0
    return status, len(received)


def run_wrk(
    wrk: str,
    name: str,
    url: str,
    connections: int,
    duration: int,
    headers: Sequence[str] = (),
) -> LoadResult:
    command = [
        wrk,
        "-t2",
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        *[argument for header in headers for argument in ("-H", header)],
        url,
    ]
    answer_status, answer_bytes = one_answer(url, headers)
    log(f"[{name}] wrk -t2 -c {connections} -d {duration}s --latency -s bench/latency.lua {url}")
    result = subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
    )
    values = parse_wrk_output(result.stdout)
    needed = {"requests_per_s", "p50_ms", "p95_ms", "p99_ms", "status_4xx_5xx", "errors_socket"}
    if result.returncode != 0 or not needed <= values.keys():
        raise BenchError(
            f"wrk against {url} failed (code {result.returncode}):\n{result.stdout}{result.stderr}"
        )
    requests_done = int(values.get("requests", 0))
    return LoadResult(
        target=name,
        url=url,
        requests_per_s=values["requests_per_s"],
        p50_ms=values["p50_ms"],
        p95_ms=values["p95_ms"],
        p99_ms=values["p99_ms"],
        requests=requests_done,
        status_4xx_5xx=int(values["status_4xx_5xx"]),
        errors_socket=int(values["errors_socket"]),
        answer_status=answer_status,
        answer_bytes=answer_bytes,
        bytes_per_answer=values.get("bytes", 0.0) / requests_done if requests_done else 0.0,
        raw=values,
    )


def warm_up(
    wrk: str, url: str, connections: int, seconds: int, headers: Sequence[str] = ()
) -> None:
    """A short untimed run, so both targets are measured with warm workers."""
    if seconds <= 0:
        return
    header_arguments = [argument for header in headers for argument in ("-H", header)]
    subprocess.run(
        [wrk, "-t2", "-c", str(connections), "-d", f"{seconds}s", *header_arguments, url],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=seconds + 60,
        check=False,
    )


# --------------------------------------------------------------------------- page weight


@dataclass
class Resource:
    url: str
    kind: str
    status: int = 0
    content_type: str = ""
    content_encoding: str = "identity"
    sent_bytes: int = 0  # body bytes on the wire (headers not counted)
    raw_bytes: int = 0
    gzip_bytes: int = 0
    brotli_bytes: int = 0
    counted_bytes: int = 0  # what a browser would get from a server that compresses text
    compressible: bool = True
    redirects: list[str] = field(default_factory=list)
    error: str = ""


@dataclass
class PageWeight:
    url: str
    html: Resource
    resources: list[Resource]
    skipped: list[str]

    @property
    def html_compressed_bytes(self) -> int:
        return self.html.counted_bytes

    @property
    def total_counted_bytes(self) -> int:
        return self.html.counted_bytes + sum(r.counted_bytes for r in self.resources)

    @property
    def total_sent_bytes(self) -> int:
        return self.html.sent_bytes + sum(r.sent_bytes for r in self.resources)

    @property
    def own_script_bytes(self) -> int:
        """The portal's own JavaScript (under /static/js/), compressed: vendor code not counted."""
        return sum(
            r.counted_bytes for r in self.resources if urlsplit(r.url).path.startswith(OWN_SCRIPTS)
        )


class PageParser(html.parser.HTMLParser):
    """Collects what a browser loads for a page: (url, kind) in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.inline_css: list[str] = []
        self.base_href: str | None = None
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key.lower(): (value or "") for key, value in attrs}
        if tag == "base" and a.get("href") and self.base_href is None:
            self.base_href = a["href"]
        elif tag == "link":
            self._link(a)
        elif tag == "script" and a.get("src"):
            script_type = a.get("type", "").strip().lower()
            is_js = script_type in {"", "module", "text/javascript", "application/javascript"}
            if is_js and "nomodule" not in a:
                self.found.append((a["src"], "script"))
        elif tag == "img":
            src = a.get("src") or first_srcset_url(a.get("srcset", ""))
            if src:
                lazy = a.get("loading", "").lower() == "lazy"
                self.found.append((src, "img (lazy)" if lazy else "img"))
        elif tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.inline_css.append(data)

    def _link(self, a: dict[str, str]) -> None:
        href = a.get("href", "")
        rels = set(a.get("rel", "").lower().split())
        if not href:
            return
        if "stylesheet" in rels and "alternate" not in rels:
            self.found.append((href, "stylesheet"))
        elif "icon" in rels:
            self.found.append((href, "icon"))
        elif "manifest" in rels:
            self.found.append((href, "manifest"))
        elif "preload" in rels:
            self.found.append((href, f"preload ({a.get('as', '?')})"))
        elif "modulepreload" in rels:
            self.found.append((href, "modulepreload"))


def first_srcset_url(srcset: str) -> str:
    first = srcset.split(",")[0].strip()
    return first.split()[0] if first else ""


CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
CSS_FONT_FACE = re.compile(r"@font-face\s*\{(.*?)\}", re.DOTALL | re.IGNORECASE)
CSS_SRC_DECL = re.compile(r"(?<![-\w])src\s*:([^;}]*)", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
CSS_IMPORT = re.compile(
    r"""@import\s+(?:url\(\s*)?(?:"([^"]*)"|'([^']*)'|([^)'"\s;]+))""", re.IGNORECASE
)


def css_urls(match: re.Match[str]) -> str:
    return next((group for group in match.groups() if group is not None), "").strip()


def css_references(css: str) -> list[tuple[str, str]]:
    """(url, kind) for @imports, the first source of each @font-face src, other url()s.

    Of "src: url(a.woff2) format('woff2'), url(a.woff) format('woff')" a browser
    loads only the first format it supports, so only the first URL is taken.
    """
    css = CSS_COMMENT.sub("", css)
    found: list[tuple[str, str]] = []
    found.extend((css_urls(m), "css @import") for m in CSS_IMPORT.finditer(css))
    imported = {url for url, _ in found}
    font_spans: list[tuple[int, int]] = []
    for face in CSS_FONT_FACE.finditer(css):
        font_spans.append(face.span())
        for decl in CSS_SRC_DECL.finditer(face.group(1)):
            urls = [css_urls(m) for m in CSS_URL.finditer(decl.group(1))]
            urls = [u for u in urls if u]
            if urls:
                found.append((urls[0], "font"))
    for match in CSS_URL.finditer(css):
        url = css_urls(match)
        inside_font_face = any(start <= match.start() < end for start, end in font_spans)
        if url and not inside_font_face and url not in imported:
            found.append((url, "css url()"))
    return found


def origin_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def decode_body(wire: bytes, content_encoding: str) -> bytes:
    body = wire
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in {"identity", ""}:
            continue
        if coding in {"gzip", "x-gzip"}:
            body = gzip.decompress(body)
        elif coding == "br":
            body = brotli.decompress(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        else:
            raise ValueError(f"unsupported Content-Encoding {coding!r}")
    return body


def media_type(content_type: str, url: str) -> str:
    media = content_type.split(";")[0].strip().lower()
    if media and media != "application/octet-stream":
        return media
    suffix = Path(urlsplit(url).path).suffix.lower()
    return EXTENSION_TYPES.get(suffix) or mimetypes.guess_type(urlsplit(url).path)[0] or media


def is_compressible(media: str) -> bool:
    if media in PRECOMPRESSED_TYPES:
        return False
    return media.startswith("text/") or media in TEXTUAL_TYPES or media.endswith(("+json", "+xml"))


def fetch(session: requests.Session, url: str, kind: str, timeout: float) -> tuple[Resource, bytes]:
    resource = Resource(url=url, kind=kind)
    try:
        response = session.get(url, headers=BROWSER_HEADERS, stream=True, timeout=timeout)
        with response:
            wire = response.raw.read(decode_content=False)
            resource.status = response.status_code
            resource.redirects = [f"{r.status_code} {r.url}" for r in response.history]
            resource.url = response.url
            resource.content_type = response.headers.get("Content-Type", "")
            resource.content_encoding = response.headers.get("Content-Encoding", "identity")
        body = decode_body(wire, resource.content_encoding)
    except (requests.RequestException, ValueError, OSError, zlib.error, brotli.error) as exc:
        resource.error = f"{type(exc).__name__}: {exc}"
        return resource, b""
    media = media_type(resource.content_type, url)
    resource.compressible = is_compressible(media)
    resource.sent_bytes = len(wire)
    resource.raw_bytes = len(body)
    resource.gzip_bytes = len(gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))
    resource.brotli_bytes = len(brotli.compress(body, quality=BROTLI_QUALITY))
    if resource.compressible:
        resource.counted_bytes = min(resource.raw_bytes, resource.gzip_bytes, resource.brotli_bytes)
    else:
        resource.counted_bytes = resource.raw_bytes
    if not 200 <= resource.status < 300:
        resource.error = f"HTTP {resource.status}"
    return resource, body


def decode_text(body: bytes, content_type: str) -> str:
    charset = "utf-8"
    match = re.search(r"charset=([\w-]+)", content_type, re.IGNORECASE)
    if match:
        charset = match.group(1)
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def weigh_page(start_url: str, timeout: float = 15.0) -> PageWeight:
    session = requests.Session()
    html_resource, html_body = fetch(session, start_url, "html", timeout)
    if html_resource.error:
        raise BenchError(f"could not load the start page {start_url}: {html_resource.error}")
    page_url = html_resource.url
    parser = PageParser()
    parser.feed(decode_text(html_body, html_resource.content_type))
    parser.close()
    base = urljoin(page_url, parser.base_href) if parser.base_href else page_url

    queue: list[tuple[str, str]] = [(urljoin(base, href), kind) for href, kind in parser.found]
    queue += [(urljoin(base, u), k) for css in parser.inline_css for u, k in css_references(css)]
    seen = {page_url, start_url}
    resources: list[Resource] = []
    skipped: list[str] = []
    while queue:
        url, kind = queue.pop(0)
        url = urlunsplit(urlsplit(url)._replace(fragment=""))
        if url in seen:
            continue
        seen.add(url)
        if url.startswith("data:"):
            continue
        if origin_of(url) != origin_of(page_url):
            skipped.append(f"{kind}: {url} (other origin, not fetched)")
            continue
        resource, body = fetch(session, url, kind, timeout)
        resources.append(resource)
        if body and media_type(resource.content_type, url) == "text/css":
            css = decode_text(body, resource.content_type)
            queue += [(urljoin(resource.url, u), k) for u, k in css_references(css)]
    return PageWeight(url=page_url, html=html_resource, resources=resources, skipped=skipped)


# --------------------------------------------------------------------------- output


def kb(n: int) -> str:
    return f"{n / KB:.1f}"


def display_path(url: str, origin_url: str) -> str:
    if origin_of(url) == origin_of(origin_url):
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return url


def print_load_table(results: list[LoadResult]) -> None:
    print("Load (wrk)")
    header = (
        f"{'target':<8} | {'req/s':>9} | {'p50 ms':>8} | {'p95 ms':>8} | {'p99 ms':>8} "
        f"| {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.target:<8} | {r.requests_per_s:>9.1f} | {r.p50_ms:>8.2f} | {r.p95_ms:>8.2f} "
            f"| {r.p99_ms:>8.2f} | {r.errors:>6}"
        )
    by_name = {r.target: r for r in results}
    for page in ("portal", "case"):
        if page in by_name and "hello" in by_name and by_name["hello"].requests_per_s > 0:
            ratio = by_name[page].requests_per_s / by_name["hello"].requests_per_s
            print(f"{page}/hello req/s ratio: {ratio:.2f} ({ratio * 100:.0f}% of a bare Flask app)")
    for r in results:
        if r.failed:
            print(
                f"WARNING {r.target}: {r.status_4xx_5xx} answers of 400 and up and "
                f"{r.errors_socket} socket errors of {r.requests} requests; "
                f"{r.bytes_per_answer:,.0f} bytes read per answer, one answer of the page "
                f"(HTTP {r.answer_status}) has {r.answer_bytes:,} - its numbers do not measure "
                "the page you meant"
            )


def print_page_weight(page: PageWeight) -> None:
    print()
    print(f"Start page weight: {page.url}")
    rows = [page.html, *page.resources]
    width = max(36, *(len(display_path(r.url, page.url)) for r in rows))
    width = min(width, 60)
    header = (
        f"{'resource':<{width}} {'kind':<16} {'raw KB':>8} {'gzip KB':>8} {'br KB':>8} "
        f"{'counted':>8}  sent by server"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        name = display_path(r.url, page.url)
        if len(name) > width:
            name = "..." + name[-(width - 3) :]
        if r.error and not r.raw_bytes:
            print(f"{name:<{width}} {r.kind:<16} ERROR {r.error}")
            continue
        sent = f"{kb(r.sent_bytes)} KB {r.content_encoding}"
        note = "" if r.compressible else "  (already compressed format: raw counted)"
        err = f"  ERROR {r.error}" if r.error else ""
        print(
            f"{name:<{width}} {r.kind:<16} {kb(r.raw_bytes):>8} {kb(r.gzip_bytes):>8} "
            f"{kb(r.brotli_bytes):>8} {kb(r.counted_bytes):>8}  {sent}{note}{err}"
        )
    for line in page.skipped:
        print(f"skipped {line}")
    if page.html.redirects:
        print(f"note: the start page redirected: {' -> '.join(page.html.redirects)} -> {page.url}")
    html_kb = page.html_compressed_bytes / KB
    total_kb = page.total_counted_bytes / KB
    print()
    print(
        f"start page HTML compressed: {html_kb:.1f} KB (budget {HTML_BUDGET_KB} KB) "
        f"{'OK' if html_kb <= HTML_BUDGET_KB else 'OVER BUDGET'}"
    )
    print(
        f"everything it loads: {total_kb:.1f} KB transferred (budget {TOTAL_BUDGET_KB} KB) "
        f"{'OK' if total_kb <= TOTAL_BUDGET_KB else 'OVER BUDGET'} "
        f"[{len(page.resources) + 1} requests]"
    )
    own_kb = page.own_script_bytes / KB
    print(
        f"the portal's own JavaScript: {own_kb:.1f} KB compressed (budget {OWN_JS_BUDGET_KB} KB) "
        f"{'OK' if own_kb <= OWN_JS_BUDGET_KB else 'OVER BUDGET'}"
    )
    print(
        f"actually sent by the server now: {kb(page.total_sent_bytes)} KB "
        "(bodies only; Content-Encoding per resource above)"
    )


def print_header(results: dict[str, Any]) -> None:
    s = results["settings"]
    m = results["machine"]
    print(
        f"gunicorn --workers {s['workers']} --threads {s['threads']}; "
        f"wrk -t2 -c {s['connections']} -d {s['duration_s']}s; "
        f"{m['cpus']} CPUs shared by wrk and gunicorn; {m['gunicorn']}; "
        f"Python {m['python']}; "
        + ", ".join(f"{name} {version}" for name, version in m["libraries"].items())
    )
    print()


def page_weight_json(page: PageWeight) -> dict[str, Any]:
    return {
        "url": page.url,
        "html_compressed_bytes": page.html_compressed_bytes,
        "html_budget_bytes": HTML_BUDGET_KB * KB,
        "total_counted_bytes": page.total_counted_bytes,
        "total_budget_bytes": TOTAL_BUDGET_KB * KB,
        "total_sent_bytes": page.total_sent_bytes,
        "own_script_bytes": page.own_script_bytes,
        "own_script_budget_bytes": OWN_JS_BUDGET_KB * KB,
        "html": asdict(page.html),
        "resources": [asdict(r) for r in page.resources],
        "skipped": page.skipped,
    }


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Load-test the portal against a bare Flask app and weigh its start page.",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads (default 1)")
    parser.add_argument(
        "--duration", type=int, default=10, help="wrk seconds per target (default 10)"
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--path", default="/", help='portal path to load-test (default "/")')
    parser.add_argument(
        "--database-url",
        help="database for the portal (default: a throwaway SQLite file in a temp dir)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="untimed wrk seconds per target before measuring (default 2; 0 = none)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--case-page",
        action="store_true",
        help="then a personal page: the fine case page of a citizen who opened their letter's "
        "link (session row, case and receivable read), against the same hello",
    )
    parser.add_argument(
        "--page-sample",
        metavar="DIR",
        type=Path,
        help="sample the portal's workers with py-spy while wrk loads the start page (and the "
        "case page), raw stacks to DIR/portal.raw (DIR/case.raw), and print where their time "
        "went (bench/sampling.py; needs ptrace); the sampled runs' numbers are not comparable",
    )
    parser.add_argument(
        "--page-sample-gil",
        action="store_true",
        help="with --page-sample: only the samples holding the interpreter (CPU in Python)",
    )
    parser.add_argument(
        "--page-sample-top",
        type=int,
        default=40,
        help="with --page-sample: frames shown per run (default 40)",
    )
    parser.add_argument(
        "--journeys",
        action="store_true",
        help="then the journey mix on PostgreSQL with Redis (bench/journey_mix.py, options "
        "--journey-*; needs pip install -e '.[bench]')",
    )
    journey_mix().add_arguments(parser, prefix="journey-")
    parser.add_argument(
        "--lighthouse",
        action="store_true",
        help="then Lighthouse (mobile) on the main pages with their own server and data "
        "(bench/lighthouse.py, options --lighthouse-*; reports, never fails on a score)",
    )
    lighthouse().add_arguments(parser, prefix="lighthouse-")
    parser.add_argument(
        "--import-entries",
        type=int,
        default=0,
        metavar="N",
        help="then the statement import of N camt.053 entries (bench/statement_import.py on a "
        "throwaway SQLite database; 100000 for the issue's figure)",
    )
    parser.add_argument(
        "--import-postgres-url",
        metavar="URL",
        help="with --import-entries: the same import again on a throwaway database of this "
        "PostgreSQL server (e.g. postgresql://postgres@127.0.0.1:5432/postgres)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the portal's workers under cProfile (bench/gunicorn_profiling.py) and print "
        "where they spent their time serving this run's load; its rates are not comparable",
    )
    parser.add_argument(
        "--profile-sort",
        choices=("cumulative", "tottime"),
        default="cumulative",
        help="with --profile: order by time including calls (default) or own time",
    )
    parser.add_argument(
        "--profile-top", type=int, default=40, help="with --profile: functions shown (default 40)"
    )
    parser.add_argument(
        "--profile-out",
        type=Path,
        default=Path("bench-profile.prof"),
        help="with --profile: where the merged profile goes, for pstats or snakeviz "
        "(default ./bench-profile.prof)",
    )
    # For testing the bench itself, e.g. --portal-app bench.hello:app while the portal
    # does not start; not shown in --help.
    parser.add_argument("--portal-app", default=DEFAULT_PORTAL_APP, help=argparse.SUPPRESS)
    parser.add_argument("--startup-timeout", type=float, default=20.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workers < 1 or args.threads < 1 or args.duration < 1:
        parser.error("--workers, --threads and --duration must be at least 1")
    if args.connections < 2:
        parser.error("--connections must be at least 2 (wrk runs with -t2)")
    if not args.path.startswith("/"):
        parser.error("--path must start with /")
    return args


def journey_mix() -> Any:
    """``bench/journey_mix.py``, however this file was started."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from bench import journey_mix as module

    return module


def lighthouse() -> Any:
    """``bench/lighthouse.py``, however this file was started."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from bench import lighthouse as module

    return module


def run_lighthouse(args: argparse.Namespace, results: dict[str, Any]) -> bool:
    """Lighthouse on the main pages (its own server and data); False if it could not run.
    Scores below 100 are reported, as the page-weight budgets are, not failed."""
    tool = lighthouse()
    try:
        report = tool.run(tool.options(args, prefix="lighthouse-"))
    except tool.BenchError as exc:
        log(f"error: lighthouse: {exc}")
        results["lighthouse_error"] = str(exc)
        return False
    results["lighthouse"] = report
    if not args.json:
        print()
        tool.print_report(report)
    return not any(page["error"] for page in report["pages"])


def run_journeys(args: argparse.Namespace, results: dict[str, Any]) -> bool:
    """The journey mix after the rest (its own servers and database); False if it failed."""
    mix = journey_mix()
    try:
        report = mix.run(mix.journey_options(args, prefix="journey-"))
    except mix.JourneyError as exc:
        log(f"error: journey mix: {exc}")
        results["journeys_error"] = str(exc)
        return False
    results["journeys"] = report
    if not args.json:
        print()
        mix.print_report(report)
    target = next(s for s in report["measured"]["stages"] if s["name"] == "target")
    return bool(target["portal"]["errors"] == 0)


def run_followers(
    args: argparse.Namespace, results: dict[str, Any], portal: Server, hello: Server
) -> bool:
    """Lighthouse and the journey mix, if asked for; False if one of them failed."""
    if not (args.lighthouse or args.journeys or args.import_entries):
        return True
    # Each starts its own servers: Lighthouse with demo data, the journey mix on PostgreSQL.
    stop_server(portal)
    stop_server(hello)
    ok = True
    if args.lighthouse and not run_lighthouse(args, results):
        ok = False
    if args.journeys and not run_journeys(args, results):
        ok = False
    if args.import_entries and not run_import(args, results):
        ok = False
    return ok


def run_import(args: argparse.Namespace, results: dict[str, Any]) -> bool:
    """``bench/statement_import.py`` in a process of its own (its peak memory is its own), on
    SQLite and, with ``--import-postgres-url``, on PostgreSQL; its lines are printed and kept in
    the results."""
    ok = import_on(args, results, "statement_import", "SQLite", None)
    if args.import_postgres_url:
        with journey_mix().throwaway_database(args.import_postgres_url) as url:
            url = journey_mix().sqlalchemy_url(url)
            ok = import_on(args, results, "statement_import_postgresql", "PostgreSQL", url) and ok
    return ok


def import_on(
    args: argparse.Namespace,
    results: dict[str, Any],
    key: str,
    label: str,
    database_url: str | None,
) -> bool:
    command = [
        sys.executable,
        str(BENCH_DIR / "statement_import.py"),
        "--entries",
        str(args.import_entries),
    ]
    if database_url:
        command += ["--database-url", database_url]
    log(f"[import] {' '.join(command[1:3])} ... on {label}")
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in finished.stdout.splitlines() if line.strip()]
    results[key] = {"lines": lines, "returncode": finished.returncode}
    if not args.json:
        print()
        print(f"Statement import, {label}")
        for line in lines:
            print(line)
    if finished.returncode != 0:
        log(f"error: statement import on {label} failed:\n{finished.stderr[-2000:]}")
    return finished.returncode == 0


def gunicorn_version() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return (result.stdout or result.stderr).strip() or "unknown"


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def profile_dir(portal: Server) -> Path:
    return portal.log_path.parent / "profiles"


def print_profile(args: argparse.Namespace, portal: Server) -> None:
    """The workers' profiles merged, the costliest functions printed, the whole saved."""
    files = sorted(profile_dir(portal).glob("worker-*.prof"))
    if not files:
        log("[profile] no worker wrote a profile (did the portal stop cleanly?)")
        return
    # With --json the standard output is the JSON alone: the table goes to the log's stream.
    out = sys.stderr if args.json else sys.stdout
    stats = pstats.Stats(*(str(file) for file in files), stream=out)
    stats.dump_stats(str(args.profile_out))
    print(file=out)
    print(
        f"Profile of the portal's {len(files)} workers over this run (cProfile; the rates above "
        f"were measured under it and are not comparable), saved to {args.profile_out}:",
        file=out,
    )
    stats.strip_dirs().sort_stats(args.profile_sort).print_stats(args.profile_top)


def initial_results(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "settings": {
            "workers": args.workers,
            "threads": args.threads,
            "duration_s": args.duration,
            "connections": args.connections,
            "wrk_threads": 2,
            "path": args.path,
            "portal_app": args.portal_app,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "gunicorn": gunicorn_version(),
            # The hello's rate, the ratios' denominator, moves with these as much as the portal's.
            "libraries": {name: metadata.version(name) for name in ("Flask", "Werkzeug", "Jinja2")},
        },
    }


def server_env(args: argparse.Namespace, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url or f"sqlite:///{tmp / 'bench.db'}",
        SECRET_KEY=secrets.token_hex(32),
        FLASK_DEBUG="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def start_servers(
    args: argparse.Namespace, portal: Server, hello: Server, env: dict[str, str]
) -> None:
    # gunicorn >= 25 opens a control socket at one fixed path per user; two servers
    # (or a developer's own gunicorn) would fight over it, and the bench needs none.
    extra = ["--no-control-socket"] if gunicorn_supports("--no-control-socket") else []
    # Redirects and absolute links must point at this server, not the default base URL.
    portal_env = {**env, "PORTAL_BASE_URL": portal.base_url}
    portal_extra = list(extra)
    if args.profile:
        portal_env["BENCH_PROFILE_DIR"] = str(profile_dir(portal))
        portal_extra += ["--config", f"python:{PROFILING_CONFIG}"]
    start_server(portal, args.workers, args.threads, portal_env, portal_extra)
    start_server(hello, args.workers, args.threads, env, extra)
    note = wait_until_up(
        portal,
        "/healthz",
        args.startup_timeout,
        accept_404=args.portal_app != DEFAULT_PORTAL_APP,
    )
    log(f"[portal] up: {note}")
    log(f"[hello] up: {wait_until_up(hello, '/', args.startup_timeout, accept_404=False)}")


def measure_load(
    args: argparse.Namespace, wrk: str, portal: Server, hello: Server
) -> list[LoadResult]:
    """The portal's load result, then hello's."""
    targets = [("portal", portal.base_url + args.path), ("hello", hello.base_url + "/")]
    load: list[LoadResult] = []
    for name, url in targets:
        warm_up(wrk, url, args.connections, args.warmup)
        load.append(load_run(args, wrk, name, url, portal if name == "portal" else None))
    for server in (portal, hello):
        if server.process is not None and server.process.poll() is not None:
            raise BenchError(f"{server.name} died during the run:\n{server.log_tail()}")
    return load


def record_load(results: dict[str, Any], load: list[LoadResult]) -> None:
    portal, hello = load
    results["load"] = [{**asdict(r), "errors": r.errors, "failed": r.failed} for r in load]
    if hello.requests_per_s > 0:
        results["ratio_portal_hello_rps"] = round(portal.requests_per_s / hello.requests_per_s, 4)


def measure_case_page(
    args: argparse.Namespace,
    wrk: str,
    portal: Server,
    hello_server: Server,
    env: dict[str, str],
    tmp: Path,
    results: dict[str, Any],
) -> bool:
    """The fine case page as the citizen who opened their letter's link sees it: the demo's
    data seeded as for Lighthouse, the link opened once, then wrk with that session's cookie;
    then hello again, at once, and the ratio to that hello: the machine's speed moves within
    minutes, and the start page's hello was measured before the weighing and the seeding.
    False if the page answered errors."""
    seeded = lighthouse().seed({**env, "PORTAL_BASE_URL": portal.base_url}, tmp)
    citizen = requests.Session()
    opened = citizen.get(portal.base_url + seeded["letter_path"], timeout=30)
    if opened.status_code != 200 or "/bussgeld/" not in opened.url:
        raise BenchError(
            f"the letter's link did not open the case: {opened.status_code} {opened.url}"
        )
    cookie = "Cookie: " + "; ".join(f"{c.name}={c.value}" for c in citizen.cookies)
    warm_up(wrk, opened.url, args.connections, args.warmup, [cookie])
    case = load_run(args, wrk, "case", opened.url, portal, [cookie])
    hello_url = hello_server.base_url + "/"
    warm_up(wrk, hello_url, args.connections, args.warmup)
    hello = run_wrk(wrk, "hello", hello_url, args.connections, args.duration)
    results["case_page"] = {**asdict(case), "errors": case.errors, "failed": case.failed}
    results["case_page_hello"] = {**asdict(hello), "errors": hello.errors, "failed": hello.failed}
    if hello.requests_per_s > 0:
        results["ratio_case_page_hello_rps"] = round(case.requests_per_s / hello.requests_per_s, 4)
    if not args.json:
        print()
        print_load_table([case, hello])
        print_samples(args, "case")
    return not case.failed


def load_run(
    args: argparse.Namespace,
    wrk: str,
    name: str,
    url: str,
    portal: Server | None,
    headers: Sequence[str] = (),
) -> LoadResult:
    """wrk against ``url``; with ``--page-sample DIR`` and the portal given, py-spy samples
    the portal's workers meanwhile, raw stacks to ``DIR/<name>.raw``."""
    if args.page_sample is None or portal is None:
        return run_wrk(wrk, name, url, args.connections, args.duration, headers)
    assert portal.process is not None
    args.page_sample.mkdir(parents=True, exist_ok=True)
    raw = args.page_sample / f"{name}.raw"
    raw.unlink(missing_ok=True)  # a failed py-spy must not leave an earlier run's samples
    try:
        recording = sampling.record(
            portal.process.pid, args.duration, raw, gil=args.page_sample_gil
        )
    except RuntimeError as exc:  # no py-spy in this environment
        raise BenchError(str(exc)) from exc
    try:
        return run_wrk(wrk, name, url, args.connections, args.duration, headers)
    finally:
        _, errors = recording.communicate(timeout=args.duration + 60)
        if recording.returncode != 0:
            log(f"py-spy failed ({recording.returncode}): {errors.decode(errors='replace')[-500:]}")


def page_samples(args: argparse.Namespace, name: str) -> list[sampling.Share]:
    """Where the workers' time went during the load run ``name`` (``--page-sample``)."""
    if args.page_sample is None:
        return []
    raw = args.page_sample / f"{name}.raw"
    if not raw.exists():
        return []
    return sampling.inclusive_shares(raw, top=args.page_sample_top, under=sampling.CONNECTION)


def record_samples(args: argparse.Namespace, results: dict[str, Any]) -> None:
    if args.page_sample is not None:
        runs = ("portal", "case") if args.case_page else ("portal",)
        results["samples"] = {
            name: [asdict(share) for share in page_samples(args, name)] for name in runs
        }


def print_samples(args: argparse.Namespace, name: str) -> None:
    shares = page_samples(args, name)
    if not shares:
        return
    print(
        f"\nWhere the portal's workers spent the {name} run (py-spy; a frame's share of the "
        "samples of handling a connection, gunicorn's reading, writing and closing included, "
        "waiting for the next one not). py-spy ran on the same cores: the numbers above are "
        "not comparable with an unsampled run's."
    )
    for share in shares:
        print(f"{share.percent:5.1f} %  {share.frame}")


def weigh_start_page(portal: Server, results: dict[str, Any], *, show: bool) -> bool:
    """Weigh the portal's start page into ``results``; False if it or a resource failed."""
    log("[portal] weighing the start page /")
    try:
        page = weigh_page(portal.base_url + "/")
    except BenchError as exc:
        log(f"error: {exc}")
        results["page_weight_error"] = str(exc)
        return False
    results["page_weight"] = page_weight_json(page)
    if show:
        print_page_weight(page)
    return not any(r.error for r in page.resources)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        wrk = find_wrk()
    except BenchError as exc:
        log(f"error: {exc}")
        return 2

    results = initial_results(args)
    tmp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    env = server_env(args, tmp)
    results["settings"]["database"] = "given" if args.database_url else "throwaway SQLite"
    portal = Server("portal", args.portal_app, free_port(), tmp / "portal.log")
    hello = Server("hello", HELLO_APP, free_port(), tmp / "hello.log")
    exit_code = 0
    try:
        results["migrations"] = run_migrations(env)
        start_servers(args, portal, hello, env)
        load = measure_load(args, wrk, portal, hello)
        record_load(results, load)
        if any(r.failed for r in load):
            exit_code = 1
        if not args.json:
            print_header(results)
            print_load_table(load)
            print_samples(args, "portal")
        if not weigh_start_page(portal, results, show=not args.json):
            exit_code = 1
        if args.case_page and not measure_case_page(args, wrk, portal, hello, env, tmp, results):
            exit_code = 1
        if not run_followers(args, results, portal, hello):
            exit_code = 1
        if args.json:
            record_samples(args, results)  # printed under each table otherwise
            print(json.dumps(results, indent=2))
    except BenchError as exc:
        log(f"error: {exc}")
        exit_code = 1
        if args.json:
            results["error"] = str(exc)
            print(json.dumps(results, indent=2))
    finally:
        stop_server(portal)
        stop_server(hello)
        if args.profile:
            print_profile(args, portal)
        if exit_code == 0:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"logs and database kept in {tmp}")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
