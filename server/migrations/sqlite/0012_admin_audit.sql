-- Who did what through the admin API: one row per admin request, written after it is answered
-- (server/src/http/admin/mod.rs), read by `points-server audit`. Never holds a token, only its
-- name. A new table only: an older binary runs on this schema unchanged. Mirrored in the other
-- backend.
CREATE TABLE admin_audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL,
    -- The name of the token presented (`admin` for POINTS_ADMIN_TOKEN).
    token     TEXT    NOT NULL,
    method    TEXT    NOT NULL,
    -- The route as declared (`/admin/orders/{order}/refund`).
    route     TEXT    NOT NULL,
    -- The order (or earning, or inbox row) the request named, if any.
    target    TEXT,
    status    INTEGER NOT NULL
);

CREATE INDEX admin_audit_at ON admin_audit (at);
