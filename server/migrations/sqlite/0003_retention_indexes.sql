-- The worker deletes idempotency keys and rejected deliveries older than the configured
-- retention (server/config.default.toml); these indexes keep that sweep from scanning.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
CREATE INDEX webhook_rejected_received ON webhook_rejected (received_at);
