-- Cashiers and terminals are disabled, never deleted: orders and the audit log keep naming them.
ALTER TABLE cashiers ADD COLUMN disabled_at timestamptz;
ALTER TABLE terminals ADD COLUMN disabled_at timestamptz;
