-- Charges and refunds whose outcome is not yet known upstream (barcode payments waiting for
-- the payer, timeouts, lost notifications) are polled with backoff until they settle.
ALTER TABLE charges ADD COLUMN next_poll_at timestamptz;
ALTER TABLE charges ADD COLUMN poll_attempts integer NOT NULL DEFAULT 0;
CREATE INDEX charges_poll_due ON charges (next_poll_at) WHERE next_poll_at IS NOT NULL;

ALTER TABLE refunds ADD COLUMN next_poll_at timestamptz;
ALTER TABLE refunds ADD COLUMN poll_attempts integer NOT NULL DEFAULT 0;
CREATE INDEX refunds_poll_due ON refunds (next_poll_at) WHERE next_poll_at IS NOT NULL;
