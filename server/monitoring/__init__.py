"""Monitoring: ``/metrics`` for Prometheus and ``/readyz`` for load balancers (no views of
personal data; ``/healthz``, the liveness check, stays in ``server.web``)."""
