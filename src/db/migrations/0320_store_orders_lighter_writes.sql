-- A store payment wrote five index entries and checked a foreign key beside its charge;
-- it now writes two (the primary key and the list order), as a charge's own row carries
-- the rest:
-- * store_id loses its foreign key to stores. Every store order is written with a charge
--   of the same store (a payment: in the charge's own statement) or refers to one (a
--   refund), and charges.store_id keeps its foreign key; stores are never deleted. The
--   second check took a key-share lock on the store's row once more per order, which
--   concurrent orders of one store turn into a new multixact each.
-- * store_orders_charge goes: the one lookup by charge (a payment by its ord_no, which is
--   its charge's order_sn) now reaches the entry through the charge's store and order
--   number, the primary key.
-- * ord_no (refunds only; payments use their charge's order_sn) is unique where set, so
--   payments no longer put a NULL into that index.
ALTER TABLE store_orders DROP CONSTRAINT store_orders_store_id_fkey;
DROP INDEX store_orders_charge;
ALTER TABLE store_orders DROP CONSTRAINT store_orders_ord_no_key;
CREATE UNIQUE INDEX store_orders_ord_no ON store_orders (ord_no) WHERE ord_no IS NOT NULL;
