"""Writing one new row in one statement, for the few inserts every new ticket makes.

`row_insert(instance)` does what `instance.save(force_insert=True)` does for a new row of
a model whose primary key the database assigns: the fields' own conversion of each value
(`pre_save`, `get_db_prep_save`: dates, JSON, defaults), expressions compiled by Django
(a search document, the transaction's id), the key read back with RETURNING. What it
leaves out is what those models never use: save signals (no receivers; the services are
the one way to write), parent models, and composing the statement anew every time:
Django spends several times longer composing an INSERT than the database takes to run
it, so the statement's text is built once per model and kept (decision 0020).

Only for models with an auto-incremented primary key and no parents; anything else is
refused rather than written half right.
"""

import functools
from typing import TypeVar

from django.db import connections, router
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin
from django.db.models.sql import InsertQuery

M = TypeVar("M", bound=Model)


def row_insert(instance: M) -> M:
    """INSERT `instance` as a new row and set its primary key; returns it."""
    _insert(instance, unless_taken=())
    return instance


def row_insert_unless_taken(instance: M, unique: tuple[str, ...]) -> M | None:
    """As row_insert, unless a row with the same values of these fields (a unique
    constraint's) is there already, or another transaction commits one meanwhile
    (PostgreSQL waits for it): then nothing is written and None is returned, with no error
    to recover from (no savepoint needed around it)."""
    return instance if _insert(instance, unless_taken=unique) else None


def _insert(instance: Model, *, unless_taken: tuple[str, ...]) -> bool:
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    connection = connections[using]
    fields = _insert_fields(model)
    placeholders, params = [], []
    expressions = None
    for field in fields:
        value = field.pre_save(instance, add=True)
        if hasattr(value, "resolve_expression"):
            expressions = expressions or _ExpressionCompiler(model, connection)
            sql, expression_params = expressions.compile(value)
            placeholders.append(sql)
            params.extend(expression_params)
        else:
            placeholders.append("%s")
            params.append(field.get_db_prep_save(value, connection=connection))
    sql = _statement(model, tuple(placeholders), unless_taken)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # taken
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = using
    return True


@functools.cache
def _insert_fields(model: type[Model]) -> tuple:
    meta = model._meta
    if meta.parents or not isinstance(meta.pk, AutoFieldMixin):
        raise TypeError(f"row_insert: {meta.label} needs Model.save()")
    return tuple(f for f in meta.concrete_fields if not f.primary_key)


# Bounded: the text depends on how each expression compiles, which a caller could vary.
@functools.lru_cache(maxsize=256)
def _statement(
    model: type[Model], placeholders: tuple[str, ...], unless_taken: tuple[str, ...]
) -> str:
    # Keyed by the placeholders too: a column written as an expression changes the text.
    # Names quoted as SQL does, which PostgreSQL and SQLite both read.
    meta = model._meta
    columns = ", ".join(f'"{field.column}"' for field in _insert_fields(model))
    conflict = ""
    if unless_taken:
        by_name = {field.name: field.column for field in meta.concrete_fields}
        taken = ", ".join(f'"{by_name[name]}"' for name in unless_taken)
        conflict = f" ON CONFLICT ({taken}) DO NOTHING"
    return (
        f'INSERT INTO "{meta.db_table}" ({columns}) '
        f'VALUES ({", ".join(placeholders)}){conflict} RETURNING "{meta.pk.column}"'
    )


class _ExpressionCompiler:
    """Django's own compiler for the expressions among the values, as an INSERT has them."""

    def __init__(self, model: type[Model], connection) -> None:
        self.query = InsertQuery(model)
        self.compiler = self.query.get_compiler(connection=connection)

    def compile(self, value) -> tuple[str, list]:
        expression = value.resolve_expression(self.query, allow_joins=False, for_save=True)
        sql, params = self.compiler.compile(expression)
        return sql, list(params)
