-- A store's open_key can be rotated with an overlap window: the key it replaced keeps
-- verifying requests (and answering them) until previous_open_key_expires_at, so the
-- tills of a store can be switched one by one instead of all at the same minute.
ALTER TABLE stores ADD COLUMN previous_open_key_enc text;
ALTER TABLE stores ADD COLUMN previous_open_key_expires_at timestamptz;
