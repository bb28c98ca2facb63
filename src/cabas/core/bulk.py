"""Writing many rows at once, below the ORM, for the closing's largest tables.

`bulk_create` builds a model instance per row and prepares every value through its field; for the
45,000 allocations of a club's closing that costs more than the database itself. `insert_rows`
sends plain tuples in one statement, whatever the number of rows: PostgreSQL's COPY, elsewhere one
`executemany`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (tuples of plain values: ints, Decimals, strings) into ``model``'s table."""
    rows = list(rows)
    if not rows:
        return 0
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's wrapper does not log COPY: record it like any query, for the query counts.
            sql = f"COPY {table} ({columns}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            if connection.queries_logged:
                connection.queries_log.append({"sql": f"{sql} -- {len(rows)} rows", "time": "0"})
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
    return len(rows)
