"""The templates' fixed texts translated once, when a template is compiled, instead of at every
showing: a fine case page asks ``_("…")`` for some thirty texts without values, a tenth of its
rendering (issue 17).

Each catalogue (each locale) gets a Jinja environment of its own, an overlay of the app's that
shares its loader, globals and filters (``folded_environment``); the app's environment hands a
template request to the one of the language in force (``PortalEnvironment``, chosen in
``server.i18n``). In such an environment every ``_("text")`` or ``gettext("text")`` with nothing
but one string in its parentheses becomes that string's translation, a constant that Jinja writes
into the compiled template's output.

Folded is only what reads the same either way. In an autoescaped template ``_()`` gives Markup,
the constant is a plain string that Jinja escapes: the two print alike only for a translation
without ``& < > " '``. A ``%`` is left to ``_()`` too, which formats the text. Everything else
(texts with values, ``ngettext``, ``{% trans %}`` blocks) is looked up at rendering as before, and
the app's own environment (``from_string``, templates outside an app's context) folds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from babel.support import NullTranslations
from jinja2 import Environment
from jinja2.ext import Extension
from jinja2.lexer import (
    TOKEN_DOT,
    TOKEN_LPAREN,
    TOKEN_NAME,
    TOKEN_RPAREN,
    TOKEN_STRING,
    Token,
    TokenStream,
)

# The names the templates translate with (server.i18n installs both).
TEXT_FUNCTIONS = frozenset({"_", "gettext"})
# A translation with one of these is asked at rendering (see the module's docstring).
_NOT_FOLDED = frozenset("&<>\"'%")
# Each language's environment keeps every template it compiled, in a plain dictionary (Jinja's
# ``cache_size=-1``): they are the template files, some 120, all compiled when the server starts
# (server.warm_start). Jinja's default, an LRU of 400, moves the template to the end of a queue
# on every look-up by searching the queue for it: with all templates in it, 4 % of a fine case
# page's time (six look-ups a page, one per ``{% from ... import %}``), and it never evicts.
TEMPLATES_KEPT = -1
# The attribute of a language's environment that holds its catalogue and its locale's name.
CATALOGUE = "folded_catalogue"
LOCALE = "folded_locale"

_CALL = (TOKEN_NAME, TOKEN_LPAREN, TOKEN_STRING, TOKEN_RPAREN)


def folded_environment(
    app_environment: Environment, locale: str, catalogue: NullTranslations
) -> Environment:
    """An environment for the templates of ``locale``, whose texts come from ``catalogue``."""
    environment = app_environment.overlay(extensions=[FoldedTexts], cache_size=TEMPLATES_KEPT)
    setattr(environment, CATALOGUE, catalogue)
    setattr(environment, LOCALE, locale)
    return environment


class FoldedTexts(Extension):
    def filter_stream(self, stream: TokenStream) -> TokenStream | Iterable[Token]:
        catalogue: NullTranslations | None = getattr(self.environment, CATALOGUE, None)
        if catalogue is None:
            return stream
        return _folded(stream, catalogue)


def _folded(tokens: Iterable[Token], catalogue: NullTranslations) -> Iterator[Token]:
    pending: list[Token] = []
    before: str | None = None  # the type of the last token passed on
    for token in tokens:
        pending.append(token)
        while pending:
            text = _fold(pending, before, catalogue)
            if text is _MORE:
                break
            if isinstance(text, str):
                yield Token(pending[0].lineno, TOKEN_STRING, text)
                before = TOKEN_STRING
                pending.clear()
                break
            passed = pending.pop(0)
            before = passed.type
            yield passed
    yield from pending


_MORE = object()  # the tokens so far may still begin a foldable call


def _fold(pending: list[Token], before: str | None, catalogue: NullTranslations) -> object:
    """The translation ``pending`` folds into, ``_MORE``, or None when it folds into nothing."""
    for token, expected in zip(pending, _CALL, strict=False):
        if token.type != expected:
            return None
    first = pending[0]
    if first.value not in TEXT_FUNCTIONS or before == TOKEN_DOT:  # an attribute ``x._(…)``
        return None
    if len(pending) < len(_CALL):
        return _MORE
    text = catalogue.ugettext(pending[2].value)
    return None if _NOT_FOLDED.intersection(text) else text
