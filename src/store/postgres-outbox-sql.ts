import { createHash } from 'node:crypto';

/**
 * The outbox's statements on PostgreSQL, and how they keep one head per key without a lock per message.
 *
 * The first pending row of each key is marked `is_head` (a partial unique index, outbox_head_of_key, allows
 * one per key). A writer that adds a row behind a head locks that head FOR KEY SHARE in the statement that
 * inserts; whatever takes a head away (a delete, a dead letter) locks it FOR UPDATE first, which waits for
 * those writers to commit, and only then, in a later statement (a new snapshot in READ COMMITTED), looks for
 * the next head. A writer that finds no head makes its row the head; when another writer did the same
 * meanwhile, the unique index refuses the second one, which runs again (isHeadConflict) and then sees the
 * first. Row locks: https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-ROWS; what a
 * statement sees in READ COMMITTED: https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED
 */

/** A statement node-postgres prepares once per connection (named by its text), so PostgreSQL parses and plans it once. */
export const prepared = (text: string): { readonly name: string; readonly text: string } => ({
  name: `flex_bridge_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`,
  text,
});

/** The unique index that allows one head per key (migration 6). */
const HEAD_OF_KEY_INDEX = 'outbox_head_of_key';

/**
 * Another writer marked a head of the same key at the same time (see above); the statement, or the
 * transaction, was rolled back and runs again. A deadlock between writers of several keys is retried too.
 */
export const isHeadConflict = (err: unknown): boolean => {
  const { code, constraint } = (err ?? {}) as { code?: string; constraint?: string };
  return (code === '23505' && constraint === HEAD_OF_KEY_INDEX) || code === '40P01';
};

/**
 * The first pending row of the key k.key, apart from the rows $1: the one delivered next. Run only after
 * the key's head, if any, is locked FOR UPDATE (or the key's advisory lock is held), so no writer that
 * relies on that head is still uncommitted.
 */
const FIRST_PENDING_OF_KEY = `
  SELECT p.id FROM outbox p WHERE p.key = k.key AND p.status = 'pending' AND p.id <> ALL($1::bigint[])
  ORDER BY p.seq, p.flex_index, p.id LIMIT 1`;

/** Unmarks any row of each key $2 but its first pending one (run before MARK_HEADS). */
export const UNMARK_FORMER_HEADS = prepared(`
  UPDATE outbox o SET is_head = false FROM unnest($2::text[]) AS k(key)
  WHERE o.key = k.key AND o.is_head AND o.id IS DISTINCT FROM (${FIRST_PENDING_OF_KEY})`);
/**
 * Marks the first pending row of each key $2 as its head, due from $3 at the earliest: a row's turn
 * counts from when it became its key's head, not from when it was queued. Claims take the earliest
 * due first, and a backlog's rows, all queued long ago, would otherwise go before a row just queued
 * for a customer with nothing waiting. So keys take turns.
 */
export const MARK_HEADS = prepared(`
  UPDATE outbox SET is_head = true, next_attempt_at = GREATEST(next_attempt_at, $3)
  WHERE NOT is_head AND id IN (SELECT (${FIRST_PENDING_OF_KEY}) FROM unnest($2::text[]) AS k(key))`);

/**
 * Marks the first pending row of every key with pending rows and no head. A writer that marks one of
 * those keys' heads meanwhile makes this statement, or itself, fail on the unique index (isHeadConflict).
 */
export const MARK_MISSING_HEADS = prepared(`
  UPDATE outbox SET is_head = true
  WHERE id IN (
    SELECT DISTINCT ON (o.key) o.id FROM outbox o
    WHERE o.status = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox h WHERE h.key = o.key AND h.is_head)
    ORDER BY o.key, o.seq, o.flex_index, o.id)`);

/**
 * Locks the rows $1 against writers that rely on them as heads, waiting for those that do; in id order,
 * as everywhere, so two of these never wait on each other.
 */
export const LOCK_ROWS_FOR_REMOVAL = prepared('SELECT 1 FROM outbox WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE');

/**
 * The heads of the keys $1, locked the way a writer that queues rows behind them does (see above). A
 * join, so each key is looked up in outbox_head_of_key: \`key = ANY($1)\` lets the planner read every head.
 */
const HEADS_OF_KEYS = 'SELECT h.key FROM unnest($1::text[]) AS k(key) JOIN outbox h ON h.key = k.key AND h.is_head ORDER BY h.id FOR KEY SHARE OF h';

export const LOCK_HEADS_FOR_WRITING = prepared(HEADS_OF_KEYS);

/**
 * Deletes the rows $1 (locked by LOCK_ROWS_FOR_REMOVAL); where one was its key's head, the key's next
 * row becomes the head, due from $2 at the earliest (see MARK_HEADS).
 */
export const DELETE_ROWS = prepared(`
  WITH gone AS (DELETE FROM outbox WHERE id = ANY($1::bigint[]) RETURNING key, is_head)
  UPDATE outbox SET is_head = true, next_attempt_at = GREATEST(next_attempt_at, $2)
  WHERE id IN (SELECT (${FIRST_PENDING_OF_KEY}) FROM (SELECT DISTINCT key FROM gone WHERE is_head) AS k)`);

/**
 * LOCK_ROWS_FOR_REMOVAL then DELETE_ROWS for the rows `ids` at `now`, as one simple query: one round trip and one
 * implicit transaction, in which each statement takes its snapshot when the one before it is done
 * (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT). That
 * protocol takes no parameters, so the ids, whole numbers, are written into the text.
 */
export const lockAndDeleteRows = (ids: readonly number[], now: number): string => {
  const list = `'{${ids.map(wholeNumber).join(',')}}'::bigint[]`;
  return [LOCK_ROWS_FOR_REMOVAL, DELETE_ROWS]
    .map((statement) => statement.text.replaceAll('$1::bigint[]', list).replaceAll('$2', wholeNumber(now)))
    .join(';\n');
};

const wholeNumber = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new TypeError(`not a whole number: ${n}`);
  return String(n);
};

/** Makes the row $2 dead and no longer its key's head (locked by LOCK_ROWS_FOR_REMOVAL); MARK_HEADS then names the next. */
export const MARK_DEAD = prepared(`
  UPDATE outbox SET status = 'dead', is_head = false, attempts = attempts + 1, last_error = $1, lease_owner = NULL,
    lease_until = NULL WHERE id = $2 RETURNING key`);

/**
 * Takes the advisory locks of the keys $1 (the keys of the rows $2 when $1 is null) until commit, in one
 * order everywhere. Only the rare writers take them (agent messages placed by their index, requeued
 * dead rows): they read a key's queue over several statements, and must not interleave with each other.
 */
export const LOCK_KEYS = prepared(`
  SELECT pg_advisory_xact_lock(hashtext('flex-bridge.outbox'), h) FROM (
    SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k
    UNION SELECT hashtext(key) FROM outbox WHERE id = ANY($2::bigint[])
    ORDER BY h) AS keys`);

/**
 * A row's seq: that of the earliest pending row of its chat with a higher index when the row is an
 * agent message that came late (unless that row's group is already being delivered); its own id otherwise.
 */
export const INSERT_ROW = prepared(`
  WITH n AS (SELECT nextval(pg_get_serial_sequence('outbox', 'id')) AS id)
  INSERT INTO outbox (id, seq, key, direction, payload, next_attempt_at, created_at, flex_sid, flex_index)
  SELECT n.id, COALESCE((
      SELECT MIN(l.seq) FROM outbox l
      WHERE l.key = $1 AND l.status = 'pending' AND l.flex_sid = $6 AND l.flex_index > $7
        AND l.seq > COALESCE((SELECT MAX(f.seq) FROM outbox f WHERE f.key = $1 AND f.status = 'pending' AND f.lease_until >= $5), 0)
    ), n.id), $1, $2, $3::jsonb, $4, $5, $6, $7
  FROM n RETURNING id`);

/**
 * The row $1 of the key $2, when that key has nothing else pending, goes to the front of the line,
 * right behind the head there: a customer who writes now and then is not kept waiting by customers
 * working through a backlog. A key jumps the line only when it has nothing else pending; its next
 * row takes its turn (see MARK_HEADS).
 */
export const JOIN_FRONT_OF_LINE = prepared(`
  UPDATE outbox SET next_attempt_at = LEAST(next_attempt_at, (SELECT MIN(h.next_attempt_at) FROM outbox h WHERE h.is_head))
  WHERE id = $1 AND is_head AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.key = $2 AND o.status = 'pending' AND o.id <> $1)`);

/**
 * Rows without an index (anything but an agent message), keys $1, directions $2, payloads $3, made at $4:
 * each its own group, after every other row of its key, so no scan of the key's queue. The first of a
 * key is its head when the key has none; the heads found are locked FOR KEY SHARE (see above). A row
 * that is all its key has pending goes to the front of the line (see JOIN_FRONT_OF_LINE).
 */
const insertPlainRows = (rows: string): string => `
  heads AS (${HEADS_OF_KEYS}),
  numbered AS (SELECT nextval(pg_get_serial_sequence('outbox', 'id')) AS id, r.* FROM ${rows} AS r),
  placed AS (
    SELECT numbered.*, n = MIN(n) OVER (PARTITION BY key) AND key NOT IN (SELECT key FROM heads) AS head,
      COUNT(*) OVER (PARTITION BY key) = 1 AS alone
    FROM numbered),
  stored AS (
    INSERT INTO outbox (id, seq, key, direction, payload, next_attempt_at, created_at, is_head)
    SELECT id, id, key, direction, payload::jsonb,
      CASE WHEN head AND alone THEN LEAST($4, (SELECT MIN(h.next_attempt_at) FROM outbox h WHERE h.is_head)) ELSE $4 END, $4, head
    FROM placed RETURNING 1)`;

const PLAIN_ROWS = 'unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS given(key, direction, payload, n)';

/** Enqueues plain rows (see insertPlainRows) in one statement. */
export const ENQUEUE_PLAIN_ROWS = prepared(`WITH ${insertPlainRows(`(SELECT * FROM ${PLAIN_ROWS})`)} SELECT count(*) AS n FROM stored`);

/**
 * Records the dedupe key ($5, $6) and, only when it is new, enqueues plain rows (see insertPlainRows):
 * one statement, so one round trip and one commit. `accepted` is false when the key was seen before.
 */
export const ACCEPT_PLAIN_ROWS_ONCE = prepared(`
  WITH seen AS (INSERT INTO dedupe (source, key, seen_at) VALUES ($5, $6, $4) ON CONFLICT DO NOTHING RETURNING 1),
  ${insertPlainRows(`(SELECT * FROM ${PLAIN_ROWS} WHERE EXISTS (SELECT 1 FROM seen))`)}
  SELECT EXISTS (SELECT 1 FROM seen) AS accepted`);

/** Records a dedupe key; no row when it was seen before. */
export const INSERT_DEDUPE = prepared('INSERT INTO dedupe (source, key, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1');

/**
 * Heads that are due and not leased, locked so that concurrent claimers skip them. FOR NO KEY UPDATE,
 * not FOR UPDATE: a writer queueing a row behind a head (FOR KEY SHARE) must not make a claim skip it.
 * lease_owner is selected before the update so the caller learns the row had been leased to someone else.
 */
export const CLAIM = prepared(`
  WITH heads AS (
    SELECT o.id, o.lease_owner AS previous_owner FROM outbox o
    WHERE o.is_head AND o.next_attempt_at <= $1 AND (o.lease_until IS NULL OR o.lease_until < $1)
    ORDER BY o.next_attempt_at, o.id
    LIMIT $2
    FOR NO KEY UPDATE OF o SKIP LOCKED
  ), leased AS (
    UPDATE outbox SET lease_owner = $3, lease_until = $4 FROM heads WHERE outbox.id = heads.id
    RETURNING outbox.*, heads.previous_owner
  )
  SELECT * FROM leased ORDER BY next_attempt_at, id`);

export const RENEW_LEASES = prepared('UPDATE outbox SET lease_until = $1 WHERE id = ANY($2::bigint[]) AND lease_owner = $3');
