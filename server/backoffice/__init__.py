"""The clerks\x27 back office: entrance, work overview, role-gated queues. Routes: views.bp."""
