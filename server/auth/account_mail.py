"""The mails of citizen accounts, queued in the caller's transaction (see ``server.mail``)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from server.mail.outbox import queue_mail
from server.urls import public_url


def _city() -> str:
    return str(current_app.config["PORTAL_CITY_NAME"])


def _signature() -> str:
    return "\n\n" + _("Ihr Bürgerportal %(city)s", city=_city()) + "\n" + public_url("web.start")


def confirmation_mail(recipient: str, token: str) -> None:
    hours = int(current_app.config["ACCOUNT_CONFIRM_LINK_HOURS"])
    queue_mail(
        recipient=recipient,
        subject=_("Bitte bestätigen Sie Ihre E-Mail-Adresse – Bürgerportal %(city)s", city=_city()),
        body=_(
            "Guten Tag,\n\n"
            "mit dieser E-Mail-Adresse wurde ein Konto im Bürgerportal angelegt. Bitte "
            "bestätigen Sie die Adresse mit diesem Link (gültig für %(hours)d Stunden):\n\n"
            "%(link)s\n\n"
            "Wenn Sie kein Konto angelegt haben, müssen Sie nichts tun: Ohne Bestätigung kann "
            "sich niemand mit diesem Konto anmelden.",
            hours=hours,
            link=public_url("accounts.confirm_account", token=token),
        )
        + _signature(),
    )


def already_registered_mail(recipient: str, reset_token: str) -> None:
    minutes = int(current_app.config["PASSWORD_RESET_LINK_MINUTES"])
    queue_mail(
        recipient=recipient,
        subject=_("Sie haben bereits ein Konto – Bürgerportal %(city)s", city=_city()),
        body=_(
            "Guten Tag,\n\n"
            "jemand wollte mit Ihrer E-Mail-Adresse ein neues Konto im Bürgerportal anlegen. "
            "Zu dieser Adresse gibt es aber schon ein Konto, deshalb wurde kein neues angelegt.\n\n"
            "Melden Sie sich einfach an: %(login)s\n\n"
            "Falls Sie Ihr Passwort vergessen haben, legen Sie hier ein neues fest (gültig für "
            "%(minutes)d Minuten):\n\n"
            "%(link)s\n\n"
            "Wenn Sie das nicht waren, müssen Sie nichts tun: Ihr Konto und Ihr Passwort bleiben, "
            "wie sie sind.",
            login=public_url("auth.account"),
            minutes=minutes,
            link=public_url("accounts.reset_password", token=reset_token),
        )
        + _signature(),
    )


def registration_again_mail(recipient: str, reset_token: str) -> None:
    minutes = int(current_app.config["PASSWORD_RESET_LINK_MINUTES"])
    queue_mail(
        recipient=recipient,
        subject=_("Erneute Registrierung mit Ihrer Adresse – Bürgerportal %(city)s", city=_city()),
        body=_(
            "Guten Tag,\n\n"
            "jemand hat versucht, mit Ihrer E-Mail-Adresse noch einmal ein Konto im Bürgerportal "
            "anzulegen. Zu dieser Adresse gibt es schon ein Konto, das noch nicht bestätigt ist. "
            "Das dabei eingegebene Passwort wurde nicht übernommen, und frühere "
            "Bestätigungslinks gelten nicht mehr.\n\n"
            "Wenn Sie das waren: Legen Sie mit diesem Link Ihr Passwort fest; damit ist auch Ihre "
            "Adresse bestätigt (gültig für %(minutes)d Minuten):\n\n"
            "%(link)s\n\n"
            "Wenn Sie das nicht waren, müssen Sie nichts tun: Ohne diesen Link kann sich niemand "
            "mit dem Konto anmelden.",
            minutes=minutes,
            link=public_url("accounts.reset_password", token=reset_token),
        )
        + _signature(),
    )


def reset_mail(recipient: str, token: str) -> None:
    minutes = int(current_app.config["PASSWORD_RESET_LINK_MINUTES"])
    queue_mail(
        recipient=recipient,
        subject=_("Neues Passwort festlegen – Bürgerportal %(city)s", city=_city()),
        body=_(
            "Guten Tag,\n\n"
            "für Ihr Konto im Bürgerportal wurde ein neues Passwort angefordert. Mit diesem "
            "Link legen Sie es fest (gültig für %(minutes)d Minuten, nur einmal nutzbar):\n\n"
            "%(link)s\n\n"
            "Wenn Sie das nicht angefordert haben, müssen Sie nichts tun: Ihr Passwort bleibt, "
            "wie es ist.",
            minutes=minutes,
            link=public_url("accounts.reset_password", token=token),
        )
        + _signature(),
    )


def password_changed_mail(recipient: str) -> None:
    queue_mail(
        recipient=recipient,
        subject=_("Ihr Passwort wurde geändert – Bürgerportal %(city)s", city=_city()),
        body=_(
            "Guten Tag,\n\n"
            "das Passwort Ihres Kontos im Bürgerportal wurde soeben neu festgelegt. Alle "
            "Anmeldungen mit dem alten Passwort sind beendet.\n\n"
            "Wenn Sie das nicht waren, legen Sie sofort ein neues Passwort fest: %(link)s",
            link=public_url("accounts.forgot_password"),
        )
        + _signature(),
    )
