-- What the `shipping_status_updated` and `refunded` webhooks tell about an order, kept on the
-- order (they were only in the inbox). Mirrored in ../sqlite/0004_shipping_status.sql.

-- Points' shipping status (`new` … `cancelled`, API.md §5.3), independent of `order_status`;
-- NULL until the first `shipping_status_updated`.
ALTER TABLE orders ADD COLUMN shipping_status TEXT;
-- The label Points resolved for it (the custom label when one was set), as the webhook sent it.
ALTER TABLE orders ADD COLUMN shipping_label TEXT;
-- The event time of the shipping update applied, so a late delivery never overwrites a newer one.
ALTER TABLE orders ADD COLUMN shipping_at TEXT;
-- How much of the total Points has refunded so far, in halalas (0: nothing).
ALTER TABLE orders ADD COLUMN refunded_halalas BIGINT NOT NULL DEFAULT 0 CHECK (refunded_halalas >= 0);
