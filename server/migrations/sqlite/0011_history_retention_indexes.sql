-- The worker also deletes processed inbox rows, order transitions and settled earnings past
-- their retention (inbox_retention, transition_retention, earning_retention in
-- server/config.default.toml); these indexes keep that sweep from scanning the tables.
-- Indexes only: an older binary runs on this schema unchanged. Mirrored in the other backend.
CREATE INDEX webhook_inbox_processed ON webhook_inbox (processed_at) WHERE processed_at IS NOT NULL;
CREATE INDEX order_transitions_at ON order_transitions (at);
CREATE INDEX earning_outbox_completed ON earning_outbox (completed_at) WHERE state <> 'pending';
