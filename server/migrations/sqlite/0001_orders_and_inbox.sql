-- Orders the storefront started and the webhook inbox that settles them.
--
-- The SQL stays portable (TEXT, BIGINT, ON CONFLICT, partial index) so the Postgres migrations
-- can mirror it; only the id columns differ there (identity columns). Timestamps are TEXT in a
-- fixed-width UTC form (`2026-04-18T10:05:12.123Z`) so they compare correctly as strings.

CREATE TABLE orders (
    id               INTEGER PRIMARY KEY,
    order_number     TEXT    NOT NULL UNIQUE,
    points_uuid      TEXT    UNIQUE,
    reference_number TEXT,
    -- Points' financial status (`new`, `approved`, …); NULL until the first webhook.
    order_status     TEXT,
    cancel_reason    TEXT,
    total_halalas    BIGINT  NOT NULL CHECK (total_halalas >= 0),
    currency         TEXT    NOT NULL DEFAULT 'SAR',
    lang             TEXT    NOT NULL,
    items_json       TEXT    NOT NULL,
    checkout_url     TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);

CREATE TABLE webhook_inbox (
    id            INTEGER PRIMARY KEY,
    -- The Points order uuid (`order.id`); for events without an order a synthetic
    -- `merchant:<timestamp>` key, so retries of one delivery still collapse.
    order_uuid    TEXT    NOT NULL,
    event         TEXT    NOT NULL,
    order_number  TEXT,
    body          TEXT    NOT NULL,
    received_at   TEXT    NOT NULL,
    processed_at  TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    -- When the worker may next try the row (back-off after a failure).
    available_at  TEXT    NOT NULL,
    UNIQUE (order_uuid, event)
);

CREATE INDEX webhook_inbox_pending ON webhook_inbox (available_at, id) WHERE processed_at IS NULL;
