"""A static file served compressed is closed when its response is (Flask-Compress streams it
through a generator of its own that would leave the file open until the garbage collector)."""

from __future__ import annotations

import gc
import warnings

from flask import Flask


def test_a_compressed_static_file_leaves_no_file_open(app: Flask) -> None:
    client = app.test_client()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for _ in range(3):
            response = client.get("/static/css/portal.css", headers={"Accept-Encoding": "br, gzip"})
            assert response.headers["Content-Encoding"] in {"br", "gzip"}
            assert len(response.get_data()) > 100
            response.close()
        gc.collect()
    unclosed = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert unclosed == []
