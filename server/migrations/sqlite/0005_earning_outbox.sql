-- The earning outbox: every earning (purchase, store rating, product rating) the merchant asked
-- for, stored before anything is sent, then sent to Points one at a time by the sender
-- (server/src/earning). Mirrored in ../postgres/0005_earning_outbox.sql.

CREATE TABLE earning_outbox (
    id               INTEGER PRIMARY KEY,
    -- `purchase`, `store_rating` or `product_rating`.
    kind             TEXT    NOT NULL,
    -- Points' own dedupe key: the purchase's `order_number` or the rating's `review_reference`
    -- (one namespace at Points). Enqueueing the same earning twice is one row.
    dedup_key        TEXT    NOT NULL UNIQUE,
    -- The request body as sent to Points (JSON).
    request          TEXT    NOT NULL,
    -- `pending` until an answer settles it: `recorded`, `pending_activation`,
    -- `already_recorded` or `failed` (a definitive refusal, reason in `last_error`).
    state            TEXT    NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- 1 once an attempt may have reached Points (set before sending, so a crash mid-send
    -- leaves it 1; put back after a 429 or a refused connection, which prove it did not). The
    -- next attempt of such a row treats "already taken" as already recorded.
    sent             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    last_error       TEXT,
    -- What Points answered (JSON): the order, the pending earning, or the key already taken.
    answer           TEXT,
    points_uuid      TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    completed_at     TEXT
);

CREATE INDEX earning_outbox_due ON earning_outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX earning_outbox_state ON earning_outbox (state, id);

-- Who may send right now: one row, held by one sender (a server instance or a CLI `--wait`)
-- until `expires_at`, renewed before every send, released when its pass is done. Points
-- answers concurrent earnings for a merchant with 429, so processes sharing the database take
-- turns here rather than at Points.
CREATE TABLE earning_sender_lease (
    name        TEXT PRIMARY KEY,
    holder      TEXT,
    expires_at  TEXT NOT NULL
);

INSERT INTO earning_sender_lease (name, holder, expires_at)
VALUES ('earning', NULL, '1970-01-01T00:00:00.000Z');
