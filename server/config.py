"""Settings, read from the environment.

Every setting the portal knows is listed in ``SETTINGS`` with its default and meaning; the
README's configuration table is checked against this list by a test, so the two cannot drift.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server import instance as instance_folders
from server.formatting import DEFAULT_CITY_TIMEZONE, time_zone
from server.proxies import TrustedProxies, parse_trusted_proxies


class ConfigurationError(RuntimeError):
    """The portal refuses to start with this configuration."""


def _integer(value: str) -> int:
    return int(value)


def _flag(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


def _at_least(minimum: int, value: str) -> int:
    number = int(value)
    if number < minimum:
        raise ValueError(f"must be at least {minimum}, not {number}")
    return number


def _time_zone(value: str) -> str:
    time_zone(value)  # refuses an unknown zone at start
    return value


def _word_list(value: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in value.split(",") if word.strip())


def _minute_list(value: str) -> tuple[int, ...]:
    minutes = tuple(_at_least(0, word) for word in _word_list(value))
    if not minutes:
        raise ValueError("at least one pause in minutes")
    return minutes


# The groups of rate limits (server/ratelimits.py): what each does while Redis is unreachable.
RATE_LIMIT_GROUPS: tuple[str, str, str] = ("login", "code", "other")


def _rate_limit_groups(value: str) -> tuple[str, ...]:
    if value.strip().lower() == "none":
        return ()
    groups = _word_list(value)
    unknown = [group for group in groups if group not in RATE_LIMIT_GROUPS]
    if unknown:
        raise ValueError(
            f"unknown groups {', '.join(unknown)} (known: {', '.join(RATE_LIMIT_GROUPS)}, or none)"
        )
    return groups


def _rate_limit_storage_options(uri: str) -> dict[str, Any]:
    """Flask-Limiter's ``RATELIMIT_STORAGE_OPTIONS``: the storage's errors as
    ``limits.errors.StorageError`` whatever the storage (server/ratelimits.py decides what they
    mean), and for Redis short socket timeouts, so that a Redis that hangs costs a request a
    second rather than the operating system's minutes."""
    options: dict[str, Any] = {"wrap_exceptions": True}
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        options.update(socket_connect_timeout=1, socket_timeout=1)
    return options


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str
    parse: Callable[[str], Any] = str


# Defaults in brackets are computed (see load_config); all others are parsed like the environment.
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PORTAL_ENV",
        "development",
        "`development`, `production` or `testing`. Production refuses demo providers and "
        "requires `SECRET_KEY`.",
    ),
    Setting(
        "SECRET_KEY",
        "(random per start outside production)",
        "Signs sessions and CSRF tokens. Required in production.",
    ),
    Setting(
        "INSTANCE_DIR",
        "(instance/ in a checkout, else ./instance)",
        "The instance folder: the default SQLite database and, unless their settings say "
        "otherwise, uploads, mails, the development identity provider's state and the demo's "
        "letters. An installed package uses `instance` in the working directory: set it in "
        "production. Outside production a database other than the default one keeps these files "
        "in its own folder, `databases/<name>-<digest>/` under it.",
    ),
    Setting(
        "DATABASE_URL",
        "(sqlite:///instance/portal.db)",
        "SQLAlchemy URL. PostgreSQL in production, e.g. `postgresql+psycopg://portal@db/portal`.",
    ),
    Setting(
        "DATABASE_POOL_SIZE",
        "5",
        "Database connections each app process keeps open (give each thread of a worker one).",
        _integer,
    ),
    Setting(
        "DATABASE_MAX_OVERFLOW",
        "10",
        "Connections a process may open beyond the pool under load.",
        _integer,
    ),
    Setting(
        "DATABASE_POOL_TIMEOUT_SECONDS",
        "30",
        "How long a request waits for a free connection before it fails.",
        float,
    ),
    Setting(
        "DATABASE_PING_AFTER_IDLE_SECONDS",
        "1",
        "A PostgreSQL connection that lay unused in the pool longer than this is tested before "
        "use (and replaced if the database restarted meanwhile); `0` tests every one, as "
        "SQLAlchemy's `pool_pre_ping` does.",
        float,
    ),
    Setting(
        "PAGE_CACHE_ENTRIES",
        "256",
        "Public pages (start page, catalogue, legal pages) each process keeps rendered, by URL "
        "and language; the least recently used goes first. `0` renders every request.",
        _integer,
    ),
    Setting(
        "DATE_TEXTS_KEPT",
        "4096",
        "Dates and times each process keeps written, per template filter, by value, format, "
        "language and zone (a deadline on every page of the week is written once); the least "
        "recently used goes first. `0` writes every date anew.",
        _integer,
    ),
    Setting(
        "PORTAL_BASE_URL",
        "http://127.0.0.1:5000",
        "Public base URL used in letters, mails and redirects. With `https://` the session "
        "cookie becomes a secure `__Host-` cookie.",
    ),
    Setting("PORTAL_CITY_NAME", "Musterstadt", "Name of the city shown in the portal."),
    Setting(
        "TRUSTED_PROXIES",
        "",
        "Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed: empty (none, "
        "the default), a count (`1` for one TLS proxy in front), or addresses and networks "
        "(`127.0.0.1, 10.0.0.0/8`). Limits, logs and the audit log then see the client.",
        parse_trusted_proxies,
    ),
    Setting(
        "CITY_TIMEZONE",
        DEFAULT_CITY_TIMEZONE,
        "The city's time zone (IANA name): every time a person reads (letters, PDFs, mails, "
        "pages, exports) is shown in it, and a day is a day in it. Storage stays UTC.",
        _time_zone,
    ),
    Setting(
        "PORTAL_RELEASE",
        "",
        "Release or commit id; part of the service worker version together with the asset hashes.",
    ),
    Setting("PORTAL_THEME_COLOR", "#2044AA", "Theme colour of the installed app."),
    Setting(
        "LEGAL_CONTENT_DIR",
        "",
        "Folder with the city's own texts of the legal pages, as Markdown files named like the "
        "shipped defaults (`impressum.de.md`, `datenschutz.en.md`, `barrierefreiheit`, "
        "`leichte-sprache`, `gebaerdensprache`; a missing file falls back to the city's German "
        "one, then to Musterstadt's default) and `gebaerdensprache/videos.json` listing the "
        "sign-language videos with captions and transcripts. Empty: Musterstadt's defaults.",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "memory://",
        "Where rate-limit counters live; use `redis://127.0.0.1:6379/0` with several workers.",
    ),
    Setting(
        "RATELIMIT_FAIL_CLOSED",
        "login,code",
        "Rate limits that refuse their requests while the rate-limit storage (Redis) cannot be "
        "reached, by group: `login` (clerk and citizen password logins, clerks' second-factor "
        "codes), `code` (what opens a record by a letter's code: fine access code, notice "
        "lookup, application status), `other` (account mails, appointment bookings, wallet "
        'logins). A refused request gets 503 "try again in a moment" with `Retry-After`; the '
        "other groups let requests through uncounted. Both are logged "
        "(`ratelimit.storage_unreachable`) and `/readyz` fails. `none`: every limit lets "
        "requests through.",
        _rate_limit_groups,
    ),
    Setting(
        "CLERK_LOGIN_RATE_LIMIT",
        "10 per 5 minutes",
        "Clerk login attempts allowed per client address.",
    ),
    # Citizen accounts (e-mail and password)
    Setting(
        "CITIZEN_PASSWORD_MIN_LENGTH",
        "12",
        "Shortest password of a citizen account, in characters (no composition rules, as NIST "
        "SP 800-63B advises; common passwords are refused).",
        _integer,
    ),
    Setting(
        "CITIZEN_PASSWORD_MAX_LENGTH",
        "1024",
        "Longest password accepted, in characters: long passphrases are welcome, megabytes are "
        "not hashed.",
        _integer,
    ),
    Setting(
        "CITIZEN_LOGIN_ADDRESS_RATE_LIMIT",
        "30 per 10 minutes",
        "Password login attempts per client address (browsers known to the account are exempt).",
    ),
    Setting(
        "CITIZEN_LOGIN_ACCOUNT_FAILURE_LIMIT",
        "5 per 15 minutes",
        "Failed password logins per account from browsers not known to it; known browsers "
        "still get in, so an attacker cannot lock the citizen out.",
    ),
    Setting(
        "CITIZEN_LOGIN_DEVICE_FAILURE_LIMIT",
        "10 per 15 minutes",
        "Failed password logins per known-device cookie (a stolen cookie buys no more guesses).",
    ),
    Setting(
        "KNOWN_DEVICE_DAYS",
        "180",
        "Lifetime of the signed cookie that marks a browser as known to an account after a "
        "successful password login.",
        _integer,
    ),
    Setting(
        "ACCOUNT_CONFIRM_LINK_HOURS",
        "48",
        "How long the link confirming a new account's e-mail address is valid.",
        _integer,
    ),
    Setting(
        "PASSWORD_RESET_LINK_MINUTES",
        "60",
        "How long a password reset link is valid.",
        _integer,
    ),
    Setting(
        "ACCOUNT_MAIL_RATE_LIMIT",
        "10 per hour",
        "Registrations, reset and resend requests per client address.",
    ),
    Setting(
        "ACCOUNT_MAIL_PER_ADDRESS_LIMIT",
        "5 per hour",
        "Account mails sent to one e-mail address; beyond it requests are answered as usual but "
        "send nothing, so nobody's mailbox can be flooded.",
    ),
    Setting(
        "DEV_MAIL_PAGE",
        "(on outside production)",
        "Show the outbox at `/entwicklung/post` for trying out the mails of the demo; only with "
        "`MAIL_BACKEND=file`. Refused in production.",
    ),
    Setting(
        "CLERK_CODE_RATE_LIMIT",
        "5 per minute;20 per hour",
        "Second-factor codes a clerk may try after the password, per clerk account.",
    ),
    Setting(
        "CLERK_PENDING_LOGIN_MINUTES",
        "5",
        "Minutes between a clerk's password and second factor before the login starts over.",
        _integer,
    ),
    Setting(
        "CLERK_TOTP_KEY",
        "(derived from SECRET_KEY)",
        "Key encrypting the clerks' TOTP secrets in the database. Comma-separated to rotate: "
        "the first encrypts, all decrypt. Changing it without keeping the old key forces an "
        "administrator to reset every clerk's second factor. Outside production without "
        "`SECRET_KEY`: a fixed development key.",
    ),
    Setting("MAX_CONTENT_LENGTH", "62914560", "Largest request body in bytes (60 MiB).", _integer),
    Setting(
        "SESSION_IDLE_MINUTES",
        "30",
        "A session ends after this many minutes without a request (citizens and clerks).",
        _integer,
    ),
    Setting(
        "SESSION_ABSOLUTE_MINUTES",
        "720",
        "A session ends this many minutes after it began, however active it is.",
        _integer,
    ),
    Setting("LOG_LEVEL", "INFO", "Log level of the portal's structured (JSON) log."),
    Setting("LOG_FORMAT", "json", "`json` (one object per line) or `text`."),
    # Monitoring
    Setting(
        "METRICS_TOKEN",
        "",
        "Bearer token a Prometheus scraper sends to `/metrics` (`Authorization: Bearer ...`); "
        "empty: `/metrics` answers 404.",
    ),
    Setting(
        "PROMETHEUS_MULTIPROC_DIR",
        "",
        "Empty directory where the gunicorn workers of `portal serve` keep their metrics, so "
        "that `/metrics` sums all workers (prometheus_client reads it from the environment "
        "before the start; emptied by `portal serve`). Empty: one process counts alone.",
    ),
    # Payments
    Setting(
        "PAYEE_NAME",
        "Stadtkasse Musterstadt",
        "Recipient of bank transfers (GiroCode, bank details), at most 70 characters.",
    ),
    Setting("PAYEE_IBAN", "DE02120300000000202051", "IBAN of the city's account."),
    Setting("PAYEE_BIC", "BYLADEM1001", "BIC of the city's account (optional, may be empty)."),
    Setting(
        "SEPA_CREDITOR_ID",
        "DE98ZZZ09999999999",
        "The city's SEPA creditor identifier (Gläubiger-Identifikationsnummer) for direct debits; "
        "the default is the Bundesbank's test identifier.",
    ),
    Setting("KASSENZEICHEN_PREFIX", "40", "Leading digits of every Kassenzeichen."),
    Setting(
        "KASSENZEICHEN_DIGITS", "9", "Digits of the running number in a Kassenzeichen.", _integer
    ),
    Setting(
        "KASSENZEICHEN_CHECK",
        "luhn",
        "Check digit of the Kassenzeichen: `luhn`, `mod97` (two digits) or `none`.",
    ),
    Setting(
        "GIROCODE_REMITTANCE",
        "rf",
        "What the GiroCode carries as reference: `rf` (ISO 11649 creditor reference, "
        "structured) or `text` (the Kassenzeichen as unstructured text).",
    ),
    Setting(
        "PAYMENT_PROVIDER",
        "sandbox",
        "Online payments through `sandbox` (the built-in test platform) or `xbezahldienste` "
        "(a real platform, see below).",
    ),
    Setting(
        "PAYMENT_METHODS",
        "Wero,PayPal,Kreditkarte,SEPA-Lastschrift",
        "Payment methods offered on the provider's page, comma-separated.",
        _word_list,
    ),
    Setting(
        "PAYMENT_POLL_AFTER_MINUTES",
        "10",
        "Payments not final after this many minutes are asked for at the provider.",
        _integer,
    ),
    Setting(
        "PAYMENT_LOOKUP_RATE_LIMIT",
        "20 per hour",
        "Attempts to find a notice by Kassenzeichen and amount, per client address.",
    ),
    Setting(
        "PAYMENT_LOOKUP_NOTICE_RATE_LIMIT",
        "5 per day",
        "Attempts to find one Kassenzeichen, from all addresses together; the notice's QR link "
        "is never counted.",
    ),
    Setting(
        "PAYMENT_LOOKUP_GLOBAL_RATE_LIMIT",
        "100 per 10 minutes",
        "Wrong Kassenzeichen and amount pairs from all addresses together; over it the lookup "
        "closes for the rest of the window and the operators are alerted.",
    ),
    Setting(
        "FINES_ACCESS_RATE_LIMIT",
        "10 per 5 minutes",
        "Attempts to open a fine case with Aktenzeichen and access code, per client address.",
    ),
    Setting(
        "FINES_ACCESS_CASE_RATE_LIMIT",
        "10 per hour",
        "Attempts to open one Aktenzeichen with an access code, from all addresses together; "
        "the letter's QR link is never counted.",
    ),
    Setting(
        "FINES_ACCESS_GLOBAL_RATE_LIMIT",
        "300 per minute",
        "Wrong access codes from all addresses together before the operators are alerted "
        "(error log and audit log); the form stays open.",
    ),
    Setting(
        "FORMS_STATUS_RATE_LIMIT",
        "10 per 5 minutes",
        "Attempts to open an application's status with Eingangsnummer and Abrufcode, per client "
        "address.",
    ),
    Setting(
        "FORMS_STATUS_SUBMISSION_RATE_LIMIT",
        "10 per hour",
        "Attempts to open one Eingangsnummer with an Abrufcode, from all addresses together; "
        "the link in the confirmation mail is never counted.",
    ),
    Setting(
        "FORMS_STATUS_GLOBAL_RATE_LIMIT",
        "300 per minute",
        "Wrong Abrufcodes from all addresses together before the operators are alerted (error "
        "log and audit log); the form stays open.",
    ),
    Setting(
        "APPOINTMENT_KEEP_DAYS",
        "183",
        "Days after an appointment until `portal appointments purge` removes its name and e-mail "
        "address (the privacy notice says six months).",
        int,
    ),
    Setting(
        "APPOINTMENT_KEEP_UNCONFIRMED_DAYS",
        "30",
        "Days after a booking that was never confirmed until `portal appointments purge` deletes "
        "it (the privacy notice says one month).",
        int,
    ),
    Setting(
        "APPOINTMENT_SLOT_MINUTES",
        "10",
        "Minutes of one cell of the appointment grid: appointments start on it, and their "
        "length (the services' minutes times the persons) is rounded up to whole cells.",
        _integer,
    ),
    Setting(
        "APPOINTMENT_HOLD_MINUTES",
        "30",
        "Minutes an anonymous booking is held for the link in its confirmation mail; then it "
        "expires and its time is free again.",
        _integer,
    ),
    Setting(
        "APPOINTMENT_MAX_OPEN",
        "2",
        "Open (held or confirmed, not yet past) appointments one e-mail address, and one citizen "
        "account, may have at once.",
        _integer,
    ),
    Setting(
        "APPOINTMENT_BOOKING_DAYS",
        "60",
        "How many days ahead appointments can be booked.",
        _integer,
    ),
    Setting(
        "APPOINTMENT_BOOKING_RATE_LIMIT",
        "10 per hour",
        "Bookings (and attempts to book) per client address.",
    ),
    Setting(
        "APPOINTMENT_PROOF_KEY",
        "",
        "HMAC key signing the proof-of-work challenges (ALTCHA) anonymous visitors solve before "
        "they see free appointment times. Empty: derived from `SECRET_KEY`.",
    ),
    Setting(
        "APPOINTMENT_PROOF_MINUTES",
        "20",
        "Minutes a proof-of-work challenge may be solved and sent; once solved, the minutes its "
        "browser sees free times. Each challenge counts once, one booking uses it up.",
        _integer,
    ),
    Setting(
        "APPOINTMENT_PROOF_DIFFICULTY",
        "400",
        "Work of the proof of work: the highest counter (each try is 1000 rounds of "
        "PBKDF2-SHA-256; a browser needs half the tries on average).",
        _integer,
    ),
    Setting(
        "APPOINTMENT_EMERGENCY_HOURS",
        "24",
        "Appointments starting within this many hours are emergency slots, offered only to "
        "citizens logged in with the eID at trust level substantial or high; `0`: off.",
        _integer,
    ),
    Setting(
        "FINES_AUTHORITY_ADDRESS",
        "Rathausplatz 1, 12345 Musterstadt",
        "Postal address of the fine authority (Bußgeldstelle), printed on letters.",
    ),
    Setting("FINES_AUTHORITY_PHONE", "01234 5678-0", "Telephone of the fine authority."),
    Setting(
        "UPLOAD_DIR",
        "(instance/uploads)",
        "Where uploaded files are kept: outside the web root, never served without a check.",
    ),
    Setting("UPLOAD_MAX_FILE_BYTES", "10485760", "Largest upload per file (10 MiB).", _integer),
    Setting("UPLOAD_MAX_FILES", "5", "Most files attached to one statement.", _integer),
    Setting(
        "UPLOAD_IMAGE_MAX_MEGAPIXELS",
        "50",
        "Largest picture accepted, in megapixels (width × height), read from its header before "
        "anything is decoded: a 48 MP phone photo fits, a decompression bomb does not.",
        _integer,
    ),
    Setting(
        "UPLOAD_PDF_MAX_PAGES",
        "200",
        "Most pages of an uploaded PDF. PDFs are read with pypdf first; encrypted ones and "
        "ones with JavaScript or embedded files are refused.",
        _integer,
    ),
    Setting(
        "UPLOAD_IMAGE_MAX_PIXELS",
        "2000",
        "Longest side, in pixels, to which the browser scales photos down before they are "
        "stored in a draft or uploaded.",
        _integer,
    ),
    Setting(
        "UPLOAD_STORAGE",
        "local",
        "Where every uploaded file is kept (forms, hearing attachments, evidence photos): "
        "`local` (under `UPLOAD_DIR`) or `s3` (an S3-compatible object store, see `UPLOAD_S3_*`).",
    ),
    Setting("UPLOAD_S3_BUCKET", "", "Bucket of the S3-compatible store (`UPLOAD_STORAGE=s3`)."),
    Setting(
        "UPLOAD_S3_ENDPOINT_URL",
        "",
        "Endpoint of the S3-compatible store, e.g. `https://s3.example.de` (empty: AWS).",
    ),
    Setting("UPLOAD_S3_REGION", "eu-central-1", "Region of the S3-compatible store."),
    Setting("UPLOAD_S3_ACCESS_KEY_ID", "", "Access key of the S3-compatible store."),
    Setting("UPLOAD_S3_SECRET_ACCESS_KEY", "", "Secret key of the S3-compatible store."),
    Setting("UPLOAD_S3_PREFIX", "uploads/", "Prefix of every object the portal writes."),
    Setting(
        "FORM_UPLOAD_MAX_FILES",
        "15",
        "Most files in one online-form submission (each question has its own, lower limit).",
        _integer,
    ),
    Setting(
        "FORM_UPLOAD_MAX_TOTAL_BYTES",
        "31457280",
        "Largest total size of the files in one online-form submission (30 MiB).",
        _integer,
    ),
    Setting(
        "FORM_DRAFT_DAYS",
        "30",
        "Days a draft kept on the server survives without being touched.",
        _integer,
    ),
    Setting(
        "ELECTION_NAME",
        "",
        "The election citizens may apply for a postal vote for (Briefwahl), e.g. "
        "`Bundestagswahl 2029`. Empty (the default): none, and the service says so.",
    ),
    Setting(
        "ELECTION_DATE",
        "",
        "The election day (`YYYY-MM-DD`); needed with `ELECTION_NAME`.",
    ),
    Setting(
        "ELECTION_DEADLINE",
        "",
        "The last moment to apply online, in the city's time (`YYYY-MM-DDTHH:MM`). Empty: "
        "18:00 on the second day before the election (§ 27 Abs. 4 BWO).",
    ),
    Setting(
        "MELDEBESCHEINIGUNG_FEE_CENTS",
        "1000",
        "The fee for a simple certificate of registration (§ 18 Abs. 1 BMG), in cents, from the "
        "city's fee table.",
        _integer,
    ),
    Setting(
        "MELDEBESCHEINIGUNG_EXTENDED_FEE_CENTS",
        "1500",
        "The fee for an extended certificate of registration (§ 18 Abs. 2 BMG), in cents.",
        _integer,
    ),
    Setting(
        "PARKING_ZONES_FILE",
        "",
        "A TOML file with the city's resident parking zones (streets and house-number ranges) "
        "and the annual fee of the permit; empty: the sample in "
        "`server/parkausweis/data/zones.toml`. A wrong file refuses the start.",
    ),
    Setting(
        "START_TILE_ORDER",
        "",
        "The start page's tiles in the city's order: service slugs, comma-separated (e.g. "
        "`bussgeld,termine,zahlungen`); services not named follow in the catalogue's order. "
        "An unknown slug refuses the start.",
    ),
    Setting(
        "SPERRMUELL_FILE",
        "",
        "A TOML file with the bulky waste pickup rules: districts (streets, weekdays, pickups a "
        "day), the volume of each item, the free volume and the fee above it, the days offered "
        "and the cancellation hour; empty: `server/sperrmuell/data/sperrmuell.toml`. A wrong "
        "file refuses the start.",
    ),
    Setting(
        "DOG_TAX_RATES_FILE",
        "",
        "A TOML file with the dog tax per year (first, further, listed dog) and the days until "
        "it is due; empty: `server/hundesteuer/data/rates.toml`. A wrong file refuses the start.",
    ),
    Setting(
        "MAENGEL_DONE_SHOWN_DAYS",
        "30",
        "Days a finished defect report stays in the public list (Mängelmelder), with its answer.",
        _integer,
    ),
    Setting(
        "MAENGEL_PUBLIC_LIST_LIMIT",
        "200",
        "Most reports the public list of defects shows at once (open ones first, newest first).",
        _integer,
    ),
    # Retention (DSGVO Art. 5 (1) e): `portal retention run` daily. A period in years counts
    # from the end of the calendar year of the record's last event, as files are weeded out
    # (and as § 147 Abs. 4 AO counts); docs/operations.md gives the reasons.
    Setting(
        "RETENTION_FINE_CASE_YEARS",
        "3",
        "Years after the end of the year a fine case was decided (paid, discontinued, forwarded, "
        "on to a Bußgeldbescheid) until it goes with its evidence photos, statements and "
        "uploads: a Bußgeldbescheid of up to 1,000 euros can be enforced for three years "
        "(§ 34 Abs. 2 Nr. 2 OWiG). Never while its Verwarnungsgeld has money open.",
        _integer,
    ),
    Setting(
        "RETENTION_HEARING_STATEMENT_YEARS",
        "2",
        "Years after the end of the year a fine case was decided until the hearing's statements "
        "and their attachments go (the case stays, see above): a discontinued case may be taken "
        "up again until the absolute limitation of prosecution, at least two years "
        "(§ 33 Abs. 3 Satz 2 OWiG).",
        _integer,
    ),
    Setting(
        "RETENTION_FORM_SUBMISSION_YEARS",
        "2",
        "Years after the end of the year an online-form submission reached its final status "
        "until it goes with its files: objections and actions against the decision end within "
        "a year at the latest (§ 58 Abs. 2 VwGO). Never while its fee has money open.",
        _integer,
    ),
    Setting(
        "RETENTION_CERTIFICATE_ORDER_YEARS",
        "1",
        "Years after the end of the year a certificate order was sent or refused until it goes "
        "with its files (an ID copy among them): the register is the lasting record, the fee "
        "stays in the journal. Never while its fee has money open.",
        _integer,
    ),
    Setting(
        "RETENTION_AUDIT_YEARS",
        "2",
        "Years after the end of the year an audit-log entry was written until it goes: log "
        "data are deleted at the end of the year after the next in § 76 Abs. 4 BDSG's pattern; "
        "one more year for the audit office, which checks the money decisions after the annual "
        "accounts. The retention job's own entries (counts only) stay.",
        _integer,
    ),
    Setting(
        "RETENTION_JOURNAL_YEARS",
        "10",
        "Years after the end of the year of a receivable's last booking until it goes with its "
        "journal, online payments, refunds and clarifications: books and records are kept ten "
        "years (§ 147 Abs. 3 AO, § 257 Abs. 4 HGB). Less than 10 refuses the start. Never "
        "while money is open, a clarification undecided or a refund on its way.",
        lambda value: _at_least(10, value),
    ),
    Setting(
        "OIDC_ISSUER",
        "",
        "Issuer of the eID identity provider (OpenID Connect); discovery at "
        "`{issuer}/.well-known/openid-configuration`. Empty: no eID login.",
    ),
    Setting(
        "CERTIFICATE_FEE_TABLE",
        "",
        "TOML file with the fees for civil-status certificates (empty: the built-in table, "
        "`server/certificates/data/fees.toml`).",
    ),
    Setting(
        "CERTIFICATE_LOWER_LEVEL_DOCUMENTS",
        "",
        "Document kinds (comma-separated: `geburtsurkunde`, `registerausdruck-geburt`, "
        "`eheurkunde`, `lebenspartnerschaftsurkunde`, `sterbeurkunde`) that citizens may order "
        "online below the trust level high, with e-mail and password and a copy of their ID. "
        "§ 6 Abs. 3 PStV: „Die nach dem Gesetz gegenüber dem Standesamt zugelassenen "
        "elektronischen Anzeige-, Anmelde- und Antragsverfahren müssen dem Vertrauensniveau "
        "‚hoch‘ nach Artikel 8 der Verordnung (EU) Nr. 910/2014 […] entsprechen.“ Empty (the "
        "default) follows the regulation: every online order needs the eID. Naming a kind is a "
        "decision of the city's legal office, and the city's responsibility; an unknown kind "
        "refuses the start.",
        _word_list,
    ),
    Setting(
        "CERTIFICATE_OFFICE_ADDRESS",
        "Rathausplatz 1, 12345 Musterstadt",
        "Postal address of the registry office (Standesamt), printed on the application to "
        "print and post.",
    ),
    Setting("OIDC_CLIENT_ID", "", "The portal's client id at the identity provider."),
    Setting("OIDC_CLIENT_SECRET", "", "The portal's client secret."),
    Setting("OIDC_SCOPES", "openid profile email address", "Scopes asked for."),
    Setting(
        "OIDC_CLAIM_BIRTHDATE",
        "birthdate",
        "Claim with the date of birth (dotted path for nested claims).",
    ),
    Setting(
        "OIDC_CLAIM_ADDRESS",
        "address",
        "Claim with the postal address (OpenID Connect address structure).",
    ),
    Setting("OIDC_ACR_VALUES", "", "`acr_values` to request (space-separated), if any."),
    Setting(
        "OIDC_ACR_LEVELS",
        "urn:eid:low=low,urn:eid:substantial=substantial,urn:eid:high=high",
        "How the provider's `acr` values map to the trust levels low, substantial, high.",
    ),
    Setting(
        "DEV_EID_PROVIDER",
        "(on outside production while `OIDC_ISSUER` is empty)",
        "Serve the development identity provider with test persons under `/dev-eid/`; the eID "
        "login uses it unless `OIDC_ISSUER` is set. Refused in production.",
    ),
    Setting(
        "DEV_EID_DIR",
        "(instance/dev-eid)",
        "Where the development identity provider keeps its signing key, codes and tokens.",
    ),
    # The EUDI wallet login (OpenID4VP 1.0 verifier, server/auth/wallet)
    Setting(
        "WALLET_VERIFIER_CERTIFICATES",
        "",
        "The portal's verifier certificate chain for the EUDI wallet login, leaf first (the "
        "wallet sees it in the request object's `x5c`): PEM text or the path of a PEM file. "
        "Empty: no wallet login.",
    ),
    Setting(
        "WALLET_VERIFIER_KEY",
        "",
        "The private key of the verifier certificate (P-256, unencrypted PEM text or file "
        "path): signs the request objects.",
    ),
    Setting(
        "WALLET_CLIENT_ID_PREFIX",
        "x509_san_dns",
        "How the wallet identifies the portal: `x509_san_dns` (client id is the host of "
        "`PORTAL_BASE_URL`, which the leaf certificate must name as a DNS name) or `x509_hash` "
        "(base64url SHA-256 of the leaf certificate).",
    ),
    Setting(
        "WALLET_TRUSTED_ISSUERS",
        "",
        "Trust anchors of the PID issuers (PEM text or file, several certificates one after "
        "another): only a PID whose issuer certificate chains to one of them is taken. "
        "Required in production, where development certificates are refused.",
    ),
    Setting(
        "WALLET_CLAIMS",
        "given_name,family_name,birthdate,address",
        "What the portal asks the wallet for (only what a login needs): `given_name`, "
        "`family_name`, `birthdate` (always), `address`.",
        _word_list,
    ),
    Setting(
        "WALLET_PID_FORMATS",
        "dc+sd-jwt,mso_mdoc",
        "PID formats the wallet may answer with, in order of preference: `dc+sd-jwt` (SD-JWT "
        "VC), `mso_mdoc` (ISO mdoc, doctype `eu.europa.ec.eudi.pid.1`).",
        _word_list,
    ),
    Setting(
        "WALLET_PID_VCT_VALUES",
        "urn:eudi:pid:de:1,urn:eudi:pid:1",
        "Types (`vct`) of SD-JWT VC PIDs that are taken.",
        _word_list,
    ),
    Setting(
        "WALLET_RESPONSE_MODE",
        "direct_post.jwt",
        "How the wallet answers: `direct_post.jwt` (encrypted to a key of each login, ECDH-ES "
        "with A128GCM or A256GCM) or `direct_post` (in the clear, over TLS).",
    ),
    Setting(
        "WALLET_REGISTRATION_CERTIFICATE",
        "",
        "The registration certificate (a JWT, or the path of a file with it) from the wallet "
        "ecosystem's registrar, sent as `verifier_info` where the ecosystem requires it (the "
        "German EUDI wallet's sandbox). Empty: none sent.",
    ),
    Setting(
        "WALLET_RATE_LIMIT",
        "30 per 5 minutes",
        "Wallet logins started, request objects fetched and answers posted per client address.",
    ),
    Setting(
        "WALLET_TRANSACTION_MINUTES",
        "10",
        "Minutes a wallet login may take from the link or QR code to being logged in; nonce "
        "and state of each login expire with it.",
        _integer,
    ),
    Setting(
        "WALLET_AUTHORIZATION_ENDPOINT",
        "openid4vp://",
        "Where the link and the QR code of the wallet login point: the wallets' URL scheme "
        "(`openid4vp://`, or as the ecosystem prescribes, e.g. `haip-vp://`).",
    ),
    Setting(
        "DEV_WALLET",
        "(on outside production while `WALLET_VERIFIER_CERTIFICATES` is empty)",
        "Serve the development wallet at `/entwicklung/wallet`, which holds the test persons' "
        "PIDs from a development issuer, and let the wallet login use it: a development "
        "verifier certificate, the development issuer as trust anchor and the page as "
        "`WALLET_AUTHORIZATION_ENDPOINT`. Refused in production, and together with "
        "`WALLET_VERIFIER_CERTIFICATES`.",
    ),
    Setting(
        "DEV_WALLET_DIR",
        "(instance/dev-wallet)",
        "Where the development wallet keeps its certificates and keys (issuer, verifier), "
        "created on first start.",
    ),
    Setting(
        "JOB_HEARTBEAT_SECONDS",
        "20",
        "Seconds between a running job's signs of life: its run's row in `job_runs`, and on "
        "PostgreSQL the worker's row in procrastinate's tables.",
        lambda value: _at_least(1, value),
    ),
    Setting(
        "JOB_STALE_SECONDS",
        "120",
        "A run, or on PostgreSQL a worker, silent this long is taken for dead (its process was "
        "killed): the run is marked abgebrochen, the worker's jobs are released, and the job "
        "runs again. At least three heartbeats.",
        lambda value: _at_least(3, value),
    ),
    Setting(
        "MAIL_BACKEND",
        "file",
        "`smtp` to send mail, `file` to write it as .eml files (development).",
    ),
    Setting("MAIL_FILE_DIR", "(instance/mail)", "Where the `file` backend writes mails."),
    Setting("MAIL_FROM", "buergerportal@musterstadt.example", "Sender address of mails."),
    Setting("MAIL_SMTP_HOST", "127.0.0.1", "SMTP server."),
    Setting("MAIL_SMTP_PORT", "25", "SMTP port.", _integer),
    Setting("MAIL_SMTP_STARTTLS", "no", "Use STARTTLS.", _flag),
    Setting("MAIL_SMTP_USER", "", "SMTP user (empty: no login)."),
    Setting("MAIL_SMTP_PASSWORD", "", "SMTP password."),
    Setting(
        "MAIL_RETRY_MINUTES",
        "1,5,15,60",
        "Pauses after the 1st, 2nd, ... failed delivery of a mail; the last one repeats "
        "(0: at the sender's next run).",
        _minute_list,
    ),
    Setting(
        "MAIL_KEEP_DAYS",
        "30",
        "Days after which the retention job blanks a sent mail's recipient, text and attachment "
        "(the row stays, so that a mail that must go once never goes again) and deletes a "
        "failed mail nobody sent again.",
        lambda value: _at_least(1, value),
    ),
    Setting(
        "MAIL_GIVE_UP_HOURS",
        "48",
        "A mail the mail server has not taken this long after it was queued is marked failed "
        "and shown to admins (Postausgang), who may send it again.",
        lambda value: _at_least(1, value),
    ),
    Setting(
        "XBEZAHLDIENSTE_BASE_URL",
        "",
        "Base URL of the XBezahldienste platform; the standard's paths "
        "(`paymenttransaction/...`) are appended.",
    ),
    Setting(
        "XBEZAHLDIENSTE_ORIGINATOR_ID",
        "",
        "`originatorId`: the online service as the platform knows it.",
    ),
    Setting(
        "XBEZAHLDIENSTE_ENDPOINT_ID", "", "`endPointId`: the authority, e.g. its municipality key."
    ),
    Setting("XBEZAHLDIENSTE_AUTH", "oauth2", "`oauth2` (client credentials) or `basic`."),
    Setting(
        "XBEZAHLDIENSTE_TOKEN_URL", "", "OAuth2 token endpoint (default: `{base}oauth/token`)."
    ),
    Setting("XBEZAHLDIENSTE_CLIENT_ID", "", "Client id at the platform."),
    Setting("XBEZAHLDIENSTE_CLIENT_SECRET", "", "Client secret at the platform."),
    Setting(
        "XBEZAHLDIENSTE_NOTIFY_SECRET",
        "",
        "HMAC-SHA256 key of the platform's notifications, if it sends any (not part of the "
        "standard); without it the portal relies on the return page and polling.",
    ),
    Setting(
        "XBEZAHLDIENSTE_TIMEOUT_SECONDS",
        "10",
        "How long the portal waits for each answer of the platform; then the citizen is told "
        "it is not reachable (a payment it created meanwhile is never shown, and the poll job "
        "settles one that was paid).",
        lambda value: _at_least(1, value),
    ),
    Setting(
        "SANDBOX_PAYMENTS",
        "(on outside production)",
        "Serve the sandbox payment platform under `/sandbox-zahlung/`. Refused in production.",
    ),
    Setting(
        "SANDBOX_CLIENT_SECRET",
        "sandbox-client-secret",
        "Client secret the portal uses at the sandbox platform.",
    ),
    Setting(
        "SANDBOX_NOTIFY_SECRET",
        "sandbox-notification-secret",
        "HMAC-SHA256 key of the sandbox platform's notifications.",
    ),
    Setting(
        "SANDBOX_NOTIFY_DELAY_SECONDS",
        "2",
        "Largest delay of a sandbox notification (they may also be duplicated and reordered).",
        float,
    ),
)

_COMPUTED = {
    "PORTAL_ENV",
    "SECRET_KEY",
    "INSTANCE_DIR",
    "DATABASE_URL",
    "SANDBOX_PAYMENTS",
    "UPLOAD_DIR",
    "MAIL_FILE_DIR",
    "DEV_MAIL_PAGE",
    "DEV_EID_PROVIDER",
    "DEV_EID_DIR",
    "DEV_WALLET",
    "DEV_WALLET_DIR",
    "CLERK_TOTP_KEY",
}

# Only for development and tests, where SECRET_KEY is random per process: the demo server and
# `portal clerks code` in another terminal must read the same TOTP secrets.
DEVELOPMENT_TOTP_KEY = "development only: not secret"


def _env(name: str, environ: dict[str, str]) -> str | None:
    value = environ.get(name)
    return value if value not in (None, "") else None


def _check_job_timing(config: dict[str, Any]) -> None:
    # A run whose heartbeat is merely late must not be taken for dead.
    if config["JOB_STALE_SECONDS"] < 3 * config["JOB_HEARTBEAT_SECONDS"]:
        raise ConfigurationError("JOB_STALE_SECONDS must be at least three JOB_HEARTBEAT_SECONDS")


def load_config(
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    instance_path: Path | None = None,
) -> dict[str, Any]:
    """Build the Flask config from the environment, then apply ``overrides`` (tests)."""
    env = dict(os.environ if environ is None else environ)
    overrides = dict(overrides or {})
    instance = Path(
        overrides.get("INSTANCE_DIR")
        or _env("INSTANCE_DIR", env)
        or instance_path
        or instance_folders.default_instance_dir()
    ).absolute()

    portal_env = overrides.get("PORTAL_ENV") or _env("PORTAL_ENV", env) or "development"
    if portal_env not in ("development", "production", "testing"):
        raise ConfigurationError(
            f"PORTAL_ENV must be development, production or testing, not {portal_env!r}"
        )
    database_url = str(
        overrides.get("DATABASE_URL")
        or _env("DATABASE_URL", env)
        or instance_folders.default_database_url(instance)
    )
    # Where this database's files go unless their own settings say otherwise (server/instance.py).
    files = instance_folders.files_dir(
        instance, database_url, production=portal_env == "production"
    )

    secret_key = overrides.get("SECRET_KEY") or _env("SECRET_KEY", env)
    totp_key = _env("CLERK_TOTP_KEY", env) or secret_key or DEVELOPMENT_TOTP_KEY
    if not secret_key:
        if portal_env == "production":
            raise ConfigurationError("SECRET_KEY must be set in production")
        secret_key = os.urandom(32).hex()

    config: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in _COMPUTED:
            continue
        raw = _env(setting.name, env)
        try:
            config[setting.name] = setting.parse(raw if raw is not None else setting.default)
        except ValueError as error:
            raise ConfigurationError(f"{setting.name}: {error}") from error

    _check_job_timing(config)
    config["UPLOAD_DIR"] = _env("UPLOAD_DIR", env) or str(files / "uploads")
    config["MAIL_FILE_DIR"] = _env("MAIL_FILE_DIR", env) or str(files / "mail")
    sandbox = _env("SANDBOX_PAYMENTS", env)
    config["SANDBOX_PAYMENTS"] = (
        _flag(sandbox) if sandbox is not None else portal_env != "production"
    )
    if portal_env == "production" and (
        config["SANDBOX_PAYMENTS"] or config["PAYMENT_PROVIDER"] == "sandbox"
    ):
        raise ConfigurationError(
            "the sandbox payment platform is refused in production: set PAYMENT_PROVIDER"
        )

    dev_mail = _env("DEV_MAIL_PAGE", env)
    config["DEV_MAIL_PAGE"] = (
        _flag(dev_mail) if dev_mail is not None else portal_env != "production"
    )
    if portal_env == "production" and config["DEV_MAIL_PAGE"]:
        raise ConfigurationError("the development mail page is refused in production")

    base_url = str(overrides.get("PORTAL_BASE_URL") or config["PORTAL_BASE_URL"]).rstrip("/")
    secure = base_url.startswith("https://")
    config.update(
        {
            "PORTAL_ENV": portal_env,
            "SECRET_KEY": secret_key,
            "CLERK_TOTP_KEY": totp_key,
            "INSTANCE_DIR": str(instance),
            "DATABASE_URL": database_url,
            # This database's files (server/instance.py); the demo writes its letters there.
            "DATABASE_FILES_DIR": str(files),
            "PORTAL_BASE_URL": base_url,
            "RATELIMIT_HEADERS_ENABLED": True,
            # A __Host- cookie must be Secure, have Path=/ and no Domain: only possible over HTTPS.
            "SESSION_COOKIE_NAME": "__Host-portal_session" if secure else "portal_session",
            "SESSION_COOKIE_SECURE": secure,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "PREFERRED_URL_SCHEME": "https" if secure else "http",
            "BABEL_DEFAULT_LOCALE": "de",
            "LANGUAGES": ("de", "en"),
            "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
            # Checked by ``server.security.check_csrf`` for the methods that change something
            # (Flask-WTF's own hook looks for exemptions first, on every GET as well).
            "WTF_CSRF_CHECK_DEFAULT": False,
            # Static text only: HTML carries CSRF tokens and personal data, and compressing secrets
            # next to attacker-chosen text invites BREACH. A proxy must follow the same rule.
            "COMPRESS_MIMETYPES": [
                "text/css",
                "text/javascript",
                "application/javascript",
                "application/json",
                "application/manifest+json",
                "image/svg+xml",
            ],
            "COMPRESS_ALGORITHM": ["br", "gzip"],
            "COMPRESS_REGISTER": False,  # server.assets.init_compression hooks it in
            "TESTING": portal_env == "testing",
        }
    )
    config.update(overrides)
    _rate_limits(config)
    if not isinstance(config["TRUSTED_PROXIES"], TrustedProxies):  # an override as written
        try:
            config["TRUSTED_PROXIES"] = parse_trusted_proxies(str(config["TRUSTED_PROXIES"]))
        except ValueError as error:
            raise ConfigurationError(f"TRUSTED_PROXIES: {error}") from error
    try:
        # Pages (Flask-Babel's filters) show the same time as letters and PDFs.
        config["BABEL_DEFAULT_TIMEZONE"] = _time_zone(str(config["CITY_TIMEZONE"]))
    except ValueError as error:
        raise ConfigurationError(f"CITY_TIMEZONE: {error}") from error
    config["DEV_EID_DIR"] = str(
        overrides.get("DEV_EID_DIR") or _env("DEV_EID_DIR", env) or files / "dev-eid"
    )
    _development_identity_provider(config, overrides, env)
    config["DEV_WALLET_DIR"] = str(
        overrides.get("DEV_WALLET_DIR") or _env("DEV_WALLET_DIR", env) or files / "dev-wallet"
    )
    _development_wallet(config, overrides, env)
    _wallet_login(config)
    return config


def _rate_limits(config: dict[str, Any]) -> None:
    """After the overrides: tests set the storage and the groups as written."""
    if isinstance(config["RATELIMIT_FAIL_CLOSED"], str):
        try:
            config["RATELIMIT_FAIL_CLOSED"] = _rate_limit_groups(config["RATELIMIT_FAIL_CLOSED"])
        except ValueError as error:
            raise ConfigurationError(f"RATELIMIT_FAIL_CLOSED: {error}") from error
    config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS",
        _rate_limit_storage_options(str(config["RATELIMIT_STORAGE_URI"])),
    )


def _development_identity_provider(
    config: dict[str, Any], overrides: dict[str, Any], env: dict[str, str]
) -> None:
    """On by default where nothing else can log citizens in: outside production and without a
    configured provider. Decided after the overrides, because tests configure ``OIDC_ISSUER``."""
    if "DEV_EID_PROVIDER" in overrides:
        enabled = bool(overrides["DEV_EID_PROVIDER"])
    else:
        raw = _env("DEV_EID_PROVIDER", env)
        try:
            enabled = (
                _flag(raw)
                if raw is not None
                else config["PORTAL_ENV"] != "production" and not config["OIDC_ISSUER"]
            )
        except ValueError as error:
            raise ConfigurationError(f"DEV_EID_PROVIDER: {error}") from error
    if enabled and config["PORTAL_ENV"] == "production":
        raise ConfigurationError(
            "the development identity provider (DEV_EID_PROVIDER) is refused in production: "
            "set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET instead"
        )
    config["DEV_EID_PROVIDER"] = enabled


def _development_wallet(
    config: dict[str, Any], overrides: dict[str, Any], env: dict[str, str]
) -> None:
    """Like the development identity provider: on by default outside production while no
    verifier certificate is configured. It brings its own verifier certificate, so a configured
    one and the development wallet exclude each other."""
    if "DEV_WALLET" in overrides:
        enabled = bool(overrides["DEV_WALLET"])
    else:
        raw = _env("DEV_WALLET", env)
        try:
            enabled = (
                _flag(raw)
                if raw is not None
                else config["PORTAL_ENV"] != "production"
                and not config["WALLET_VERIFIER_CERTIFICATES"]
            )
        except ValueError as error:
            raise ConfigurationError(f"DEV_WALLET: {error}") from error
    if enabled and config["PORTAL_ENV"] == "production":
        raise ConfigurationError(
            "the development wallet (DEV_WALLET) is refused in production: set "
            "WALLET_VERIFIER_CERTIFICATES, WALLET_VERIFIER_KEY and WALLET_TRUSTED_ISSUERS instead"
        )
    if enabled and config["WALLET_VERIFIER_CERTIFICATES"]:
        raise ConfigurationError(
            "DEV_WALLET brings its own verifier certificate: leave WALLET_VERIFIER_CERTIFICATES "
            "empty for it, or set DEV_WALLET=no"
        )
    config["DEV_WALLET"] = enabled


def _wallet_login(config: dict[str, Any]) -> None:
    """The wallet login in production needs HTTPS and real trust anchors (the certificates
    themselves are checked when the wallet area starts, ``server.auth.wallet.settings``)."""
    if config["PORTAL_ENV"] != "production" or not config["WALLET_VERIFIER_CERTIFICATES"]:
        return
    if not str(config["PORTAL_BASE_URL"]).startswith("https://"):
        raise ConfigurationError(
            "the wallet login needs PORTAL_BASE_URL with https:// in production"
        )
    if not config["WALLET_TRUSTED_ISSUERS"]:
        raise ConfigurationError("the wallet login needs WALLET_TRUSTED_ISSUERS in production")


def settings_table() -> str:
    """The README's configuration table (``python -m server.config`` prints it)."""
    lines = ["| setting | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        default = setting.default
        shown = default[1:-1] if default.startswith("(") else f"`{default}`" if default else "empty"
        lines.append(f"| `{setting.name}` | {shown} | {setting.meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(settings_table())
