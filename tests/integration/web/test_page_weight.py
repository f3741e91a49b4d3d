"""The start page's weight budgets (issue 17), from sizes, never timings: its HTML fits the first
round trip (14 KB compressed) and the portal's own JavaScript it loads stays at 10 KB compressed.
gzip stands for the compression: brotli, which browsers get, only makes it smaller.
bench/run.py weighs everything the page loads, fonts and vendor scripts included."""

from __future__ import annotations

import gzip
import re

from tests.checking_client import CheckingClient

KB = 1024
OWN_SCRIPT = re.compile(
    r'<(?:script|link rel="modulepreload")[^>]*?(?:src|href)="(/static/js/[^"]+)"'
)


def compressed(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def test_the_start_page_stays_within_its_budgets(client: CheckingClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data()
    assert compressed(html) <= 14 * KB
    scripts = OWN_SCRIPT.findall(html.decode())
    assert "/static/js/app.js" in {url.split("?")[0] for url in scripts}
    own = 0
    for url in scripts:
        response = client.get(url)
        assert response.status_code == 200, url
        own += compressed(response.get_data())
        response.close()
    assert own <= 10 * KB, f"{own} bytes of own JavaScript: {scripts}"
