"""Writing one new row in one statement, for the few inserts every new ticket makes; and
reading one row with the rows it points to, for the few reads every new ticket makes.

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

`row_with_related(model, pk, related)` is `select_related(*related).filter(pk=pk).first()`
for one level of foreign keys, for the same reason: its statement is built once.
"""

import functools
from typing import Any, NamedTuple, TypeVar, cast

from django.db import connections, router
from django.db.models import Field, ForeignKey, Model
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


def row_with_related(model: type[M], pk: int, related: tuple[str, ...]) -> M | None:
    """The row of `model` with this primary key, and the rows its foreign keys `related`
    point to (one level, as select_related reads them: one statement, LEFT JOINs), or
    None. Each value goes through its field's conversion from the database, as the ORM's
    would (JSON, SQLite's dates). It reads what it is asked, unscoped: call it with a key
    the caller's scope has already vouched for (e.g. one it has just claimed with a scoped
    UPDATE)."""
    using = router.db_for_read(model)
    connection = connections[using]
    statement = _joined_statement(model, related, using)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    instances: list[Model | None] = []
    start = 0
    for each, columns in zip(statement.models, statement.columns, strict=True):
        values = list(row[start : start + len(columns)])
        start += len(columns)
        if values[0] is None:  # its primary key: NULL when the foreign key was
            instances.append(None)
            continue
        for index, (expression, converters) in enumerate(columns):
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        instances.append(each.from_db(using, _attnames(each), values))
    instance = cast(M, instances[0])
    for name, other in zip(related, instances[1:], strict=True):
        _foreign_key(model, name).set_cached_value(instance, other)
    return instance


class _JoinedStatement(NamedTuple):
    sql: str
    models: list[type[Model]]
    columns: list[list[tuple[Any, list]]]  # per model: (column expression, its converters)


@functools.lru_cache(maxsize=64)
def _joined_statement(model: type[Model], related: tuple[str, ...], using: str) -> _JoinedStatement:
    connection = connections[using]
    meta = model._meta
    models: list[type[Model]] = [model]
    joins = []
    for number, name in enumerate(related, 1):
        field = _foreign_key(model, name)
        other = field.related_model
        models.append(other)
        joins.append(
            f'LEFT JOIN "{other._meta.db_table}" t{number} '
            f'ON t{number}."{field.target_field.column}" = t0."{field.column}"'
        )
    columns = []
    for number, each in enumerate(models):
        if each._meta.concrete_fields[0] is not each._meta.pk:
            raise TypeError(f"row_with_related: {each._meta.label}'s key is not its first column")
        expressions = [field.get_col(f"t{number}") for field in each._meta.concrete_fields]
        columns.append(
            [
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
                for col in expressions
            ]
        )
    selected = ", ".join(
        f't{number}."{field.column}"'
        for number, each in enumerate(models)
        for field in each._meta.concrete_fields
    )
    sql = (
        f'SELECT {selected} FROM "{meta.db_table}" t0 {" ".join(joins)} '
        f'WHERE t0."{meta.pk.column}" = %s'
    )
    return _JoinedStatement(sql, models, columns)


def _foreign_key(model: type[Model], name: str) -> ForeignKey:
    field = model._meta.get_field(name)
    if not isinstance(field, ForeignKey):
        raise TypeError(f"row_with_related: {model._meta.label}.{name} is no foreign key")
    return field


@functools.cache
def _attnames(model: type[Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


# --- values as the database driver takes them ---------------------------------------------

# Field types whose `get_db_prep_save` returns a value of the field's own Python type
# unchanged on PostgreSQL (psycopg adapts it itself); every other type, and every field on
# another database, goes through the field. Composing ~50 values the field's way costs more
# than the statement they go into (a ticket's three SLA clocks: 0.1 ms against 0.2 ms).
_AS_IS_ON_POSTGRESQL = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)


def _as_is(field: Field, vendor: str) -> bool:
    if vendor != "postgresql" or getattr(field, "auto_now", False):
        return False
    if getattr(field, "auto_now_add", False):
        return False
    target = field.target_field if isinstance(field, ForeignKey) else field
    return target.get_internal_type() in _AS_IS_ON_POSTGRESQL


@functools.lru_cache(maxsize=256)
def _preparers(fields: tuple, vendor: str) -> tuple[tuple[str, Field | None], ...]:
    """Per field, its attribute and the field to prepare the value with (None: as it is)."""
    return tuple((field.attname, None if _as_is(field, vendor) else field) for field in fields)


def _saved_values(instances: list, fields: tuple, connection: Any, *, add: bool) -> list[list]:
    """Per instance, the values of these fields as `save()` would send them (the value a
    field's `pre_save` gives, prepared by the field), with the plain ones as they are."""
    preparers = _preparers(fields, connection.vendor)
    rows = []
    for instance in instances:
        values = []
        for attname, field in preparers:
            if field is None:
                values.append(getattr(instance, attname))
            else:
                values.append(field.get_db_prep_save(field.pre_save(instance, add), connection))
        rows.append(values)
    return rows


# --- a model's rows by equal fields, and an UPDATE of some fields, statements built once ----


def _field(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.concrete:
        raise TypeError(f"core.rows: {model._meta.label}.{name} is no column")
    return field


class _SelectStatement(NamedTuple):
    sql: str
    fields: list[Any]  # the where-fields, to prepare their values
    converters: list[tuple[Any, list]]  # per column: (its expression, its converters)


@functools.lru_cache(maxsize=64)
def _select_statement(
    model: type[Model], columns: tuple[str, ...], where: tuple[str, ...], order_by: str
) -> _SelectStatement:
    connection = connections[router.db_for_read(model)]
    table = model._meta.db_table
    chosen = [_field(model, name) for name in columns]
    expressions = [field.get_col(table) for field in chosen]
    converters = [
        (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        for col in expressions
    ]
    where_fields = [_field(model, name) for name in where]
    condition = " AND ".join(f'"{field.column}" = %s' for field in where_fields)
    order = _field(model, order_by).column
    selected = ", ".join(f'"{field.column}"' for field in chosen)
    sql = f'SELECT {selected} FROM "{table}" WHERE {condition} ORDER BY "{order}"'
    return _SelectStatement(sql, where_fields, converters)


def values_where(
    model: type[Model], columns: tuple[str, ...], *, where: dict[str, Any], order_by: str = "id"
) -> list[tuple]:
    """`model.objects.filter(**where).order_by(order_by).values_list(*columns)` for equal
    fields, its statement built once; each value converted by its field as the ORM would
    (JSON, SQLite's dates). Unscoped: call it with values the caller's scope has vouched
    for (the id of a ticket it holds)."""
    connection = connections[router.db_for_read(model)]
    statement = _select_statement(model, columns, tuple(where), order_by)
    params = [
        field.get_db_prep_value(value, connection)
        for field, value in zip(statement.fields, where.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    converted = []
    for row in rows:
        values = list(row)
        for index, (expression, converters) in enumerate(statement.converters):
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        converted.append(tuple(values))
    return converted


@functools.lru_cache(maxsize=128)
def _update_statement(model: type[Model], fields: tuple[str, ...]) -> tuple[str, tuple]:
    meta = model._meta
    chosen = tuple(_field(model, name) for name in fields)
    assignments = ", ".join(f'"{field.column}" = %s' for field in chosen)
    return f'UPDATE "{meta.db_table}" SET {assignments} WHERE "{meta.pk.column}" = %s', chosen


def row_update(instance: Model, fields: tuple[str, ...]) -> None:
    """`instance.save(update_fields=fields)` for a plain row (no signals, no parents), its
    statement built once per model and set of fields."""
    using = router.db_for_write(type(instance), instance=instance)
    connection = connections[using]
    sql, params = _update_of(instance, fields, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _update_of(instance: Model, fields: tuple[str, ...], connection: Any) -> tuple[str, list]:
    sql, chosen = _update_statement(type(instance), fields)
    [values] = _saved_values([instance], chosen, connection, add=False)
    return sql, [*values, instance.pk]


@functools.lru_cache(maxsize=64)
def _upsert_statement(model: type[Model], rows: int, unique: tuple[str, ...]) -> str:
    meta = model._meta
    fields = _insert_fields(model)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    one = f"({', '.join(['%s'] * len(fields))})"
    by_name = {field.name: field.column for field in meta.concrete_fields}
    keys = [by_name[name] for name in unique]
    updated = [field.column for field in fields if field.column not in keys]
    assignments = ", ".join(f'"{column}" = excluded."{column}"' for column in updated)
    # A row whose values are all the same is left alone (no new row version, no index
    # entries): "differs" written so that NULLs compare as values, in SQL that PostgreSQL
    # and SQLite both read.
    table = meta.db_table
    differs = " OR ".join(
        f'("{table}"."{column}" <> excluded."{column}" OR '
        f'("{table}"."{column}" IS NULL) <> (excluded."{column}" IS NULL))'
        for column in updated
    )
    return (
        f'INSERT INTO "{table}" ({columns}) VALUES {", ".join([one] * rows)} '
        f"ON CONFLICT ({', '.join(f'{chr(34)}{key}{chr(34)}' for key in keys)}) "
        f"DO UPDATE SET {assignments} WHERE {differs}"
    )


def rows_upsert(
    instances: list[M],
    unique: tuple[str, ...],
    *,
    then: tuple[Model, tuple[str, ...]] | None = None,
) -> None:
    """INSERT these new instances' rows, each replacing the row that has the same values of
    the `unique` fields (a unique constraint's) when there is one and differs from it in
    any other column. One statement, its text built once per model and number of rows; the
    instances' primary keys are not read back. For plain values only (no expressions).

    `then=(other, fields)`: also row_update(other, fields), in the same statement on
    PostgreSQL (a data-modifying WITH: one round trip for both), after it elsewhere."""
    if not instances:
        if then is not None:
            row_update(*then)
        return
    model = type(instances[0])
    using = router.db_for_write(model, instance=instances[0])
    connection = connections[using]
    fields = _insert_fields(model)
    params = [
        value
        for values in _saved_values(instances, fields, connection, add=True)
        for value in values
    ]
    sql = _upsert_statement(model, len(instances), unique)
    if then is not None and connection.vendor == "postgresql":
        other, other_fields = then
        update_sql, update_params = _update_of(other, other_fields, connection)
        sql, params = f"WITH upserted AS ({sql}) {update_sql}", [*params, *update_params]
        then = None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    if then is not None:
        row_update(*then)


def rows_update(instances: list[M], fields: tuple[str, ...]) -> None:
    """row_update for many rows of one model, in one executemany (PostgreSQL's driver sends
    them in one pipeline: one round trip for the lot)."""
    if not instances:
        return
    model = type(instances[0])
    using = router.db_for_write(model, instance=instances[0])
    connection = connections[using]
    sql, chosen = _update_statement(model, fields)
    rows = [
        [*values, instance.pk]
        for values, instance in zip(
            _saved_values(instances, chosen, connection, add=False), instances, strict=True
        )
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
