r"""JSON paths to drop from a document: a small syntax, matched while the document is walked.

Syntax (a subset of the JSONPath people already write, without filters or code)::

    steps[*].attributes.http.request.header.authorization
    steps[0].result.customer.ssn
    **.attributes["http.request.header.cookie"]
    input.messages[*].metadata.*

* ``name`` - an object key; ``.`` separates keys.
* ``[N]`` - list index N; ``[*]`` and ``*`` - any one key or index; ``**`` - any number of levels.
* ``["a.b"]`` or ``['a.b']`` - one key, taken whole, dots included.

Attribute names contain dots (``http.request.header.authorization``) and traces store them both flat (one
key with dots) and nested (one object per segment), so an unquoted dotted run also matches one key that
holds the dots: ``attributes.http.request.header.authorization`` finds the value in
``{"attributes": {"http.request.header.authorization": ...}}`` and in
``{"attributes": {"http": {"request": {"header": {"authorization": ...}}}}}``.

Matching runs as a small NFA: a set of (path, position) states moves one step per object key or list
index, so every path is matched in the same single walk and a subtree no path can reach is walked without
any path bookkeeping at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import ConfigError

__all__ = ["PathSet", "parse_path"]

KEY, QKEY, INDEX, ANY, DEEP = range(5)
Token = tuple[int, str | int | None]
State = tuple[int, int]  # (path number, position in its tokens)

_TOKEN = re.compile(
    r"""\[\s*(?P<index>\d+|\*)\s*\]|\[\s*(?P<quoted>"(?:[^"\\]|\\.)*"|'[^']*')\s*\]|(?P<name>[^.\[\]]+)|(?P<dot>\.)"""
)


def parse_path(text: str, *, where: str = "path") -> tuple[Token, ...]:
    """Parse one path; a syntax error raises :class:`ConfigError` naming ``where`` and the place."""
    if not text or text.strip() != text:
        raise ConfigError(f"{where}: {text!r} is not a path (empty, or spaces around it)")
    tokens: list[Token] = []
    pos = 0
    need_name = True  # at the start and after a dot, a name or a bracket must follow
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ConfigError(f"{where}: cannot parse {text!r} at character {pos + 1} ({text[pos]!r})")
        if match.group("dot"):
            if need_name:
                raise ConfigError(f"{where}: empty key in {text!r} at character {pos + 1}")
            need_name = True
        elif match.group("name") is not None:
            if not need_name:
                raise ConfigError(f"{where}: missing '.' before {match.group('name')!r} in {text!r}")
            name = match.group("name")
            tokens.append((DEEP, None) if name == "**" else (ANY, None) if name == "*" else (KEY, name))
            need_name = False
        elif match.group("index") is not None:
            index = match.group("index")
            tokens.append((ANY, None) if index == "*" else (INDEX, int(index)))
            need_name = False
        else:
            quoted = match.group("quoted")
            key = re.sub(r"\\(.)", r"\1", quoted[1:-1]) if quoted[0] == '"' else quoted[1:-1]
            tokens.append((QKEY, key))
            need_name = False
        pos = match.end()
    if need_name:
        raise ConfigError(f"{where}: {text!r} ends with '.'")
    if tokens[-1][0] == DEEP:
        raise ConfigError(f"{where}: {text!r} ends with '**', which would drop everything below")
    return tuple(tokens)


@dataclass
class PathSet:
    """Several parsed paths; :meth:`step` follows one key or index from a set of states."""

    paths: tuple[tuple[Token, ...], ...]
    origins: tuple[str, ...]  # what each path came from, e.g. "drop_paths" or "drop_attributes"
    _cache: dict[tuple[frozenset[State], str | int], tuple[frozenset[State], int]] = field(
        default_factory=dict, repr=False
    )

    def start(self) -> frozenset[State]:
        return self._closure({(n, 0) for n in range(len(self.paths))})

    def _closure(self, states: set[State]) -> frozenset[State]:
        """Add the states a ``**`` reaches by matching zero levels."""
        todo = list(states)
        while todo:
            number, position = todo.pop()
            tokens = self.paths[number]
            if (
                position < len(tokens)
                and tokens[position][0] == DEEP
                and (number, position + 1) not in states
            ):
                states.add((number, position + 1))
                todo.append((number, position + 1))
        return frozenset(states)

    def step(self, states: frozenset[State], key: str | int) -> tuple[frozenset[State], int]:
        """States after descending into ``key``, and the number of the path it completes (-1 if none)."""
        cache_key = (states, key)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        following: set[State] = set()
        done = -1
        for number, position in states:
            tokens = self.paths[number]
            if position >= len(tokens):
                continue
            for advance in self._advances(tokens, position, key):
                if advance == len(tokens):
                    done = number if done < 0 else min(done, number)
                else:
                    following.add((number, advance))
            if tokens[position][0] == DEEP:
                following.add((number, position))
        result = (self._closure(following) if following else frozenset(), done)
        if len(self._cache) < 4096:
            self._cache[cache_key] = result
        return result

    @staticmethod
    def _advances(tokens: tuple[Token, ...], position: int, key: str | int) -> list[int]:
        kind, value = tokens[position]
        if kind == ANY:
            return [position + 1]
        if kind == INDEX:
            return [position + 1] if key == value and isinstance(key, int) else []
        if kind == QKEY or not isinstance(key, str):
            return [position + 1] if key == value else []
        if kind != KEY:
            return []
        if key == value:
            return [position + 1]
        # a key holding dots matches a run of unquoted names: "a.b.c" against tokens a, b, c
        if "." in key and isinstance(value, str) and key.startswith(value + "."):
            parts = key.split(".")
            end = position + len(parts)
            if end <= len(tokens) and all(
                tokens[position + i] == (KEY, part) for i, part in enumerate(parts)
            ):
                return [end]
        return []
