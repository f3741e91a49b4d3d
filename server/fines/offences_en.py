"""The offence texts of ``offences_data`` in English, keyed by the Tatbestandsnummer (TBNR).

The German wording is the official one (BT-KAT-OWi) and stays the only one on letters, PDFs
and in the back office; these texts are what an English-speaking citizen reads on the case
page and in the account. They translate the official wording faithfully; a traffic sign keeps
its German number ("sign 283") as the StVO's annexes name it. A TBNR missing here falls back to
the German text (``offence_text``), so a catalogue update never breaks a page;
``tests/unit/fines`` checks that every TBNR of the catalogue has its English text.
"""

from __future__ import annotations

OFFENCE_TEXTS: dict[str, str] = {
    "113140": "You parked in the area of a parking ticket machine without a valid parking ticket.",
    "113141": (
        "You parked in the area of a parking ticket machine without a valid parking ticket"
        " - for more than 30 minutes."
    ),
    "113280": (
        "You exceeded the maximum permitted parking time at sign 314 with an additional sign."
    ),
    "141312": "You parked in an absolute no-stopping zone (sign 283).",
    "141322": "You parked unlawfully in a restricted no-stopping zone (sign 286).",
    "112454": "You parked on the pavement in breach of the rules.",
    "141174": "You parked on a cycle path (sign 237).",
    "112216": "You parked in front of or in an officially marked fire brigade access route.",
    "142278": (
        "You parked in a special parking space for severely disabled people with exceptional"
        " walking impairment, bilateral amelia or phocomelia or comparable functional"
        " limitations, and for blind people (sign 314 with an additional sign showing a"
        " wheelchair user). A special parking permit was not displayed clearly legible."
    ),
    "142284": (
        "You parked without authorisation in a parking space for electrically powered vehicles"
        " (sign 314) with an additional sign."
    ),
    "112464": "You parked unlawfully in the second row (double parking).",
    "141184": "You parked in a pedestrian zone closed by sign 242.1.",
    "112372": "You parked in front of a lowered kerb.",
}
