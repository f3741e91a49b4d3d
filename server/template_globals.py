"""The portal's Jinja environment: Flask's, with template globals that answer quickly which
names they hold, and templates loaded in the language in force.

Jinja gives every template its globals as a ``ChainMap`` over the environment's, and on every
``{% from ... import ... %}`` subtracts the imported template's global names from the
importing one's, to see whether the imported module must be made anew. A ``ChainMap`` answers
each name in Python (about 24 µs an import, six imports on the fine case page: issue 17); a
dictionary's key view answers in C. The names are read when asked, so the map still follows
the environment's globals; Jinja asks that they are not changed once templates are loaded, and
the portal sets them all while the app is made.

A template asked of the app's environment (``render_template``) comes from the environment of
the language in force, if ``server.i18n`` names one (``language_environment``): there its fixed
texts are translated once, at compiling (``server.folded_texts``).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Iterable, KeysView, MutableMapping
from typing import Any

from flask.templating import Environment
from jinja2 import Environment as JinjaEnvironment
from jinja2 import Template


class TemplateGlobals(ChainMap[str, Any]):
    def keys(self) -> KeysView[str]:
        names: dict[str, None] = {}
        for mapping in self.maps:
            names.update(dict.fromkeys(mapping))
        return names.keys()


class PortalEnvironment(Environment):
    # What gives the environment that loads templates in the language in force, one with its
    # fixed texts translated at compiling (set by ``server.i18n``, see ``server.folded_texts``),
    # or None outside an app's context; None in that environment itself.
    language_environment: Callable[[JinjaEnvironment], JinjaEnvironment | None] | None = None

    def get_template(
        self,
        name: str | Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,  # Jinja's name
    ) -> Template:
        chosen = self._chosen()
        if chosen is not None:
            return chosen.get_template(name, parent, globals)
        return super().get_template(name, parent, globals)

    def select_template(
        self,
        names: Iterable[str | Template],
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,  # Jinja's name
    ) -> Template:
        chosen = self._chosen()
        if chosen is not None:
            return chosen.select_template(names, parent, globals)
        return super().select_template(names, parent, globals)

    def _chosen(self) -> JinjaEnvironment | None:
        choose = self.language_environment
        return None if choose is None else choose(self)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return TemplateGlobals({} if d is None else d, self.globals)
