"""Django's database sessions (``SESSION_ENGINE = "cabas.core.sessions"``), read with one plain statement.

The same table, the same rows and the same rules as ``django.contrib.sessions.backends.db`` (an expired or
unknown key is no session); only the reading of a session, which every logged-in request does, skips the ORM's
compiling of the query. Writing (login, logout, a change) is Django's own.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

from .rows import Loader, fetch_one, table


class SessionStore(DatabaseSessionStore):
    _loader: Loader | None = None

    @classmethod
    def loader(cls) -> Loader:
        if cls._loader is None or cls._loader.model is not cls.get_model_class():
            cls._loader = Loader(cls.get_model_class(), "s", using=router.db_for_read(cls.get_model_class()))
        return cls._loader

    def _get_session_from_db(self):
        loader = self.loader()
        connection = connections[loader.using]
        row = None
        if self.session_key is not None:
            row = fetch_one(
                f"SELECT {loader.columns} FROM {table(loader.model, loader.using)} s "
                f"WHERE s.{connection.ops.quote_name('session_key')} = %s "
                f"AND s.{connection.ops.quote_name('expire_date')} > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())], using=loader.using,
            )
        if row is None:
            self._session_key = None
            return None
        return loader.load(row)
