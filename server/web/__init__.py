"""Start page, catalogue, offline page, manifest, service worker, language, health (views.bp)."""
