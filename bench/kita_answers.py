"""The Kita registration's answers step by step, as the load test (``bench/journeys.py``) and
the form profiler (``bench/profile_form.py``) send them. Imports nothing of the portal: Locust
loads it with the journeys."""

from __future__ import annotations


def kita_steps(child: int, begin: str) -> list[tuple[str, dict[str, str]]]:
    """Each step's name and answers; ``child`` makes the child and the address unique,
    ``begin`` is the wished start (ISO date, in the future)."""
    return [
        (
            "kind",
            {
                "kind_vorname": f"Kind{child}",
                "kind_nachname": "Muster",
                "kind_geburtsdatum": "2024-03-01",
            },
        ),
        (
            "eltern",
            {
                "eltern_vorname": "Erika",
                "eltern_nachname": "Muster",
                "eltern_strasse": "Hauptstraße 5",
                "eltern_plz_ort": "12345 Musterstadt",
                "eltern_email": f"eltern{child}@example.de",
                "zweite_person": "nein",
            },
        ),
        ("betreuung", {"beginn": begin, "umfang": "35"}),
        ("kitas", {"kita_1": "kita-regenbogen", "kita_2": "kita-pusteblume", "kita_3": ""}),
        ("foerderbedarf", {"besonderer_bedarf": "nein"}),
        ("einwilligung", {"einwilligung_daten": "ja", "einwilligung_kitas": "ja"}),
    ]
