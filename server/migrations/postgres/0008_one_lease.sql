-- One lease table for every process-wide turn (server/src/db/lease.rs): reconciliation holds
-- `reconcile`, the earning sender `earning`. `reconcile_lease` already had the general shape
-- (one row per name, taken by an upsert), so it is renamed; `earning_sender_lease` (one fixed
-- row, holder NULL when free) goes. A sender that held it mid-deploy simply takes `earning`
-- on its next pass: the lease is a turn, not data. Mirrored in ../sqlite/0008_*.sql.
ALTER TABLE reconcile_lease RENAME TO lease;
DROP TABLE earning_sender_lease;
