# Flask-Babel 4 annotates part of its source but ships no py.typed marker. These are its
# signatures for the names the portal imports.
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, time, tzinfo
from decimal import Decimal

from babel import Locale
from babel.support import NullTranslations
from flask import Flask
from flask_babel.speaklater import LazyString as LazyString

class Babel:
    def __init__(
        self,
        app: Flask | None = None,
        date_formats: dict[str, str | None] | None = None,
        configure_jinja: bool = True,
    ) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = "en",
        default_domain: str = "messages",
        default_translation_directories: str = "translations",
        default_timezone: str = "UTC",
        locale_selector: Callable[[], str | Locale | None] | None = None,
        timezone_selector: Callable[[], str | None] | None = None,
    ) -> None: ...
    domain_instance: Domain

class Domain:
    def __init__(
        self, translation_directories: str | list[str] | None = None, domain: str = "messages"
    ) -> None: ...
    def get_translations(self) -> NullTranslations: ...

def get_locale() -> Locale | None: ...
def get_translations() -> NullTranslations: ...
def force_locale(locale: str | Locale) -> AbstractContextManager[None]: ...
def format_decimal(number: float | Decimal | str, format: str | None = None) -> str: ...
def format_datetime(
    datetime: datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_date(
    date: date | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_time(
    time: time | datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def get_timezone() -> tzinfo | None: ...
def gettext(string: str, /, **variables: object) -> str: ...
def ngettext(singular: str, plural: str, num: int, /, **variables: object) -> str: ...
def lazy_gettext(string: str, /, **variables: object) -> LazyString: ...
