"""Three costs every test would pay without being about them, taken off for the whole run
(``tests/conftest.py`` applies them). None changes what a test sees.

- **Password hashes.** Argon2id at production cost (RFC 9106: 64 MiB, three passes) takes about
  a quarter of a second per hash and per check on CI's machine; hundreds of tests register
  citizens, make clerks and log them in. The hashes here are Argon2id at its cheapest: the same
  algorithm and encoding, so every path (verify, wrong password, unknown user, rehash check)
  runs as in production.
- **URL rules.** Each test builds its own app, and Werkzeug compiles every URL rule's builder
  with ``compile()`` for each app: 90 % of ``create_app``'s ~100 ms, some two thousand times a
  run. A builder depends only on the rule's parsed parts and defaults, so the same rule in the
  next app reuses the function compiled for the first (each app still binds it to its own
  rule object). Should Werkzeug change the private method, the shortcut is left out and the
  tests only run slower.
- **Templates.** Each app has its own Jinja environment, which parses and compiles every
  template it renders: about a third of a page-heavy test's time. The environments of one run
  are configured alike, so the compiled code of a template is kept across them (a Jinja
  bytecode cache in memory, keyed by the template, its source's checksum and the
  environment's settings that change the compiled code); each environment still builds its own
  template objects with its own globals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.routing.rules import Rule

from server.auth import passwords
from server.folded_texts import LOCALE

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@contextmanager
def cheap_password_hashes() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", CHEAP_HASHER)
        patch.setattr(passwords, "_DUMMY_HASH", CHEAP_HASHER.hash("not-a-real-password"))
        yield


@contextmanager
def url_rules_compiled_once() -> Iterator[None]:
    compile_builder: Callable[..., Any] | None = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:
        yield
        return
    compiled: dict[tuple[object, ...], Any] = {}

    def cached(rule: Rule, append_unknown: bool = True) -> Any:
        key = (
            rule.rule,
            tuple(rule._trace),
            repr(sorted((rule.defaults or {}).items())),
            tuple(sorted((name, type(c)) for name, c in rule._converters.items())),
            append_unknown,
        )
        found = compiled.get(key)
        if found is None:
            found = compiled[key] = compile_builder(rule, append_unknown)
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", cached)
        yield


class _SharedBytecode(BytecodeCache):
    """Compiled templates in memory, shared by every environment configured the same way."""

    def __init__(self) -> None:
        self.compiled: dict[tuple[object, ...], tuple[str, Any]] = {}

    @staticmethod
    def _key(bucket: Bucket) -> tuple[object, ...]:
        environment: Environment = bucket.environment
        return (
            bucket.key,
            tuple(sorted(environment.extensions)),
            getattr(environment, "newstyle_gettext", None),
            repr(environment.autoescape),
            environment.block_start_string,
            environment.variable_start_string,
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.optimized,
            environment.is_async,
            environment.finalize is None,
            # A language's environment compiles its fixed texts translated (folded_texts).
            getattr(environment, LOCALE, None),
        )

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self.compiled.get(self._key(bucket))
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[self._key(bucket)] = (bucket.checksum, bucket.code)


@contextmanager
def templates_compiled_once() -> Iterator[None]:
    shared = _SharedBytecode()
    create_environment = Flask.create_jinja_environment

    def with_shared_bytecode(app: Flask) -> Any:
        environment = create_environment(app)
        environment.bytecode_cache = shared
        return environment

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Flask, "create_jinja_environment", with_shared_bytecode)
        yield
