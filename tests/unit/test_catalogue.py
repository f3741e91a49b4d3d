from __future__ import annotations

from flask import Flask

from server.web.catalogue import SERVICES, find_service, search_services


def slugs(query: str) -> list[str]:
    return [service.slug for service in search_services(query)]


def test_search_ignores_case_and_umlauts(app_context: Flask) -> None:
    assert slugs("BUSSGELD") == ["bussgeld"]
    assert slugs("knollchen") == slugs("Knöllchen") == ["bussgeld"]


def test_search_needs_every_word(app_context: Flask) -> None:
    assert slugs("urkunde geburt") == ["urkunden"]
    assert slugs("urkunde kita") == []


def test_search_knows_english_names(app_context: Flask) -> None:
    assert slugs("daycare") == ["kita"]
    assert slugs("appointment") == ["termine"]
    assert slugs("receipts") == ["belege-nachreichen"]
    assert slugs("complaint") == ["kontakt"]


def test_search_finds_every_online_form(app_context: Flask) -> None:
    assert set(slugs("formular")) == {
        "kita",
        "kontakt",
        "belege-nachreichen",
        "urkunden",
        "maengelmelder",
        "briefwahl",
        "meldebescheinigung",
        "bewohnerparkausweis",
        "hundesteuer",
        "sperrmuell",
        "hundesteuer-abmeldung",
    }


def test_empty_search_lists_everything(app_context: Flask) -> None:
    assert len(search_services("  ")) == len(SERVICES)


def test_slugs_are_unique_and_found() -> None:
    assert len({service.slug for service in SERVICES}) == len(SERVICES)
    assert find_service("kita") is not None
    assert find_service("nope") is None


def test_every_service_has_an_icon_file(app_context: Flask) -> None:
    from pathlib import Path

    from server.web.icons import FOLDER

    folder = Path(str(app_context.static_folder)) / FOLDER
    assert [s.slug for s in SERVICES if not (folder / f"{s.icon}.svg").is_file()] == []


def test_the_dog_tax_is_one_tile_with_its_deregistration_in_the_catalogue(
    app_context: Flask,
) -> None:
    from server.web.catalogue import start_page_services

    on_start = [service.slug for service in start_page_services()]
    assert "hundesteuer" in on_start
    assert "hundesteuer-abmeldung" not in on_start
    assert slugs("hund abmelden") == ["hundesteuer-abmeldung"]
    assert slugs("hundesteuer") == ["hundesteuer", "hundesteuer-abmeldung"]
    registration = find_service("hundesteuer")
    assert registration is not None
    assert [service.slug for service in registration.related] == ["hundesteuer-abmeldung"]
