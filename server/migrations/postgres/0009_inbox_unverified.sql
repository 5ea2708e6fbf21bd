-- Verified before paid (server/src/inbox/verify.rs): a delivery that would make an order paid
-- but that Points contradicts is kept, processed and unapplied, with why it was refused
-- (`unknown_at_points`, `mismatch`, `not_paid_at_points`); NULL for every other row. The
-- partial index serves `/admin/webhooks/unverified`. Adding a nullable column is safe for a
-- binary that predates it. Mirrored in ../sqlite/0009_*.sql.
ALTER TABLE webhook_inbox ADD COLUMN unverified TEXT;
CREATE INDEX webhook_inbox_unverified ON webhook_inbox (id) WHERE unverified IS NOT NULL;
