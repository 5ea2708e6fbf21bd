-- Idempotent checkout, rejected webhook deliveries, the log of order state changes, and the
-- rate limit of return-page lookups at Points. Mirrored in ../postgres/0002_*.sql.

-- One row per `Idempotency-Key` the storefront sent with a checkout.
CREATE TABLE idempotency_keys (
    key           TEXT PRIMARY KEY,
    -- SHA-256 (hex) of the canonical JSON request body: the same key with another body is a 409.
    request_hash  TEXT NOT NULL,
    -- Set as soon as the order exists, so a retry after a Points failure reuses it.
    order_number  TEXT,
    -- The JSON answered once the checkout succeeded; replayed for every later retry.
    response      TEXT,
    -- While a request holds the key; NULL when released. An expired lock may be taken over.
    locked_until  TEXT,
    created_at    TEXT NOT NULL
);

-- Deliveries that carried the right secret but could not be read. Kept for inspection, never
-- processed.
CREATE TABLE webhook_rejected (
    id            INTEGER PRIMARY KEY,
    body          BLOB    NOT NULL,
    event_header  TEXT,
    reason        TEXT    NOT NULL,
    received_at   TEXT    NOT NULL
);

-- Every change the server made to an order's Points state, and what caused it.
CREATE TABLE order_transitions (
    id           INTEGER PRIMARY KEY,
    order_id     BIGINT  NOT NULL REFERENCES orders (id),
    -- `webhook` (with the inbox row) or `lookup` (a verified GET /v1/orders/{uuid}).
    source       TEXT    NOT NULL,
    inbox_id     BIGINT,
    from_status  TEXT,
    to_status    TEXT,
    at           TEXT    NOT NULL
);

CREATE INDEX order_transitions_order ON order_transitions (order_id);

-- When the return page last made us ask Points about this order (rate limit).
ALTER TABLE orders ADD COLUMN lookup_at TEXT;
