"""Model instances from plain SQL rows, for the statements every request or every save runs (the session, the
user of each request, a save's cycle): the statement is written once, its columns named from the model's
metadata, and each value goes through the converters the ORM would apply (SQLite gives dates as text and
decimals as floats, PostgreSQL gives Python values). The instances are the ORM's own (``Model.from_db``), only
the compiling of a query on each request is saved: it cost more CPU than the database running it.

On PostgreSQL these statements also go through ``cursor``: bound on the server and prepared once per connection
(psycopg names the statement on its first execution, then sends only its parameters), so that PostgreSQL does not
parse and plan again, at each request, texts that never change. The ORM's queries keep Django's client-side
binding. ``CABAS_PREPARED_STATEMENTS=0`` turns it off behind a pooler that shares a server connection between
clients transaction by transaction (PgBouncer in transaction mode before 1.21), where a statement prepared on one
connection is not found on the next.
"""

from __future__ import annotations

import functools

from django.conf import settings
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

    @functools.cached_property
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


def cursor(using: str = "default"):
    """A cursor for the plain statements: Django's own (the queries are counted and logged as any other), on
    PostgreSQL bound on the server with its statements prepared once per connection."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.CABAS_PREPARED_STATEMENTS:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        if raw.prepare_threshold is None:  # Django's default: nothing prepared. Only this cursor's statements are:
            raw.prepare_threshold = 0      # a client-side cursor (the ORM's) never prepares.
        return connection._prepare_cursor(_prepared_cursor_class()(raw))


@functools.cache
def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor  # only where psycopg is the driver

    class PreparedStatementCursor(ServerBindingCursor):
        """Django's server-binding cursor, which keeps the statement it ran when the statement was prepared too:
        Django logs and counts a query by the cursor's last query (psycopg keeps it only when not prepared)."""

        def _send_query_prepared(self, name, query, *args, **kwargs):
            self._query = query
            return super()._send_query_prepared(name, query, *args, **kwargs)

    return PreparedStatementCursor


def fetch_one(sql: str, params, using: str = "default"):
    with cursor(using) as c:
        c.execute(sql, params)
        return c.fetchone()


def table(model: type[models.Model], using: str = "default") -> str:
    return connections[using].ops.quote_name(model._meta.db_table)
