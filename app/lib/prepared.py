"""Querysets compiled to SQL once, then run again with other argument values.

Turning a queryset into SQL (resolving lookups, joins, expressions, quoting)
costs Django 0.3 to 1 ms, which for the small queries of a hot page is more than
the database takes to answer them: the claim page's six queries spent about
half their CPU time being compiled. ``PreparedQuery`` compiles the queryset
once per thread and database connection, with sentinel arguments, remembers
where the sentinels landed among the SQL parameters, and then only swaps the
parameters, executes, and applies the ORM's own converters to the rows (aware
datetimes, decimals, JSON), so the rows are exactly what ``values_list()``
returns. Only for querysets whose SQL does not depend on the argument values
(no ``__in`` lists: a list of ids goes in as one text parameter instead, through
`in_ids` and `ids_text`); tests/lib/test_prepared.py compares both paths.

On PostgreSQL with the session in UTC (Django's own setting with ``USE_TZ``), the rows'
``timestamptz`` columns are read by psycopg's compiled loader instead of Django's Python
subclass of it (``BaseTzLoader``, which parses each value in Python, about 5 µs): both
give the same datetimes, aware in ``datetime.timezone.utc``. A claim page reads about
150 of them; that was a quarter of its queries' CPU time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any, cast

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

try:  # psycopg's compiled loaders (the psycopg-binary package)
    from psycopg.postgres import types as _pg_types
    from psycopg_binary._psycopg import (  # type: ignore[attr-defined]
        TimestamptzLoader as _CompiledTzLoader,
    )
except ImportError:  # pragma: no cover (SQLite only, or psycopg without its C part)
    _CompiledTzLoader = None
else:
    _TIMESTAMPTZ_OID = _pg_types["timestamptz"].oid


def _sentinel(index: int, sample: object) -> object:
    if isinstance(sample, bool):
        raise TypeError("booleans cannot be told apart among the parameters")
    if isinstance(sample, int):
        return -7_301_234_567 - index
    if isinstance(sample, str):
        return f"\x00prepared-argument-{index}\x00"
    raise TypeError(f"unsupported argument type {type(sample).__name__}")


def _same(param: object, sentinel: object) -> bool:
    """Whether a compiled parameter is the sentinel: psycopg wraps a bigint field's integer
    (``Int8``, a subclass of int), which stands for the plain int argument all the same."""
    if isinstance(sentinel, int) and isinstance(param, int) and not isinstance(param, bool):
        return int(param) == sentinel
    return type(param) is type(sentinel) and param == sentinel


def _compiled_tz_loader(connection: Any) -> Any:
    """psycopg's compiled timestamptz loader when it gives what Django's gives (a
    PostgreSQL session in UTC, datetimes aware in ``datetime.timezone.utc``), else None."""
    if _CompiledTzLoader is None or connection.vendor != "postgresql":
        return None
    if connection.timezone is not UTC or connection.timezone_name != "UTC":
        return None
    connection.ensure_connection()
    if connection.connection.info.parameter_status("TimeZone") != "UTC":
        return None
    return _CompiledTzLoader


def in_ids(column: str, alias: str = "default") -> str:
    """A WHERE fragment for ``.extra()``: ``column`` is one of the ids given as one text
    parameter (`ids_text`), so the SQL is the same whatever the number of ids."""
    if connections[alias].vendor == "postgresql":
        return f"{column} = ANY(CAST(%s AS bigint[]))"
    return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (a fixed column name)


def ids_text(ids: Iterable[int], alias: str = "default") -> str:
    """The ids as the one parameter of `in_ids`: an array literal, or JSON on SQLite."""
    inner = ",".join(str(int(i)) for i in sorted(set(ids)))
    return "{" + inner + "}" if connections[alias].vendor == "postgresql" else f"[{inner}]"


class PreparedQuery:
    """``build(*args)`` must return a ``values_list()`` queryset; call with the args."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *samples: object) -> None:
        self.build = build
        self.samples = samples
        self._local = threading.local()

    def _compiled(
        self, alias: str
    ) -> tuple[str, list[Any], list[list[int]], SQLCompiler, dict[int, Any] | None, Any]:
        cache: dict[tuple[str, int], Any] = self._local.__dict__.setdefault("compiled", {})
        connection = connections[alias]
        key = (alias, id(connection))
        if key not in cache:
            sentinels = [_sentinel(i, sample) for i, sample in enumerate(self.samples)]
            queryset = self.build(*sentinels)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            positions = [[j for j, p in enumerate(params) if _same(p, s)] for s in sentinels]
            if not all(positions):
                raise ValueError("an argument does not reach the SQL as a parameter")
            # The rows' converters (aware datetimes, decimals, JSON), found once: looking
            # them up again for every call was a visible share of a small query's CPU.
            # None: let results_iter do it (composite fields).
            fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
            converters = (
                None if compiler.has_composite_fields(fields) else compiler.get_converters(fields)
            )
            tz_loader = _compiled_tz_loader(connection)
            cache[key] = (sql, list(params), positions, compiler, converters, tz_loader)
        return cache[key]

    def __call__(self, *args: object, using: str = "default") -> list[tuple[Any, ...]]:
        if len(args) != len(self.samples):
            raise TypeError(f"expected {len(self.samples)} arguments, got {len(args)}")
        for arg, sample in zip(args, self.samples, strict=True):
            if type(arg) is not type(sample):
                raise TypeError(f"expected {type(sample).__name__}, got {type(arg).__name__}")
        sql, template, positions, compiler, converters, tz_loader = self._compiled(using)
        params = list(template)
        for where, value in zip(positions, args, strict=True):
            for j in where:
                params[j] = value
        with connections[using].cursor() as cursor:
            if tz_loader is not None:
                cursor.cursor.adapters.register_loader(_TIMESTAMPTZ_OID, tz_loader)
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters is None:
            converted = compiler.results_iter(results=[rows], tuple_expected=True)
            return cast(list[tuple[Any, ...]], list(converted))
        if not converters:
            return [tuple(row) for row in rows]
        return [tuple(row) for row in compiler.apply_converters(rows, converters)]
