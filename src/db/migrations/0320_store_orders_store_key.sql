-- store_orders.store_id loses its foreign key to stores. Every store order is written
-- together with a charge of the same store (a payment: in the charge's own statement) or
-- refers to one (a refund), and charges.store_id keeps its foreign key, so the row this
-- one checked is already checked and held in the same statement; stores are never
-- deleted. The second check was not free: each one takes a key-share lock on the store's
-- row, and concurrent orders of one store turned that lock into a new multixact per order.
ALTER TABLE store_orders DROP CONSTRAINT store_orders_store_id_fkey;
