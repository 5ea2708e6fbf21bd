-- Reconciliation (server/src/reconcile): one row per run with its report, and the lease that
-- lets one process at a time run it. Mirrored in ../postgres/0006_*.sql.

-- One row per reconciliation run. A run that stops half-way (crash, shutdown, lost lease)
-- stays `running` with `cursor` at the last order id it finished; the next run with the same
-- scope resumes it there.
CREATE TABLE reconcile_runs (
    id           INTEGER PRIMARY KEY,
    -- `scheduled`, `admin` or `cli`.
    started_by   TEXT    NOT NULL,
    -- The scope as JSON (`{"all":false,"recent_secs":604800}`); a resumed run keeps it.
    scope        TEXT    NOT NULL,
    -- `running`, `finished`, or `abandoned` (interrupted and replaced by a run of another scope).
    status       TEXT    NOT NULL,
    -- Orders with an id up to here are done.
    cursor       BIGINT  NOT NULL DEFAULT 0,
    -- The report as JSON, written after every batch, whole once finished.
    report       TEXT    NOT NULL,
    started_at   TEXT    NOT NULL,
    finished_at  TEXT
);

CREATE INDEX reconcile_runs_started ON reconcile_runs (started_at);

-- At most one row per lease name, held by one process until `expires_at` (renewed while it
-- runs). Several instances sharing a database take turns through it.
CREATE TABLE reconcile_lease (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
