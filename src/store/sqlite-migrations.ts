/** Applied in order, once each; the version is the index + 1. Never edit a released entry: append. */
export const sqliteMigrations: readonly string[] = [
  `
  CREATE TABLE conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    network TEXT NOT NULL,
    external_user_id TEXT NOT NULL,
    external_chat_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    display_name TEXT NOT NULL,
    identity TEXT NOT NULL,
    flex_mode TEXT NOT NULL,
    flex_sid TEXT,
    status TEXT NOT NULL CHECK (status IN ('opening', 'active', 'ended')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX conversations_one_open_per_user ON conversations (network, external_user_id) WHERE status <> 'ended';
  CREATE INDEX conversations_by_flex_sid ON conversations (flex_sid);

  CREATE TABLE dedupe (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (source, key)
  ) WITHOUT ROWID;
  CREATE INDEX dedupe_by_age ON dedupe (seen_at);

  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    direction TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    ambiguous INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX outbox_pending_by_key ON outbox (key, id) WHERE status = 'pending';
  CREATE INDEX outbox_pending_due ON outbox (next_attempt_at) WHERE status = 'pending';
  `,
  `
  -- Set just before the first message is posted (which may route the chat): from then on a retry
  -- completes the chat instead of discarding one an agent may already have.
  ALTER TABLE conversations ADD COLUMN routing_requested INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- Agent messages are delivered in Flex's order (their Index), not their webhooks' order: a row
  -- whose webhook came late sorts into the group (seq) of the chat's later rows, by flex_index.
  -- flex_known_*: the chat's indexes the bridge knows of (see known-indexes.ts).
  ALTER TABLE conversations ADD COLUMN flex_known_through INTEGER;
  ALTER TABLE conversations ADD COLUMN flex_known_above TEXT;
  ALTER TABLE outbox ADD COLUMN seq INTEGER;
  ALTER TABLE outbox ADD COLUMN flex_sid TEXT;
  ALTER TABLE outbox ADD COLUMN flex_index INTEGER;
  UPDATE outbox SET seq = id;
  DROP INDEX outbox_pending_by_key;
  CREATE INDEX outbox_pending_in_order ON outbox (key, seq, flex_index, id) WHERE status = 'pending';
  `,
  `
  -- The Discord gateway session, so that the next process to hold the gateway resumes it and
  -- Discord replays the events it dispatched meanwhile.
  CREATE TABLE gateway_sessions (
    name TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    resume_url TEXT NOT NULL,
    shard_id INTEGER NOT NULL,
    shard_count INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  `
  -- Customer messages that could not be stored however often they were offered, kept aside (as
  -- base64 JSON, which any store takes) so that the customers behind them are not held up.
  CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    reason TEXT NOT NULL,
    message TEXT NOT NULL,
    quarantined_at INTEGER NOT NULL,
    UNIQUE (source, key)
  );
  `,
  `
  -- The first pending row of each key, the one delivered next, is marked: a claim reads the marked
  -- rows only, so rows queued behind a head that waits for its retry cost it nothing.
  ALTER TABLE outbox ADD COLUMN is_head INTEGER NOT NULL DEFAULT 0;
  UPDATE outbox SET is_head = 1 WHERE status = 'pending' AND id = (
    SELECT p.id FROM outbox p WHERE p.key = outbox.key AND p.status = 'pending' ORDER BY p.seq, p.flex_index, p.id LIMIT 1);
  CREATE INDEX outbox_heads_due ON outbox (next_attempt_at, id) WHERE is_head = 1;
  CREATE UNIQUE INDEX outbox_head_of_key ON outbox (key) WHERE is_head = 1;
  `,
  `
  -- This installation's id, made once: it is part of every Flex conversation's unique name, so that
  -- two deployments on one Twilio account, or a fresh or restored database, never reuse a name.
  CREATE TABLE installation (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    id TEXT NOT NULL
  );
  INSERT INTO installation (singleton, id) VALUES (1, lower(hex(randomblob(8))));
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
    given_at INTEGER NOT NULL,
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
    conversation_id INTEGER NOT NULL,
    flex_sid TEXT NOT NULL,
    flex_message_sid TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (network, external_message_id)
  );
  CREATE INDEX message_links_flex_message ON message_links (flex_message_sid);
  CREATE INDEX message_links_conversation ON message_links (conversation_id, created_at);
  CREATE INDEX message_links_created ON message_links (created_at);
  `,
  `
  -- The comment a customer may add to the satisfaction survey of a chat they rated, for a while.
  CREATE TABLE survey_comments (
    conversation_id INTEGER PRIMARY KEY,
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
  ALTER TABLE conversations ADD COLUMN agent_joined_at INTEGER;
  `,
  `
  -- PostgreSQL's migration 13 sets storage parameters (fillfactor, autovacuum); SQLite has none to set.
  -- Kept so that both stores' versions keep naming the same change.
  SELECT 1;
  `,
  `
  -- A row whose last attempt failed because its service was down (a 5xx, a network failure) rather
  -- than because of a rate limit: it may go as soon as the service answers again (wakeAfterOutage).
  ALTER TABLE outbox ADD COLUMN waits_for_service INTEGER NOT NULL DEFAULT 0;
  `,
];
