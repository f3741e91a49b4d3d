"""Every state-changing route is raced by a scenario of this package or exempt with a reason."""

from __future__ import annotations

import importlib

from server import create_app
from tests.integration.concurrency.harness import COVERED, EXEMPT, STATE_CHANGING


def state_changing_endpoints() -> set[str]:
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SECRET_KEY": "coverage",
            "DATABASE_URL": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if STATE_CHANGING & set(rule.methods or ())
    }


def test_every_state_changing_route_is_covered_or_exempt() -> None:
    endpoints = state_changing_endpoints()
    missing = sorted(endpoints - COVERED.keys() - EXEMPT.keys())
    assert not missing, (
        "state-changing routes without a race scenario: add a scenario to "
        f"tests/integration/concurrency and to COVERED (or a reason to EXEMPT): {missing}"
    )
    assert not COVERED.keys() & EXEMPT.keys(), "an endpoint is both covered and exempt"
    stale = sorted((COVERED.keys() | EXEMPT.keys()) - endpoints)
    assert not stale, f"COVERED/EXEMPT name routes that are gone or not state-changing: {stale}"
    assert all(reason.strip() and "\n" not in reason for reason in EXEMPT.values())


def test_every_covered_scenario_exists() -> None:
    missing = []
    for endpoint, scenario in COVERED.items():
        module_name, _, function = scenario.partition("::")
        try:
            module = importlib.import_module(f"tests.integration.concurrency.{module_name}")
        except ModuleNotFoundError:
            module = None
        if not callable(getattr(module, function, None)):
            missing.append(f"{endpoint} -> {scenario}")
    assert not missing, "COVERED names scenarios that do not exist:\n" + "\n".join(missing)
