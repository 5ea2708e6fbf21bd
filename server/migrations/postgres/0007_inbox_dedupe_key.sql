-- The inbox's `order_uuid` column never held only order uuids: repeatable events (a second
-- partial refund, a shipping update) are keyed `<uuid>@<timestamp>` and merchant-level events
-- `merchant:<timestamp>`. It is the delivery's dedupe key, so it is named that. The unique
-- constraint on (column, event) follows the rename. Mirrored in ../sqlite/0007_*.sql.
ALTER TABLE webhook_inbox RENAME COLUMN order_uuid TO dedupe_key;
