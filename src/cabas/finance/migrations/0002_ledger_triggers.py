"""The database guards the ledger too: entries and transactions are never updated or deleted, and on
PostgreSQL every transaction must balance when the database transaction commits.

Deleting is allowed only when a maintenance command sets `cabas.ledger_maintenance` (seed-demo --reset
on the demo club). SQLite cannot defer a check to the commit: there the balance is the code's job
(ledger.check) and `cabas ledger-check` verifies it.
"""

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION cabas_ledger_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('cabas.ledger_maintenance', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'ledger rows are never % (table %)', lower(TG_OP) || 'd', TG_TABLE_NAME;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER finance_entry_immutable BEFORE UPDATE OR DELETE ON finance_entry
  FOR EACH ROW EXECUTE FUNCTION cabas_ledger_immutable();
CREATE TRIGGER finance_transaction_immutable BEFORE UPDATE OR DELETE ON finance_ledgertransaction
  FOR EACH ROW EXECUTE FUNCTION cabas_ledger_immutable();

CREATE OR REPLACE FUNCTION cabas_ledger_balanced() RETURNS trigger AS $$
DECLARE total numeric; lines integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM finance_ledgertransaction WHERE id = NEW.id) THEN
    RETURN NULL;  -- deleted since, under maintenance (the demo's reset)
  END IF;
  SELECT coalesce(sum(cents), 0), count(*) INTO total, lines FROM finance_entry WHERE transaction_id = NEW.id;
  IF lines = 0 OR total <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % is not balanced (% lines, sum %)', NEW.id, lines, total;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER finance_transaction_balanced AFTER INSERT ON finance_ledgertransaction
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cabas_ledger_balanced();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS finance_transaction_balanced ON finance_ledgertransaction;
DROP TRIGGER IF EXISTS finance_entry_immutable ON finance_entry;
DROP TRIGGER IF EXISTS finance_transaction_immutable ON finance_ledgertransaction;
DROP FUNCTION IF EXISTS cabas_ledger_balanced();
DROP FUNCTION IF EXISTS cabas_ledger_immutable();
"""

SQLITE = [
    "CREATE TRIGGER finance_entry_no_update BEFORE UPDATE ON finance_entry "
    "BEGIN SELECT RAISE(ABORT, 'ledger entries are never updated'); END",
    "CREATE TRIGGER finance_transaction_no_update BEFORE UPDATE ON finance_ledgertransaction "
    "BEGIN SELECT RAISE(ABORT, 'ledger transactions are never updated'); END",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS finance_entry_no_update", "DROP TRIGGER IF EXISTS finance_transaction_no_update"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
