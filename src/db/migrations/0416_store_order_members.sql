-- The cashier and terminal a store order was made at, as the client sent them (document
-- 4.2/4.3 list scr_id, scr_true_name and tml_no on every order). Kept as text, not a
-- foreign key: clients number their own tills, and a disabled member keeps its orders.
ALTER TABLE store_orders ADD COLUMN scr_id text;
ALTER TABLE store_orders ADD COLUMN scr_true_name text;
ALTER TABLE store_orders ADD COLUMN tml_no text;
