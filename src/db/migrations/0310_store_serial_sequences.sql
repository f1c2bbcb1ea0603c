-- Store order serials (ord_mct_id, ord_shop_id) move from counter rows to one PostgreSQL
-- sequence per scope: every payorder of a store updated the same two rows, so concurrent
-- orders queued on their row locks until each commit's WAL flush (about 2k/s at most on
-- one row, 500/s for two). nextval takes no lock. Like any auto-increment column a
-- sequence may skip a number (a refused insert, a crash), never repeat one, which is what
-- the document asks: "从1开始自增长不重复". Sequences are named serial_merchant_<id> and
-- serial_store_<id> (ids are [a-z0-9_]); the code creates one on first use.
-- (One line: the migration runner splits statements at a line-ending semicolon.)
DO $$ DECLARE counter record; BEGIN FOR counter IN SELECT scope, last_value FROM store_serials LOOP EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', 'serial_' || replace(counter.scope, ':', '_')); PERFORM setval(('serial_' || replace(counter.scope, ':', '_'))::regclass, counter.last_value); END LOOP; END $$;

DROP TABLE store_serials;
