import pg from 'pg';
import { CONNECT_TIMEOUT_MS } from './postgres-timeouts.js';

/** Applied in order, once each; the version is the index + 1. Never edit a released entry: append. */
export const postgresMigrations: readonly string[] = [
  `
  CREATE TABLE conversations (
    id BIGSERIAL PRIMARY KEY,
    network TEXT NOT NULL,
    external_user_id TEXT NOT NULL,
    external_chat_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    display_name TEXT NOT NULL,
    identity TEXT NOT NULL,
    flex_mode TEXT NOT NULL,
    flex_sid TEXT,
    status TEXT NOT NULL CHECK (status IN ('opening', 'active', 'ended')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE UNIQUE INDEX conversations_one_open_per_user ON conversations (network, external_user_id) WHERE status <> 'ended';
  CREATE INDEX conversations_by_flex_sid ON conversations (flex_sid);

  CREATE TABLE dedupe (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (source, key)
  );
  CREATE INDEX dedupe_by_age ON dedupe (seen_at);

  CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    direction TEXT NOT NULL,
    payload JSONB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    ambiguous BOOLEAN NOT NULL DEFAULT FALSE,
    lease_owner TEXT,
    lease_until BIGINT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX outbox_pending_by_key ON outbox (key, id) WHERE status = 'pending';
  CREATE INDEX outbox_pending_due ON outbox (next_attempt_at) WHERE status = 'pending';
  `,
  `
  ALTER TABLE conversations ADD COLUMN routing_requested BOOLEAN NOT NULL DEFAULT false;
  `,
  `
  ALTER TABLE conversations ADD COLUMN flex_known_through INTEGER;
  ALTER TABLE conversations ADD COLUMN flex_known_above TEXT;
  ALTER TABLE outbox ADD COLUMN seq BIGINT;
  ALTER TABLE outbox ADD COLUMN flex_sid TEXT;
  ALTER TABLE outbox ADD COLUMN flex_index INTEGER;
  UPDATE outbox SET seq = id;
  DROP INDEX outbox_pending_by_key;
  CREATE INDEX outbox_pending_in_order ON outbox (key, seq, flex_index, id) WHERE status = 'pending';
  `,
  `
  CREATE TABLE gateway_sessions (
    name TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    resume_url TEXT NOT NULL,
    shard_id INTEGER NOT NULL,
    shard_count INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
  );
  `,
  `
  CREATE TABLE quarantine (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    reason TEXT NOT NULL,
    message TEXT NOT NULL,
    quarantined_at BIGINT NOT NULL,
    UNIQUE (source, key)
  );
  `,
  `
  ALTER TABLE outbox ADD COLUMN is_head BOOLEAN NOT NULL DEFAULT false;
  UPDATE outbox SET is_head = true WHERE status = 'pending' AND id = (
    SELECT p.id FROM outbox p WHERE p.key = outbox.key AND p.status = 'pending' ORDER BY p.seq, p.flex_index, p.id LIMIT 1);
  CREATE INDEX outbox_heads_due ON outbox (next_attempt_at, id) WHERE is_head;
  CREATE UNIQUE INDEX outbox_head_of_key ON outbox (key) WHERE is_head;
  -- A queue table: rows come and go all day. Vacuumed after a fixed number of dead rows rather than
  -- a share of the table, so that claims do not wade through dead tuples between vacuums.
  ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0, autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000);
  `,
  `
  CREATE TABLE installation (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    id TEXT NOT NULL
  );
  INSERT INTO installation (id) VALUES (substr(md5(random()::text || clock_timestamp()::text), 1, 16));
  `,
  `
  -- The customer's language as their network gave it (e.g. Telegram's language_code), so what the
  -- bridge tells them later in the chat (an agent joined, the chat ended) is in their language.
  ALTER TABLE conversations ADD COLUMN language TEXT;
  `,
  `
  -- The /start deep-link parameter each customer gave last, kept until a chat of theirs has carried it;
  -- and a customer's earlier chats found by user, for the line that tells an agent about them.
  CREATE TABLE start_payloads (
    network TEXT NOT NULL,
    external_user_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    given_at BIGINT NOT NULL,
    PRIMARY KEY (network, external_user_id)
  );
  CREATE INDEX conversations_by_user ON conversations (network, external_user_id, id);
  `,
  `
  -- Where each customer message went in Flex: an agent's reply to it becomes a native reply on the
  -- network, and its deletion is shown to the agent with a quote. Forgotten when the chat ends.
  CREATE TABLE message_links (
    network TEXT NOT NULL,
    external_message_id TEXT NOT NULL,
    conversation_id BIGINT NOT NULL,
    flex_sid TEXT NOT NULL,
    flex_message_sid TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (network, external_message_id)
  );
  CREATE INDEX message_links_flex_message ON message_links (flex_message_sid);
  CREATE INDEX message_links_conversation ON message_links (conversation_id, created_at);
  CREATE INDEX message_links_created ON message_links (created_at);
  `,
  `
  -- The comment a customer may add to the satisfaction survey of a chat they rated, for a while.
  CREATE TABLE survey_comments (
    conversation_id BIGINT PRIMARY KEY,
    network TEXT NOT NULL,
    external_user_id TEXT NOT NULL,
    open_until BIGINT NOT NULL,
    comment TEXT
  );
  CREATE INDEX survey_comments_by_user ON survey_comments (network, external_user_id, open_until);
  `,
  `
  -- When an agent first joined the chat (a participant or member who is not the customer or the
  -- bridge): only such a chat asks the customer to rate it.
  ALTER TABLE conversations ADD COLUMN agent_joined_at BIGINT;
  `,
  `
  -- Storage parameters for the tables that churn (migration 6 set outbox's autovacuum thresholds):
  -- https://www.postgresql.org/docs/current/sql-createtable.html#SQL-CREATETABLE-STORAGE-PARAMETERS
  -- A claim and a lease renewal update columns no index holds; room left on each page lets them be
  -- HOT updates (https://www.postgresql.org/docs/current/storage-hot.html), with no new index entries.
  ALTER TABLE outbox SET (fillfactor = 80);
  -- dedupe and message_links lose an hour's rows at a time (pruneDedupe, pruneMessageLinks, hourly):
  -- vacuumed after each pruning, rather than once a fifth of the week's or month's rows they keep are dead.
  ALTER TABLE dedupe SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);
  ALTER TABLE message_links SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);
  `,
  `
  -- A row whose last attempt failed because its service was down (a 5xx, a network failure) rather
  -- than because of a rate limit: it may go as soon as the service answers again (wakeAfterOutage).
  ALTER TABLE outbox ADD COLUMN waits_for_service boolean NOT NULL DEFAULT false;
  `,
];

/** Applies pending migrations; the advisory lock lets several processes start at once. */
/**
 * Applies pending migrations on a connection of its own: without the pool's query timeouts, since a
 * migration may take long on a big table and waits for another process that is migrating.
 */
export async function migratePostgres(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('flex-bridge.migrations'))");
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      for (const [i, sql] of postgresMigrations.entries()) {
        const version = i + 1;
        if (applied.has(version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('flex-bridge.migrations'))");
    }
  } finally {
    await client.end();
  }
}
