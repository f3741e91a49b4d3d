"""Every PDF is built on server/pdf, and no area borrows PDF pieces from another
(docs: /work/shared/ARCHITECTURE.md, ``pdf/``)."""

from __future__ import annotations

from tests.unit.test_layers import _areas, server_imports


def _area(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _is_pdf_code(module: str) -> bool:
    return module.rpartition(".")[2].endswith("pdf")


def test_the_pdf_home_imports_only_itself_and_the_formatting() -> None:
    wrong = [
        f"{module} -> {target}"
        for module, targets in server_imports().items()
        if module == "server.pdf" or module.startswith("server.pdf.")
        for target in sorted(targets)
        if not (target.startswith("server.pdf") or target == "server.formatting")
    ]
    assert wrong == []


def test_no_area_imports_the_pdf_code_of_another() -> None:
    areas = _areas()
    wrong = [
        f"{module} -> {target}"
        for module, targets in server_imports().items()
        if _area(module) in areas  # the app's own modules (server.cli) wire every area
        for target in sorted(targets)
        if _is_pdf_code(target) and _area(target) not in ("server.pdf", _area(module))
    ]
    assert wrong == [], "share PDF pieces through server/pdf"


def test_the_parser_finds_the_pdf_modules() -> None:
    imports = server_imports()
    assert "server.pdf.receipt" in imports["server.payments.proof_pdf"]
    assert "server.pdf.letter" in imports["server.fines.letter_pdf"]
