"""Reads whose SQL the ORM compiles once per process, then runs with each request's ids.

Building a queryset and compiling it to SQL is most of the CPU of a small indexed read: on
the practitioner's patient page (`bench/profile_page.py patient`) the ORM spent more time
writing its six reads than PostgreSQL spent answering them. A read decorated with
`prepared_values` is built and compiled the first time it is called, with marks standing for
its ids; after that, only the ids change: the SQL is run as compiled and its rows go through
the ORM's own converters (datetimes, JSON), so a row is the dict `.values()` would give.

What is kept is SQL text and where each id goes in it, never a row: every call reads the
database afresh (docs/security.md S27). A compiled read is keyed by the length of each list
of ids (an `IN` takes one parameter per id), so a patient with more visits compiles once
more, not every time.

Only ids are accepted (ints, or lists of ints), because an int is passed to the database as
it is: a date or a string may be rewritten on its way (SQLite stores datetimes as text), and
the mark would not be found. Anything else that varies belongs in the queryset built
normally.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import ValuesIterable
from django.db.transaction import TransactionManagementError

# Stands for the ids while a read is compiled: far below any id a database hands out and
# one apart, so each mark found among the compiled parameters says which id goes there.
FIRST_MARK = -987_654_321
# What a database's 64-bit integer holds. The ORM answers "no such row" for an id beyond it
# (typed into an address: /intake/99999999999999999999/) where the driver would raise.
BIGINT = range(-(2**63), 2**63)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each parameter of the SQL: (argument name, index in its list or None), or None
    # for a constant of the query itself, kept in `constants` at the same position.
    slots: tuple[tuple[str, int | None] | None, ...]
    constants: tuple
    names: tuple[str, ...]
    compiler: object
    converters: dict
    locks: bool  # SELECT ... FOR UPDATE


def _checked(ids: dict[str, object]) -> dict[str, int | list[int]]:
    """The ids with any list's repeats dropped, in order (the ORM drops them from an IN)."""
    checked: dict[str, int | list[int]] = {}
    for name, value in ids.items():
        if type(value) is int:
            checked[name] = value
        elif isinstance(value, list | tuple) and all(type(v) is int for v in value):
            checked[name] = list(dict.fromkeys(value))
        else:
            raise TypeError(f"{name}: a prepared read takes ids (int or list of int) only")
    return checked


def _compile(build: Callable[..., QuerySet], shape: dict[str, int | None]) -> _Compiled:
    marks: dict[int, tuple[str, int | None]] = {}
    arguments: dict[str, int | list[int]] = {}
    for name, length in shape.items():
        if length is None:
            arguments[name] = FIRST_MARK - len(marks)
            marks[arguments[name]] = (name, None)
        else:
            arguments[name] = []
            for index in range(length):
                mark = FIRST_MARK - len(marks)
                marks[mark] = (name, index)
                arguments[name].append(mark)
    queryset = build(**arguments)
    if queryset._iterable_class is not ValuesIterable:
        raise TypeError(f"{build.__qualname__}: a prepared read must return a .values() queryset")
    if queryset.db != DEFAULT_DB_ALIAS:
        # Every read of this project goes to the one database; the SQL is kept for it only.
        raise ValueError(f"{build.__qualname__} reads from {queryset.db}")
    query = queryset.query
    compiler = query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    slots = tuple(marks.get(p) if type(p) is int else None for p in params)
    missing = set(marks.values()) - set(slots)
    if missing:
        raise ValueError(
            f"{build.__qualname__}: {sorted(name for name, _ in missing)} did not become a "
            "parameter of the SQL (an id used outside a filter?)"
        )
    names = (
        tuple(query.selected)
        if query.selected
        else (*query.extra_select, *query.values_select, *query.annotation_select)
    )
    fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
    return _Compiled(
        sql=sql,
        slots=slots,
        constants=tuple(None if slot else p for slot, p in zip(slots, params, strict=True)),
        names=names,
        compiler=compiler,
        converters=compiler.get_converters(fields),
        locks=query.select_for_update,
    )


def instance_from(model: type[Model], row: dict) -> Model:
    """A model instance from a prepared read's row, as a query of those columns loads it:
    any field not in the row is deferred, read if asked for."""
    # from_db() takes the values in the order of the model's fields, as a query gives them.
    names = [field.attname for field in model._meta.concrete_fields if field.attname in row]
    return model.from_db(DEFAULT_DB_ALIAS, names, [row[name] for name in names])


def columns(model: type[Model]) -> tuple[str, ...]:
    """Every column of `model`, for a prepared read that makes whole instances."""
    return tuple(field.attname for field in model._meta.concrete_fields)


def prepared_values(build: Callable[..., QuerySet]) -> Callable[..., list[dict]]:
    """`build(**ids)` returns a `.values()` queryset; the decorated read returns its rows as a
    list of dicts, compiling it only for list lengths this process has not seen yet."""
    compiled: dict[tuple, _Compiled] = {}

    @functools.wraps(build)
    def read(**ids: object) -> list[dict]:
        checked = _checked(ids)
        if any(
            value == [] or not all(v in BIGINT for v in value)
            if isinstance(value, list)
            else value not in BIGINT
            for value in checked.values()
        ):
            # An IN with nothing in it, or an id no column can hold, matches nothing: the
            # ORM knows, without asking the database.
            return list(build(**checked))
        shape = tuple(
            (name, None if type(value) is int else len(value))
            for name, value in sorted(checked.items())
        )
        entry = compiled.get(shape)
        if entry is None:
            entry = compiled[shape] = _compile(build, dict(shape))
        params = [
            constant
            if slot is None
            else (checked[slot[0]] if slot[1] is None else checked[slot[0]][slot[1]])
            for slot, constant in zip(entry.slots, entry.constants, strict=True)
        ]
        connection = connections[DEFAULT_DB_ALIAS]
        if entry.locks and connection.get_autocommit():
            # The ORM says so when it compiles; a lock that ends with its own statement
            # would protect nothing, so every later call is checked too.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        with connection.cursor() as cursor:
            cursor.execute(entry.sql, params)
            rows = cursor.fetchall()
        if entry.converters:
            rows = entry.compiler.apply_converters(rows, entry.converters)
        names = entry.names
        return [dict(zip(names, row, strict=True)) for row in rows]

    return read
