-- Held rows (server/src/inbox/store.rs): a delivery the worker must not apply on its own is
-- kept unprocessed with `held` set, and the worker passes it by until someone releases it
-- (`points-server inbox retry`, `POST /admin/webhooks/held/retry`):
--   `attention`: stored raw but its meaning is not certain (an `order_status` we do not
--                know): re-applied after an upgrade that knows it;
--   `dead`:      failed `inbox_max_attempts` times (a dead letter): replayed once fixed.
-- `last_error` says why. NULL for every other row. Adding a nullable column is safe for a
-- binary that predates it (it would retry held rows, as it did before). Mirrored in
-- ../sqlite/0010_*.sql.
ALTER TABLE webhook_inbox ADD COLUMN held TEXT;
CREATE INDEX webhook_inbox_held ON webhook_inbox (id) WHERE held IS NOT NULL;
