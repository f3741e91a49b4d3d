"""WSGI entry point for gunicorn: ``gunicorn --preload 'server.wsgi:app'`` (with ``--preload``
the workers share what the warm start made; without, each makes it as it starts)."""

from server import create_app
from server.frozen_heap import freeze_startup_objects
from server.warm_start import warm_start

app = create_app()
warm_start(app)
freeze_startup_objects()
