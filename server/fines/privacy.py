"""The privacy notice of the online hearing (Art. 13 DSGVO): shown on the hearing form, in full
at /bussgeld/datenschutz and at the end of the hearing's receipt PDF."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.privacy import PrivacyNotice

PRIVACY = PrivacyNotice(
    controller=_l("Bußgeldstelle"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben, um Sie im Bußgeldverfahren anzuhören und über die "
            "Ordnungswidrigkeit zu entscheiden."
        ),
        _l(
            "Benennen Sie eine andere Person als Fahrerin oder Fahrer, verwenden wir deren "
            "Angaben, "
            "um das Verfahren gegen diese Person zu führen."
        ),
        _l("Wir erheben und buchen ein Verwarnungs- oder Bußgeld und die Kosten des Verfahrens."),
    ),
    legal_basis=_l(
        "§ 55 OWiG (Anhörung) i. V. m. § 46 Abs. 1 OWiG und §§ 161, 163 StPO; Art. 6 Abs. 1 lit. e "
        "DSGVO, soweit die Datenschutz-Grundverordnung anwendbar ist; für die Angaben zur Person "
        "§ 111 OWiG."
    ),
    retention=_l(
        "Ihre Angaben werden Teil der Bußgeldakte. Wir löschen sie, wenn das Verfahren "
        "abgeschlossen ist und die Aufbewahrungsfristen für Bußgeldakten abgelaufen sind "
        "(§ 49c OWiG i. V. m. § 489 StPO), in der Regel zwei Jahre nach Abschluss des Verfahrens."
    ),
    recipients=(
        _l(
            "Nach einem Einspruch gegen einen Bußgeldbescheid: die Staatsanwaltschaft und das "
            "Amtsgericht (§ 69 OWiG)."
        ),
        _l(
            "Das Kraftfahrt-Bundesamt, wenn die Entscheidung in das Fahreignungsregister "
            "einzutragen ist (§ 28 StVG)."
        ),
        _l("Die Stadtkasse und, wenn Sie online bezahlen, die Bezahlplattform."),
        _l(
            "Die Person, die Sie als Fahrerin oder Fahrer benennen, erfährt im Verfahren gegen "
            "sie, dass sie benannt wurde."
        ),
    ),
    obligation=_l(
        "Ihre Angaben zur Person müssen Sie machen (§ 111 OWiG). Zur Sache müssen Sie sich nicht "
        "äußern; dann entscheidet die Bußgeldstelle nach Aktenlage."
    ),
)
