"""The parking offences the Bußgeldstelle (fine authority) deals with most, as catalogue data.

Every German authority describes a traffic offence by its *Tatbestandsnummer* (TBNR): a six-digit
key of the *Bundeseinheitlicher Tatbestandskatalog* (BT-KAT-OWi), which the Kraftfahrt-Bundesamt
publishes together with the official wording ("Sie parkten …") and the amount. The amount itself
is the *Regelsatz* of the *Bußgeldkatalog* (BKat, the annex to the Bußgeldkatalog-Verordnung,
BKatV). Up to 55 € it is collected as a *Verwarnungsgeld* (§ 56 OWiG, a warning fee that closes
the case when paid), above that by a *Bußgeldbescheid* (a formal fine notice).

Catalogue version: BKatV 2013 as last amended by Art. 1 of the Verordnung of 13 October 2021
(BGBl. I S. 4688), in force since 9 November 2021; TBNR and wording from the BT-KAT-OWi as of
22 August 2024. Where the official wording offers alternatives in angle brackets
("<Radweg/Radfahrstreifen>", left for the officer to choose), the entry here takes the usual case
and says so in a comment. ``legal_basis`` follows the KBA's short form ("§ … StVO; § 24 Abs. 1,
3 Nr. 5 StVG; <BKat number> BKat"); the provisions are those of the BKat's column
"Tatbestandsvorschrift" for the BKat number given.

Sources (every number below appears in them; nothing is guessed):

- BKatV annex, amounts and BKat numbers:
  https://www.gesetze-im-internet.de/bkatv_2013/anlage.html (mirror with the same text:
  https://github.com/bundestag/gesetze, b/bkatv_2013/index.md, "Zuletzt geändert durch
  Art. 1 V v. 13.10.2021 I 4688")
- TBNR, official texts and amounts, transcribed from the KBA's BT-KAT-OWi of 22.08.2024
  (bkat_owi_22_08_2024.pdf): https://github.com/Joshua2504/owia (resources/verstoesse.csv,
  resources/bussgelder.csv)
- TBNR matrix of the parking offences (base offence, with obstruction, longer than …):
  https://github.com/weg-li/weg-li (bkat/data/charges_compact.tsv)
- The KBA's short form of the legal basis, valid from 9.11.2021, as the weg.li charges API serves
  it (141312: "§ 41 Abs. 1 iVm Anlage 2, § 49 StVO; § 24 Abs. 1, 3 Nr. 5 StVG; 52 BKat"):
  https://github.com/Art4/wegliphant (tests/Unit/Client/ListChargesTest.php)
"""

from __future__ import annotations

from dataclasses import dataclass

from server.fines.offences_en import OFFENCE_TEXTS as ENGLISH_TEXTS

# The statutory basis every parking offence shares: § 24 StVG makes breaking the StVO an
# administrative offence, paragraph 3 no. 5 caps the fine.
_STVG = "§ 24 Abs. 1, 3 Nr. 5 StVG"


@dataclass(frozen=True)
class OffenceDefinition:
    """One Tatbestand (offence) of the catalogue: its TBNR, the official wording as printed on
    the letter, the Regelsatz in integer cents and the legal basis as the catalogue cites it."""

    number: str
    text: str
    amount_cents: int
    legal_basis: str


OFFENCES: tuple[OffenceDefinition, ...] = (
    OffenceDefinition(
        "113140",
        "Sie parkten im Bereich eines Parkscheinautomaten ohne gültigen Parkschein.",
        2000,
        f"§ 13 Abs. 1, 2, § 49 StVO; {_STVG}; 63.1 BKat",
    ),
    OffenceDefinition(
        "113141",
        "Sie parkten im Bereich eines Parkscheinautomaten ohne gültigen Parkschein"
        " - länger als 30 Minuten.",
        2500,
        f"§ 13 Abs. 1, 2, § 49 StVO; {_STVG}; 63.2 BKat",
    ),
    OffenceDefinition(
        # Official: "bei Zeichen <314/315>": the parking place sign, with the parking disc
        # (Parkscheibe) required by an additional sign.
        "113280",
        "Sie überschritten bei Zeichen 314 mit Zusatzzeichen die zulässige Höchstparkdauer.",
        2000,
        f"§ 13 Abs. 1, 2, § 49 StVO; {_STVG}; 63.1 BKat",
    ),
    OffenceDefinition(
        "141312",
        "Sie parkten im absoluten Haltverbot (Zeichen 283).",
        2500,
        f"§ 41 Abs. 1 iVm Anlage 2, § 49 StVO; {_STVG}; 52 BKat",
    ),
    OffenceDefinition(
        "141322",
        "Sie parkten unzulässig im eingeschränkten Haltverbot (Zeichen 286).",
        2500,
        f"§ 41 Abs. 1 iVm Anlage 2, § 49 StVO; {_STVG}; 52 BKat",
    ),
    OffenceDefinition(
        "112454",
        "Sie parkten verbotswidrig auf dem Gehweg.",
        5500,
        f"§ 12 Abs. 4, § 49 StVO; {_STVG}; 52a BKat",
    ),
    OffenceDefinition(
        # Official: "auf einem <Radweg/Radfahrstreifen> (Zeichen 237)".
        "141174",
        "Sie parkten auf einem Radweg (Zeichen 237).",
        5500,
        f"§ 41 Abs. 1 iVm Anlage 2, § 49 StVO; {_STVG}; 52a BKat",
    ),
    OffenceDefinition(
        "112216",
        "Sie parkten vor oder in einer amtlich gekennzeichneten Feuerwehrzufahrt.",
        5500,
        f"§ 12 Abs. 1, § 49 StVO; {_STVG}; 53 BKat",
    ),
    OffenceDefinition(
        # Official: "(Zeichen <314/315> und Zusatzzeichen mit Rollstuhlfahrersinnbild)".
        "142278",
        "Sie parkten auf einem Sonderparkplatz für Schwerbehinderte mit außergewöhnlicher"
        " Gehbehinderung, beidseitiger Amelie oder Phokomelie, mit vergleichbaren"
        " Funktionseinschränkungen sowie für blinde Menschen (Zeichen 314 und Zusatzzeichen mit"
        " Rollstuhlfahrersinnbild). Ein besonderer Parkausweis lag nicht gut lesbar aus.",
        5500,
        f"§ 42 Abs. 2 iVm Anlage 3, § 49 StVO; {_STVG}; 55 BKat",
    ),
    OffenceDefinition(
        # Official: "(Zeichen <314/315>) mit Zusatzzeichen".
        "142284",
        "Sie parkten unberechtigt auf einem Parkplatz für elektrisch betriebene Fahrzeuge"
        " (Zeichen 314) mit Zusatzzeichen.",
        5500,
        f"§ 42 Abs. 2 iVm Anlage 3, § 49 StVO; {_STVG}; 55a BKat",
    ),
    OffenceDefinition(
        "112464",
        "Sie parkten unzulässig in der zweiten Reihe.",
        5500,
        f"§ 12 Abs. 4, § 49 StVO; {_STVG}; 58 BKat",
    ),
    OffenceDefinition(
        # Official: "<auf dem Gehweg/…/im Bereich einer Fußgängerzone>, der durch Zeichen
        # <239/240/241/242.1> gesperrt war".
        "141184",
        "Sie parkten im Bereich einer Fußgängerzone, der durch Zeichen 242.1 gesperrt war.",
        5500,
        f"§ 41 Abs. 1 iVm Anlage 2, § 49 StVO; {_STVG}; 144 BKat",
    ),
    OffenceDefinition(
        "112372",
        "Sie parkten vor einer Bordsteinabsenkung.",
        1000,
        f"§ 12 Abs. 3, § 49 StVO; {_STVG}; 54 BKat",
    ),
)


# The texts in other languages than German, keyed by TBNR.
TRANSLATED_TEXTS: dict[str, dict[str, str]] = {"en": ENGLISH_TEXTS}


def offence_text(number: str, german: str, language: str) -> str:
    """The offence's wording for a reader of ``language``: the official German text, or its
    translation when there is one (else the German text, never nothing)."""
    return TRANSLATED_TEXTS.get(language, {}).get(number, german)
