"""The auth area's codes in words, for the audit log's page: what citizens and clerks did at
login and with their accounts, and what the detail of such an entry holds (roles, the kind of
second factor, why a login was refused)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.audit.labels import register_labels
from server.auth.roles import Role

ACTIONS = {
    "citizen.register": _l("Bürgerkonto angelegt"),
    "citizen.register_existing": _l("Registrierung mit bekannter Adresse"),
    "citizen.register_unconfirmed_again": _l("Erneute Registrierung, Adresse unbestätigt"),
    "citizen.confirm": _l("E-Mail-Adresse bestätigt"),
    "citizen.confirmation_resent": _l("Bestätigungslink erneut gesendet"),
    "citizen.confirm_link_renewed": _l("Abgelaufener Bestätigungslink erneuert"),
    "citizen.reset_link_renewed": _l("Abgelaufener Link zum Passwort erneuert"),
    "citizen.data_changed": _l("Persönliche Daten geändert"),
    "citizen.eid_linked": _l("Online-Ausweis mit dem Konto verbunden"),
    "citizen.login.password": _l("Bürger-Anmeldung mit Passwort"),
    "citizen.login.eid": _l("Bürger-Anmeldung mit Online-Ausweis"),
    "citizen.login_failed": _l("Bürger-Anmeldung fehlgeschlagen"),
    "citizen.login_refused": _l("Bürger-Anmeldung abgewiesen"),
    "citizen.login_throttled": _l("Bürger-Anmeldung gebremst (zu viele Versuche)"),
    "citizen.password_reset_requested": _l("Neues Passwort angefordert"),
    "citizen.password_reset": _l("Neues Passwort gesetzt"),
    "citizen.session.end": _l("Sitzung auf anderem Gerät beendet"),
    "clerk.created": _l("Mitarbeiterkonto angelegt"),
    "clerk.login": _l("Anmeldung in der Verwaltung"),
    "clerk.login_failed": _l("Anmeldung in der Verwaltung fehlgeschlagen"),
    "clerk.login_refused": _l("Anmeldung in der Verwaltung abgewiesen"),
    "clerk.roles_changed": _l("Rollen geändert"),
    "clerk.deactivated": _l("Mitarbeiterkonto deaktiviert"),
    "clerk.reactivated": _l("Mitarbeiterkonto wieder aktiviert"),
    "clerk.password_reset": _l("Passwort zurückgesetzt"),
    "clerk.second_factor_enrolled": _l("Zweiter Faktor eingerichtet"),
    "clerk.second_factor_failed": _l("Zweiter Faktor falsch"),
    "clerk.second_factor_reset": _l("Zweiter Faktor zurückgesetzt"),
    "clerk.security_key_added": _l("Sicherheitsschlüssel hinzugefügt"),
    "clerk.security_key_removed": _l("Sicherheitsschlüssel entfernt"),
}

RECORDS = {"citizen": _l("Bürgerkonto"), "clerk": _l("Mitarbeiterkonto")}

# Single codes an entry's detail may be.
DETAIL_CODES = {
    "totp": _l("Authenticator-App"),
    "security_key": _l("Sicherheitsschlüssel"),
    "wrong": _l("falscher Code"),
    "replayed": _l("Code schon benutzt"),
    "unreadable": _l("Geheimnis nicht lesbar"),
    "inactive": _l("Konto deaktiviert"),
    "unconfirmed": _l("Adresse unbestätigt"),
}


def code_text(detail: str) -> str:
    return str(DETAIL_CODES.get(detail, detail))


def roles_detail(detail: str) -> str:
    """``cash_office,fines`` (or ``… -> …`` for a change) as the roles' names."""

    def names(codes: str) -> str:
        known = {role.value: role.label for role in Role}
        named = [known.get(code.strip(), code.strip()) for code in codes.split(",")]
        return ", ".join(name for name in named if name and name != "-") or _("keine")

    return " → ".join(names(part) for part in detail.split("->"))


def register_auth_labels() -> None:
    register_labels(
        actions=ACTIONS,
        records=RECORDS,
        details={
            "clerk.created": roles_detail,
            "clerk.roles_changed": roles_detail,
            "clerk.second_factor_enrolled": code_text,
            "clerk.second_factor_failed": code_text,
            "clerk.login_refused": code_text,
            "citizen.login_refused": code_text,
        },
    )
