"""Imports only go down the layers (docs: /work/shared/ARCHITECTURE.md, "Directions").

Every module under server/ is parsed (not imported) and its ``server.*`` imports are checked
against the short tables below. A new import that crosses a layer fails here: either take
another way (a registry, a published function) or add a row with its reason.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SERVER = ROOT / "server"

# Outside the form engine, only these may import it, and only these of its modules.
ENGINE_USERS: dict[str, tuple[set[str], str]] = {
    "server": ({"server.forms.setup"}, "the app factory calls init_forms"),
    "server.certificates": (
        {"server.forms.engine", "server.forms.models", "server.forms.registry"},
        "the certificate order is a service on the engine: its definition is built of the "
        "engine's types, its hooks get the submission, init_certificates registers it",
    ),
    "server.briefwahl": (
        {"server.forms.common_fields", "server.forms.engine", "server.forms.registry"},
        "the postal vote application is a service on the engine: its definition is built of "
        "the engine's types, init_briefwahl registers it",
    ),
    "server.meldebescheinigung": (
        {
            "server.forms.common_fields",
            "server.forms.access",
            "server.forms.engine",
            "server.forms.models",
            "server.forms.payment",
            "server.forms.registry",
            "server.forms.submissions",
        },
        "the certificate of registration is a service on the engine: its definition and hooks "
        "are built of the engine's types, a wrong status is the engine's StatusError, and its "
        "PDF is shown to whoever may see the submission (forms.access)",
    ),
    "server.parkausweis": (
        {
            "server.forms.common_fields",
            "server.forms.access",
            "server.forms.engine",
            "server.forms.models",
            "server.forms.payment",
            "server.forms.registry",
            "server.forms.submissions",
        },
        "the resident parking permit is a service on the engine: its definition, assessment "
        "and hooks are built of the engine's types, a refusal refunds through the engine's "
        "payment step, and its PDF is shown to whoever may see the submission",
    ),
    "server.hundesteuer": (
        {
            "server.forms.common_fields",
            "server.forms.engine",
            "server.forms.models",
            "server.forms.registry",
            "server.forms.submissions",
        },
        "the dog tax registration and deregistration are services on the engine: their "
        "definitions, assessments and hooks are built of the engine's types, a deregistration "
        "that cannot be confirmed is the engine's StatusError, init_hundesteuer registers them",
    ),
    "server.sperrmuell": (
        {
            "server.forms.common_fields",
            "server.forms.engine",
            "server.forms.models",
            "server.forms.payment",
            "server.forms.registry",
            "server.forms.submissions",
        },
        "the bulky waste pickup is a service on the engine: its definition, assessment and "
        "hooks are built of the engine's types, holding a pickup day refuses a submission "
        "with the engine's Refusal, a cancellation or refusal refunds through its payment "
        "step, and its job cancels unpaid orders through the engine's withdrawal",
    ),
    "server.maengel": (
        {"server.forms.engine", "server.forms.models", "server.forms.registry"},
        "the Mängelmelder is a service on the engine: its definition is built of the engine's "
        "types, its public list reads the submissions' public parts, init_maengel registers it",
    ),
    "server.retention": (
        {"server.forms.models", "server.forms.registry"},
        "the retention job deletes submissions in a final status of their service (as the "
        "registered definition says) with their files, after their period",
    ),
    "server.web.catalogue": (
        {"server.forms.engine", "server.forms.registry"},
        "the catalogue shows the tiles of the services registered with the engine",
    ),
    "server.fines": (
        {
            "server.forms.drafts",
            "server.forms.engine",
            "server.forms.receipt",
            "server.forms.validation",
        },
        "the hearing's steps are an (unregistered) definition of the engine: its questions, "
        "validation, drafts between steps and check-your-answers rows; the statement stays "
        "the fines area's",
    ),
}

# The engine never imports a service: of the areas it serves it may use only these modules.
ENGINE_MAY_USE: dict[str, str] = {
    "server.payments.access": "lets the citizen see the receivable of their application",
    "server.payments.closing": "a refused application's fee goes back (refund_in_full)",
    "server.payments.events": "registers the settlement handler and the link back to the form",
    "server.payments.journal": "reads a receivable's balance (type)",
    "server.payments.models": "the receivable an application's fee becomes (type)",
    "server.payments.online": "starts the online payment of the fee",
    "server.payments.proof": "shows the refunds of an application's fee",
    "server.payments.proof_mail": "registers the recipient of the proof of payment",
    "server.payments.providers.base": "the platform's error, shown as 'try again later'",
    "server.payments.receivables": "asks payments for a receivable and finds it again",
    "server.payments.refunds": "a refund payments refused, shown to the clerk",
}
SERVED_AREAS = ("server.certificates", "server.fines", "server.payments")

# Bottom-layer modules: everything may import them, they import no area (no server package).
BOTTOM = {
    "server.portal_form": "the base form every area's forms build on",
    "server.formatting": "city time, euros, dates: one definition each",
    "server.addresses": "street addresses placed in street ranges (parking zones, districts)",
    "server.readable_codes": "codes typed from paper: one alphabet for every letter and receipt",
    "server.db": "engine, session, base (the models modules are named as strings only)",
    "server.extensions": "db, csrf, htmx, babel, limiter, created once",
}

# The audit log is written by every area, so it knows none of them (its admin page is in
# server.backoffice.audit_log).
AUDIT_MUST_NOT_IMPORT = ("server.auth", "server.backoffice")


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _within(module: str, owner: str) -> bool:
    """``module`` is ``owner`` or, if ``owner`` is a package below server, inside it."""
    return module == owner or (owner != "server" and module.startswith(owner + "."))


@cache
def server_imports() -> dict[str, set[str]]:
    """Each module under server/ and the server modules it imports (anywhere in its body)."""
    found: dict[str, set[str]] = {}
    for path in sorted(SERVER.rglob("*.py")):
        module = _name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:  # ``from server.forms import payment`` is a module
                    full = f"{base}.{alias.name}"
                    targets.add(full if _exists(full) else base)
        found[module] = {t for t in targets if t == "server" or t.startswith("server.")}
    return found


def _areas() -> set[str]:
    return {f"server.{p.parent.name}" for p in SERVER.glob("*/__init__.py")}


def test_the_parser_sees_the_imports_of_this_house() -> None:
    imports = server_imports()
    assert "server.forms.setup" in imports["server"]
    assert "server.certificates.definition" in imports["server.certificates.setup"]
    assert "server.forms" in _areas()


def test_only_the_listed_areas_use_the_form_engine() -> None:
    wrong = []
    for module, targets in server_imports().items():
        if _within(module, "server.forms"):
            continue
        used = {t for t in targets if _within(t, "server.forms")}
        if not used:
            continue
        allowed = next(
            (
                modules
                for owner, (modules, _reason) in ENGINE_USERS.items()
                if _within(module, owner)
            ),
            set(),
        )
        wrong += [f"{module} -> {t}" for t in sorted(used - allowed)]
    assert wrong == [], "add a row to ENGINE_USERS with its reason, or use the registry"


def test_the_form_engine_imports_no_service() -> None:
    wrong = [
        f"{module} -> {target}"
        for module, targets in server_imports().items()
        if _within(module, "server.forms")
        for target in sorted(targets)
        if any(_within(target, area) for area in SERVED_AREAS) and target not in ENGINE_MAY_USE
    ]
    assert wrong == [], "the engine meets services through registries (server.forms.registry)"


def test_the_audit_log_knows_no_area_above_it() -> None:
    wrong = [
        f"{module} -> {target}"
        for module, targets in server_imports().items()
        if _within(module, "server.audit")
        for target in sorted(targets)
        if any(_within(target, above) for above in AUDIT_MUST_NOT_IMPORT)
    ]
    assert wrong == []


def test_the_bottom_layer_imports_no_area() -> None:
    areas = _areas()
    imports = server_imports()
    wrong = [
        f"{module} -> {target}"
        for module in BOTTOM
        for target in sorted(imports[module])
        if any(_within(target, area) for area in areas)
    ]
    assert wrong == []
