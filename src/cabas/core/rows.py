"""Model instances from plain SQL rows, for the statements every request or every save runs (the session, the
user of each request, a save's cycle): the statement is written once, its columns named from the model's
metadata, and each value goes through the converters the ORM would apply (SQLite gives dates as text and
decimals as floats, PostgreSQL gives Python values). The instances are the ORM's own (``Model.from_db``), only
the compiling of a query on each request is saved: it cost more CPU than the database running it.
"""

from __future__ import annotations

from django.db import connections, models


class Loader:
    """Reads a model's concrete fields (all, or those named: the others are deferred, read on access) from a slice
    of a row selected by ``columns``, the model's table being aliased ``alias`` in the statement."""

    def __init__(self, model: type[models.Model], alias: str, fields: tuple[str, ...] | None = None,
                 using: str = "default"):
        self.model, self.alias, self.using = model, alias, using
        self.fields = [f for f in model._meta.concrete_fields if fields is None or f.name in fields]  # model order
        self.width = len(self.fields)
        self.attnames = [f.attname for f in self.fields]
        self._converters: list | None = None

    @property
    def columns(self) -> str:
        quote = connections[self.using].ops.quote_name
        return ", ".join(f"{self.alias}.{quote(f.column)}" for f in self.fields)

    def converters(self) -> list:
        if self._converters is None:
            connection = connections[self.using]
            found = []
            for field in self.fields:
                column = field.get_col(self.alias)
                found.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
            self._converters = found
        return self._converters

    def load(self, row, start: int = 0) -> models.Model | None:
        """The instance in ``row[start:start + width]``; None when its primary key is NULL (an outer join)."""
        values = list(row[start:start + self.width])
        if values[0] is None:
            return None
        connection = connections[self.using]
        for i, (column, converters) in enumerate(self.converters()):
            for converter in converters:
                values[i] = converter(values[i], column, connection)
        return self.model.from_db(self.using, self.attnames, values)


def fetch_one(sql: str, params, using: str = "default"):
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def table(model: type[models.Model], using: str = "default") -> str:
    return connections[using].ops.quote_name(model._meta.db_table)
