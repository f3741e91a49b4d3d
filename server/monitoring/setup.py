from __future__ import annotations

from flask import Flask

from server.monitoring.metrics import init_metrics
from server.monitoring.views import bp


def init_monitoring(app: Flask) -> None:
    """Count every request and serve ``/metrics`` and ``/readyz``."""
    init_metrics(app)
    app.register_blueprint(bp)
