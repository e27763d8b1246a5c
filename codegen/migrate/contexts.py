"""Liquibase context expressions (``pub``, ``!code-review``, ``a and b``, ``a, b``, parentheses) and the
rule deciding whether a changeset runs for the contexts given on the command line.

Runtime contexts are a comma-separated list. Plain names enable contexts (Liquibase semantics: a changeset
with an expression runs only when it is true for the enabled names; one without an expression always
runs). Names written ``!name`` exclude a context, an extension of ours for "everything but": with only
exclusions, a changeset is skipped when its expression cannot be true without an excluded context
(``--contexts '!pub'`` skips ``context="pub"`` but still runs ``!code-review`` or ``pub, sub``).
No runtime contexts at all: every changeset runs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

Env = Callable[[str], bool]
Expr = Callable[[Env], bool]

_TOKEN = re.compile(r"\s*(\(|\)|,|!|[^\s(),!]+)")


class ContextSyntaxError(ValueError):
    pass


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ContextSyntaxError(f"cannot read context expression {text!r}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


class _Parser:
    """comma (or) < ``or`` < ``and`` < ``not``/``!`` < name / parentheses."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.names: set[str] = set()
        self.position = 0

    def parse(self) -> Expr:
        expr = self._list()
        if self.position != len(self.tokens):
            raise ContextSyntaxError(f"unexpected {self.tokens[self.position]!r} in context {self.text!r}")
        return expr

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise ContextSyntaxError(f"context expression {self.text!r} ends too early")
        self.position += 1
        return token

    def _binary(
        self, operator: str, operand: Callable[[], Expr], combine: Callable[[bool, bool], bool]
    ) -> Expr:
        expr = operand()
        while (token := self._peek()) is not None and token.lower() == operator:
            self._take()
            left, right = expr, operand()
            expr = (lambda a, b: lambda env: combine(a(env), b(env)))(left, right)
        return expr

    def _list(self) -> Expr:
        return self._binary(",", self._or, lambda a, b: a or b)

    def _or(self) -> Expr:
        return self._binary("or", self._and, lambda a, b: a or b)

    def _and(self) -> Expr:
        return self._binary("and", self._not, lambda a, b: a and b)

    def _not(self) -> Expr:
        token = self._peek()
        if token is not None and token.lower() in ("!", "not"):
            self._take()
            inner = self._not()
            return lambda env: not inner(env)
        return self._atom()

    def _atom(self) -> Expr:
        token = self._take()
        if token == "(":  # noqa: S105 -- a parenthesis, not a password
            expr = self._list()
            if self._take() != ")":
                raise ContextSyntaxError(f"missing ')' in context {self.text!r}")
            return expr
        if token in (")", ",") or token.lower() in ("and", "or"):
            raise ContextSyntaxError(f"unexpected {token!r} in context {self.text!r}")
        name = token.lower()
        self.names.add(name)
        return lambda env: env(name)


@dataclass(frozen=True, slots=True)
class ContextExpression:
    text: str
    names: frozenset[str]
    _expr: Expr

    @classmethod
    def parse(cls, text: str) -> ContextExpression:
        parser = _Parser(text)
        expr = parser.parse()
        return cls(text, frozenset(parser.names), expr)

    def evaluate(self, enabled: frozenset[str]) -> bool:
        return self._expr(lambda name: name in enabled)

    def satisfiable_without(self, excluded: frozenset[str]) -> bool:
        """Whether some choice of the other contexts makes it true while the excluded ones are off."""
        free = sorted(self.names - excluded)
        if len(free) > 12:  # absurdly long expressions: be permissive rather than slow
            return True
        for values in itertools.product((False, True), repeat=len(free)):
            on = frozenset(name for name, value in zip(free, values, strict=True) if value)
            if self.evaluate(on):
                return True
        return False


@dataclass(frozen=True, slots=True)
class RuntimeContexts:
    enabled: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str | None) -> RuntimeContexts:
        enabled: set[str] = set()
        excluded: set[str] = set()
        for item in (text or "").split(","):
            name = item.strip().lower()
            if not name:
                continue
            if name.startswith("!"):
                excluded.add(name[1:].strip())
            else:
                enabled.add(name)
        return cls(frozenset(enabled), frozenset(excluded))

    @property
    def empty(self) -> bool:
        return not self.enabled and not self.excluded

    def __str__(self) -> str:
        return ",".join([*sorted(self.enabled), *(f"!{n}" for n in sorted(self.excluded))])

    def allows(self, changeset_contexts: str | None) -> bool:
        if self.empty or not changeset_contexts or not changeset_contexts.strip():
            return True
        expression = ContextExpression.parse(changeset_contexts)
        if self.enabled:
            return expression.evaluate(self.enabled - self.excluded)
        return expression.satisfiable_without(self.excluded)
