import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { InboundMessage, UserKey } from '../core/messages.js';
import {
  CONVERSATIONS_WITH_GAPS,
  conversationsHoldingForGaps,
  knownIndexesColumns,
  knownIndexesOf,
  missesBefore,
  NOTHING_KNOWN,
  withIndex,
  type KnownIndexes,
} from './known-indexes.js';
import { SqliteGroupCommit } from './sqlite-group-commit.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { earlierMessagesJoinGroup } from './reorder-groups.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import type {
  ReorderHold,
  ChatMapping,
  EarlierChats,
  StartPayload,
  ChatMappingStatus,
  DedupeKey,
  MessageLink,
  NewChatMapping,
  NewOutboxRow,
  OutboxRow,
  OutboxStats,
  OutboxStatus,
  QuarantinedMessage,
  Store,
} from './store.js';
import { QUOTED_TEXT_MAX } from './store.js';
import {
  encodeQuarantined,
  toChatMapping,
  toMessageLink,
  toOutboxRow,
  toQuarantinedMessage,
  type ChatMappingRecord,
  type MessageLinkRecord,
  type OutboxRecord,
  type QuarantineRecord,
} from './records.js';
import type { GatewaySessionRecord, KeptGatewaySession } from '../core/gateway-sessions.js';

/** A network's chat ids, open or changed since the second parameter, the latest first (see RecentChats). */
const RECENT_CHAT_IDS = `
  SELECT external_chat_id FROM conversations WHERE network = ? AND (status <> 'ended' OR updated_at >= ?)
  GROUP BY external_chat_id ORDER BY MAX(updated_at) DESC LIMIT ?`;

/** The first pending row of @key: the one delivered next, marked `is_head` (see the migration). */
const FIRST_PENDING_OF_KEY = `SELECT p.id FROM outbox p WHERE p.key = @key AND p.status = 'pending' ORDER BY p.seq, p.flex_index, p.id LIMIT 1`;

/**
 * The group a late agent message joins: that of the earliest pending row of its chat with a higher
 * index, unless that row's group is already being delivered. NULL (the row's own group) otherwise.
 */
const REORDER_GROUP = `
  SELECT MIN(l.seq) FROM outbox l
  WHERE l.key = @key AND l.status = 'pending' AND l.flex_sid = @flexSid AND l.flex_index > @index
    AND l.seq > COALESCE((SELECT MAX(f.seq) FROM outbox f WHERE f.key = @key AND f.status = 'pending' AND f.lease_until >= @now), 0)`;

/** The embedded store: one SQLite file in WAL mode. Several processes may share it on one host. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly checkpointer: SqliteCheckpointer | undefined;
  /** Made once: a better-sqlite3 transaction function costs more to make than a claim of a few rows. */
  private readonly claimHeads;
  /** The writes of a message's way through (intake, delivery, its end), committed per turn of the event loop. */
  private readonly writes: SqliteGroupCommit;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    if (path !== ':memory:') {
      // Checkpoints move to a thread (see sqlite-checkpointer.ts), and come back here if it stops.
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new SqliteCheckpointer(path, () => {
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      });
    }
    const db = this.db;
    this.writes = new SqliteGroupCommit(db);
    this.claimHeads = db.transaction((owner: string, limit: number, until: number, now: number) => {
      const heads = this.stmt.heads.all({ now, limit }) as OutboxRecord[];
      for (const h of heads) this.stmt.lease.run(owner, until, h.id);
      return heads.map(toOutboxRow);
    });
    this.stmt = {
      insertDedupe: db.prepare('INSERT OR IGNORE INTO dedupe (source, key, seen_at) VALUES (?, ?, ?)'),
      insertOutbox: db.prepare(
        `INSERT INTO outbox (key, direction, payload, next_attempt_at, created_at, flex_sid, flex_index, seq)
         VALUES (@key, @direction, @payload, @dueAt, @now, @flexSid, @index, (${REORDER_GROUP}))`,
      ),
      // A row without an index comes after every other row of its key: the head when there is none.
      insertPlainOutbox: db.prepare(
        `INSERT INTO outbox (key, direction, payload, next_attempt_at, created_at, is_head)
         VALUES (@key, @direction, @payload, @dueAt, @now, NOT EXISTS (SELECT 1 FROM outbox h WHERE h.key = @key AND h.is_head = 1))`,
      ),
      releaseReorderHold: db.prepare(
        `UPDATE outbox SET next_attempt_at = @now
         WHERE status = 'pending' AND flex_sid = @flexSid AND flex_index <= @upToIndex AND attempts = 0 AND next_attempt_at > @now`,
      ),
      startOwnGroup: db.prepare('UPDATE outbox SET seq = id WHERE id = ? AND seq IS NULL'),
      unmarkFormerHead: db.prepare(
        `UPDATE outbox SET is_head = 0 WHERE key = @key AND is_head = 1 AND id IS NOT (${FIRST_PENDING_OF_KEY})`,
      ),
      // A row's turn counts from when it became its key's head, not from when it was queued: claims
      // take the earliest due first, and a backlog's rows, all queued long ago, would otherwise go
      // before a row just queued for a customer with nothing waiting. So keys take turns.
      markHead: db.prepare(
        `UPDATE outbox SET is_head = 1, next_attempt_at = MAX(next_attempt_at, @now) WHERE id = (${FIRST_PENDING_OF_KEY}) AND is_head = 0`,
      ),
      // A row of a key with nothing else pending goes to the front of the line, right behind the head
      // there: a customer who writes now and then is not kept waiting by customers working through a
      // backlog. A key jumps the line only when it has nothing else pending; its next row takes its turn.
      joinFrontOfLine: db.prepare(
        `UPDATE outbox SET next_attempt_at = MIN(next_attempt_at, (SELECT MIN(h.next_attempt_at) FROM outbox h WHERE h.is_head = 1))
         WHERE id = @id AND is_head = 1 AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.key = @key AND o.status = 'pending' AND o.id <> @id)`,
      ),
      keyOf: db.prepare('SELECT key FROM outbox WHERE id = ?').pluck(),
      deadKeys: db.prepare("SELECT DISTINCT key FROM outbox WHERE status = 'dead'").pluck(),
      knownIndexes: db.prepare('SELECT flex_known_through AS through, flex_known_above AS above FROM conversations WHERE id = ?'),
      setKnownIndexes: db.prepare('UPDATE conversations SET flex_known_through = ?, flex_known_above = ?, updated_at = ? WHERE id = ?'),
      noteNextIndex: db.prepare(
        `UPDATE conversations SET flex_known_through = ?, updated_at = ?
         WHERE id = ? AND COALESCE(flex_known_through, -1) = ? - 1 AND flex_known_above IS NULL`,
      ),
      holdingForGaps: db.prepare(conversationsHoldingForGaps('@now', '@heldSince')),
      recentlyActive: db.prepare(
        "SELECT * FROM conversations WHERE status = 'active' AND updated_at >= ? ORDER BY updated_at DESC LIMIT ?",
      ),
      currentMapping: db.prepare(
        "SELECT * FROM conversations WHERE network = ? AND external_user_id = ? AND status <> 'ended'",
      ),
      mappingByFlexSid: db.prepare('SELECT * FROM conversations WHERE flex_sid = ? ORDER BY id DESC LIMIT 1'),
      latestMapping: db.prepare(
        'SELECT * FROM conversations WHERE network = ? AND external_user_id = ? AND flex_sid IS NOT NULL ORDER BY id DESC LIMIT 1',
      ),
      insertConversation: db.prepare(
        `INSERT INTO conversations (network, external_user_id, external_chat_id, handle, display_name, language,
           identity, flex_mode, status, created_at, updated_at)
         VALUES (@network, @externalUserId, @externalChatId, @handle, @displayName, @language, @identity, @flexMode, 'opening', @now, @now)
         ON CONFLICT DO NOTHING`,
      ),
      setFlexSid: db.prepare('UPDATE conversations SET flex_sid = ?, updated_at = ? WHERE id = ?'),
      setStatus: db.prepare('UPDATE conversations SET status = ?, updated_at = ? WHERE id = ? AND status <> \'ended\''),
      countOpen: db.prepare("SELECT COUNT(*) AS n FROM conversations WHERE status <> 'ended'"),
      countEarlier: db.prepare(
        `SELECT COUNT(*) AS n FROM conversations
         WHERE network = ? AND external_user_id = ? AND id < ? AND status = 'ended' AND flex_sid IS NOT NULL`,
      ),
      lastEarlier: db.prepare(
        `SELECT flex_sid AS flexSid, created_at AS openedAt, updated_at AS endedAt FROM conversations
         WHERE network = ? AND external_user_id = ? AND id < ? AND status = 'ended' AND flex_sid IS NOT NULL
         ORDER BY id DESC LIMIT 1`,
      ),
      rememberStartPayload: db.prepare(
        `INSERT INTO start_payloads (network, external_user_id, payload, given_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (network, external_user_id) DO UPDATE SET payload = excluded.payload, given_at = excluded.given_at`,
      ),
      startPayload: db.prepare('SELECT payload, given_at AS givenAt FROM start_payloads WHERE network = ? AND external_user_id = ?'),
      forgetStartPayload: db.prepare('DELETE FROM start_payloads WHERE network = ? AND external_user_id = ? AND given_at = ?'),
      heads: db.prepare(
        `SELECT o.* FROM outbox o
         WHERE o.is_head = 1 AND o.next_attempt_at <= @now AND (o.lease_until IS NULL OR o.lease_until < @now)
         ORDER BY o.next_attempt_at, o.id LIMIT @limit`,
      ),
      lease: db.prepare('UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id = ?'),
      renew: db.prepare('UPDATE outbox SET lease_until = ? WHERE id = ? AND lease_owner = ?'),
      complete: db.prepare('DELETE FROM outbox WHERE id = ? RETURNING key, is_head AS wasHead'),
      retryLater: db.prepare(
        `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, ambiguous = ?, waits_for_service = ?,
           lease_owner = NULL, lease_until = NULL WHERE id = ?`,
      ),
      wakeAfterOutage: db.prepare(
        `UPDATE outbox SET next_attempt_at = @now, waits_for_service = 0
         WHERE is_head = 1 AND waits_for_service = 1 AND next_attempt_at > @now AND substr(key, 1, length(@prefix)) = @prefix`,
      ),
      quarantine: db.prepare(
        'INSERT INTO quarantine (source, key, reason, message, quarantined_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      listQuarantine: db.prepare('SELECT * FROM quarantine ORDER BY id LIMIT ?'),
      forgetQuarantined: db.prepare('DELETE FROM quarantine WHERE id = ?'),
      postpone: db.prepare('UPDATE outbox SET next_attempt_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?'),
      earlierMessagesJoinGroup: db.prepare(earlierMessagesJoinGroup('@id')).pluck(),
      earlierMessagePending: db.prepare(
        "SELECT 1 FROM outbox WHERE key = ? AND status = 'pending' AND flex_sid = ? AND flex_index < ? LIMIT 1",
      ),
      countPending: db.prepare("SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox WHERE key = ? AND status = 'pending' LIMIT ?)"),
      deadLetter: db.prepare(
        `UPDATE outbox SET status = 'dead', is_head = 0, attempts = attempts + 1, last_error = ?, lease_owner = NULL,
           lease_until = NULL WHERE id = ?`,
      ),
      nextDue: db.prepare(
        'SELECT MIN(MAX(next_attempt_at, COALESCE(lease_until, 0))) AS at FROM outbox WHERE is_head = 1',
      ),
      stats: db.prepare(
        `SELECT SUM(status = 'pending') AS pending, SUM(status = 'dead') AS dead,
           SUM(status = 'dead' AND json_extract(payload, '$.kind') = 'customer-message') AS dead_customer,
           MIN(CASE WHEN status = 'pending' AND key NOT IN (
             SELECT key FROM outbox WHERE is_head = 1 AND attempts = 0 AND next_attempt_at > ?) THEN created_at END) AS oldest,
           (SELECT COUNT(*) FROM quarantine) AS quarantined FROM outbox`,
      ),
      requeueAll: db.prepare(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, ambiguous = 1 WHERE status = 'dead'",
      ),
      requeueOne: db.prepare(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, ambiguous = 1 WHERE status = 'dead' AND id = ?",
      ),
      pruneDedupe: db.prepare('DELETE FROM dedupe WHERE seen_at < ?'),
      installationId: db.prepare('SELECT id FROM installation'),
      openSurveyComment: db.prepare(
        'INSERT INTO survey_comments (conversation_id, network, external_user_id, open_until) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      surveyAwaitingComment: db.prepare(
        `SELECT conversation_id AS id FROM survey_comments WHERE network = ? AND external_user_id = ? AND open_until > ? AND comment IS NULL
           ORDER BY open_until DESC LIMIT 1`,
      ),
      saveSurveyComment: db.prepare('UPDATE survey_comments SET comment = ? WHERE conversation_id = ? AND comment IS NULL'),
      surveyComment: db.prepare('SELECT comment FROM survey_comments WHERE conversation_id = ?'),
      markMissingHeads: db.prepare(
        `UPDATE outbox SET is_head = 1 WHERE id IN (
           SELECT (${FIRST_PENDING_OF_KEY.replace('@key', 'k.key')}) FROM (
             SELECT DISTINCT o.key FROM outbox o
             WHERE o.status = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox h WHERE h.key = o.key AND h.is_head = 1)) AS k)`,
      ),
      linkMessage: db.prepare(
        `INSERT INTO message_links (network, external_message_id, conversation_id, flex_sid, flex_message_sid, text, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      wakeKey: db.prepare("UPDATE outbox SET next_attempt_at = ? WHERE key = ? AND is_head = 1 AND status = 'pending' AND next_attempt_at > ?"),
    };
  }

  private insertRows(rows: readonly NewOutboxRow[], now: number, order?: ReorderHold): void {
    let dueAt = now;
    if (order) {
      const known = this.knownIndexes(order.mappingId);
      if (missesBefore(known, order.index)) dueAt = now + order.holdMs;
      this.setKnownIndexes(order.mappingId, withIndex(known, order.index));
    }
    for (const row of rows) {
      const values = { key: row.key, direction: row.direction, payload: JSON.stringify(row.payload), dueAt, now };
      // Only an agent message with its index can join an earlier group; looking for one costs a scan of the key's queue.
      const id = order
        ? this.stmt.insertOutbox.run({ ...values, flexSid: order.flexSid, index: order.index }).lastInsertRowid
        : this.stmt.insertPlainOutbox.run(values).lastInsertRowid;
      this.stmt.startOwnGroup.run(id);
      // A late agent message may go before the key's head.
      if (order) this.refreshHead(row.key, now);
      if (dueAt <= now) this.stmt.joinFrontOfLine.run({ id, key: row.key });
    }
  }

  /** Marks the key's first pending row as its head, and only that one. */
  private refreshHead(key: string, now: number): void {
    this.stmt.unmarkFormerHead.run({ key });
    this.stmt.markHead.run({ key, now });
  }

  async quarantine(dedupe: DedupeKey, message: InboundMessage, reason: string): Promise<void> {
    this.stmt.quarantine.run(dedupe.source, dedupe.key, reason, encodeQuarantined(message), Date.now());
  }

  async listQuarantine(limit = 100): Promise<QuarantinedMessage[]> {
    return (this.stmt.listQuarantine.all(limit) as QuarantineRecord[]).map(toQuarantinedMessage);
  }

  async forgetQuarantined(id: number): Promise<boolean> {
    return this.stmt.forgetQuarantined.run(id).changes === 1;
  }

  async acceptOnce(dedupe: DedupeKey, rows: readonly NewOutboxRow[], order?: ReorderHold): Promise<boolean> {
    return this.writes.run(() => {
      const now = Date.now();
      if (this.stmt.insertDedupe.run(dedupe.source, dedupe.key, now).changes === 0) return false;
      this.insertRows(rows, now, order);
      return true;
    });
  }

  async enqueue(rows: readonly NewOutboxRow[]): Promise<void> {
    return this.writes.run(() => this.insertRows(rows, Date.now()));
  }

  async currentMapping(user: UserKey): Promise<ChatMapping | undefined> {
    const r = this.stmt.currentMapping.get(user.network, user.externalUserId) as ChatMappingRecord | undefined;
    return r && toChatMapping(r);
  }

  async mappingByFlexSid(flexSid: string): Promise<ChatMapping | undefined> {
    const r = this.stmt.mappingByFlexSid.get(flexSid) as ChatMappingRecord | undefined;
    return r && toChatMapping(r);
  }

  async latestMapping(user: UserKey): Promise<ChatMapping | undefined> {
    const r = this.stmt.latestMapping.get(user.network, user.externalUserId) as ChatMappingRecord | undefined;
    return r && toChatMapping(r);
  }

  async beginMapping(c: NewChatMapping): Promise<ChatMapping> {
    return this.db.transaction(() => {
      this.stmt.insertConversation.run({ ...c, language: c.language ?? null, now: Date.now() });
      const r = this.stmt.currentMapping.get(c.network, c.externalUserId) as ChatMappingRecord;
      return toChatMapping(r);
    }).immediate();
  }

  async setFlexSid(id: number, flexSid: string | null): Promise<void> {
    this.stmt.setFlexSid.run(flexSid, Date.now(), id);
  }

  async noteFlexIndex(id: number, index: number, allBefore = false): Promise<void> {
    return this.writes.run(() => {
      // The usual case, the next index with nothing known above, takes one statement.
      if (this.stmt.noteNextIndex.run(index, Date.now(), id, index).changes === 1) return;
      this.setKnownIndexes(id, withIndex(this.knownIndexes(id), index, allBefore));
    });
  }

  private knownIndexes(id: number): KnownIndexes {
    const r = this.stmt.knownIndexes.get(id) as { through: number | null; above: string | null } | undefined;
    return r ? knownIndexesOf(r.through, r.above) : NOTHING_KNOWN;
  }

  private setKnownIndexes(id: number, known: KnownIndexes): void {
    const { through, above } = knownIndexesColumns(known);
    this.stmt.setKnownIndexes.run(through, above, Date.now(), id);
  }

  async releaseReorderHold(flexSid: string, upToIndex: number): Promise<void> {
    this.stmt.releaseReorderHold.run({ now: Date.now(), flexSid, upToIndex });
  }

  async markRoutingRequested(id: number): Promise<void> {
    this.db.prepare('UPDATE conversations SET routing_requested = 1, updated_at = ? WHERE id = ?').run(Date.now(), id);
  }

  async resetOpening(id: number): Promise<void> {
    this.db.prepare('UPDATE conversations SET flex_sid = NULL, routing_requested = 0, updated_at = ? WHERE id = ?').run(Date.now(), id);
  }

  async noteAgentJoined(id: number): Promise<void> {
    this.db.prepare('UPDATE conversations SET agent_joined_at = coalesce(agent_joined_at, ?) WHERE id = ?').run(Date.now(), id);
  }

  async activateMapping(id: number): Promise<void> {
    this.stmt.setStatus.run('active', Date.now(), id);
  }

  async endMapping(id: number): Promise<void> {
    this.db.transaction(() => {
      this.stmt.setStatus.run('ended', Date.now(), id);
      this.db.prepare('DELETE FROM message_links WHERE conversation_id = ?').run(id);
    }).immediate();
  }

  async listMappings(filter: { status?: ChatMappingStatus; limit?: number } = {}): Promise<ChatMapping[]> {
    const rows = filter.status
      ? this.db.prepare('SELECT * FROM conversations WHERE status = ? ORDER BY id DESC LIMIT ?').all(filter.status, filter.limit ?? 100)
      : this.db.prepare('SELECT * FROM conversations ORDER BY id DESC LIMIT ?').all(filter.limit ?? 100);
    return (rows as ChatMappingRecord[]).map(toChatMapping);
  }

  async mappingsWithGaps(): Promise<ChatMapping[]> {
    return (this.db.prepare(CONVERSATIONS_WITH_GAPS).all() as ChatMappingRecord[]).map(toChatMapping);
  }

  async mappingsHoldingForGaps(heldSince: number, now = Date.now()): Promise<ChatMapping[]> {
    const rows = this.stmt.holdingForGaps.all({ heldSince, now }) as ChatMappingRecord[];
    return rows.map(toChatMapping);
  }

  async recentlyActiveMappings(since: number, limit: number): Promise<ChatMapping[]> {
    return (this.stmt.recentlyActive.all(since, limit) as ChatMappingRecord[]).map(toChatMapping);
  }

  async recentChatIds(network: string, since: number, limit: number): Promise<string[]> {
    const rows = this.db.prepare(RECENT_CHAT_IDS).all(network, since, limit) as { external_chat_id: string }[];
    return rows.map((row) => row.external_chat_id);
  }

  async countOpenMappings(): Promise<number> {
    return (this.stmt.countOpen.get() as { n: number }).n;
  }

  async earlierChats(user: UserKey, beforeId: number): Promise<EarlierChats> {
    return this.db.transaction(() => {
      const { n } = this.stmt.countEarlier.get(user.network, user.externalUserId, beforeId) as { n: number };
      const last = this.stmt.lastEarlier.get(user.network, user.externalUserId, beforeId) as EarlierChats['last'];
      return last ? { count: n, last } : { count: n };
    })();
  }

  async rememberStartPayload(user: UserKey, payload: string, givenAt = Date.now()): Promise<void> {
    this.stmt.rememberStartPayload.run(user.network, user.externalUserId, payload, givenAt);
  }

  async startPayload(user: UserKey): Promise<StartPayload | undefined> {
    return this.stmt.startPayload.get(user.network, user.externalUserId) as StartPayload | undefined;
  }

  async forgetStartPayload(user: UserKey, givenAt: number): Promise<void> {
    this.stmt.forgetStartPayload.run(user.network, user.externalUserId, givenAt);
  }

  async claimDue(owner: string, limit: number, leaseMs: number, now = Date.now()): Promise<OutboxRow[]> {
    return this.claimHeads.immediate(owner, limit, now + leaseMs, now);
  }

  async renewLeases(owner: string, ids: readonly number[], until: number): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.stmt.renew.run(until, id, owner);
    }).immediate();
  }

  complete(id: number): Promise<void> {
    return this.writes.run(() => {
      const deleted = this.stmt.complete.get(id) as { key: string; wasHead: number } | undefined;
      if (deleted?.wasHead) this.stmt.markHead.run({ key: deleted.key, now: Date.now() });
    });
  }

  async retryLater(id: number, at: number, error: string, ambiguous: boolean, serviceDown = false): Promise<void> {
    return this.writes.run(() => void this.stmt.retryLater.run(at, error, ambiguous ? 1 : 0, serviceDown ? 1 : 0, id));
  }

  async wakeAfterOutage(keyPrefix: string): Promise<number> {
    return this.writes.run(() => this.stmt.wakeAfterOutage.run({ now: Date.now(), prefix: keyPrefix }).changes);
  }

  async postpone(id: number, at: number): Promise<void> {
    return this.writes.run(() => {
      this.stmt.postpone.run(at, id);
      const [key] = this.stmt.earlierMessagesJoinGroup.all({ id }) as string[];
      if (key !== undefined) this.refreshHead(key, Date.now());
    });
  }

  async earlierMessagePending(key: string, flexSid: string, index: number): Promise<boolean> {
    return this.stmt.earlierMessagePending.get(key, flexSid, index) !== undefined;
  }

  async countPending(key: string, upTo: number): Promise<number> {
    return (this.stmt.countPending.get(key, upTo) as { n: number }).n;
  }

  async deadLetter(id: number, reason: string): Promise<void> {
    return this.writes.run(() => {
      const key = this.stmt.keyOf.get(id) as string | undefined;
      this.stmt.deadLetter.run(reason, id);
      if (key !== undefined) this.stmt.markHead.run({ key, now: Date.now() });
    });
  }

  async nextDueAt(): Promise<number | undefined> {
    const r = this.stmt.nextDue.get() as { at: number | null };
    return r.at ?? undefined;
  }

  async listOutbox(filter: { status?: OutboxStatus; limit?: number } = {}): Promise<OutboxRow[]> {
    const rows = filter.status
      ? this.db.prepare('SELECT * FROM outbox WHERE status = ? ORDER BY id LIMIT ?').all(filter.status, filter.limit ?? 100)
      : this.db.prepare('SELECT * FROM outbox ORDER BY id LIMIT ?').all(filter.limit ?? 100);
    return (rows as OutboxRecord[]).map(toOutboxRow);
  }

  async requeueDead(ids?: readonly number[]): Promise<number> {
    const now = Date.now();
    return this.db.transaction(() => {
      // A requeued row goes back to its place in its key's order, which may be before the head.
      const keys = ids ? ids.map((id) => this.stmt.keyOf.get(id) as string | undefined) : (this.stmt.deadKeys.all() as string[]);
      const requeued = ids
        ? ids.reduce((n, id) => n + this.stmt.requeueOne.run(now, id).changes, 0)
        : this.stmt.requeueAll.run(now).changes;
      for (const key of new Set(keys)) if (key !== undefined) this.refreshHead(key, now);
      return requeued;
    }).immediate();
  }

  async outboxStats(now = Date.now()): Promise<OutboxStats> {
    const r = this.stmt.stats.get(now) as {
      pending: number | null;
      dead: number | null;
      dead_customer: number | null;
      oldest: number | null;
      quarantined: number;
    };
    return { pending: r.pending ?? 0, dead: r.dead ?? 0, deadCustomerMessages: r.dead_customer ?? 0, oldestPendingAt: r.oldest, quarantined: r.quarantined };
  }

  async openSurveyComment(mappingId: number, user: UserKey, until: number): Promise<void> {
    this.stmt.openSurveyComment.run(mappingId, user.network, user.externalUserId, until);
  }

  async surveyAwaitingComment(user: UserKey, now: number): Promise<number | undefined> {
    return (this.stmt.surveyAwaitingComment.get(user.network, user.externalUserId, now) as { id: number } | undefined)?.id;
  }

  async saveSurveyComment(mappingId: number, text: string): Promise<boolean> {
    return this.stmt.saveSurveyComment.run(text, mappingId).changes === 1;
  }

  async surveyComment(mappingId: number): Promise<string | null | undefined> {
    return (this.stmt.surveyComment.get(mappingId) as { comment: string | null } | undefined)?.comment;
  }

  async wakeKey(key: string): Promise<void> {
    const now = Date.now();
    this.stmt.wakeKey.run(now, key, now);
  }

  async installationId(): Promise<string> {
    return (this.stmt.installationId.get() as { id: string }).id;
  }

  async repairHeads(): Promise<number> {
    return this.writes.run(() => this.stmt.markMissingHeads.run().changes);
  }

  async pruneDedupe(olderThan: number): Promise<number> {
    return this.stmt.pruneDedupe.run(olderThan).changes;
  }

  async linkMessage(link: Omit<MessageLink, 'createdAt'>): Promise<void> {
    const { network, externalMessageId, conversationId, flexSid, flexMessageSid } = link;
    const text = link.text.slice(0, QUOTED_TEXT_MAX);
    return this.writes.run(() => void this.stmt.linkMessage.run(network, externalMessageId, conversationId, flexSid, flexMessageSid, text, Date.now()));
  }

  async messageLinkByFlexSid(flexMessageSid: string): Promise<MessageLink | undefined> {
    const row = this.db.prepare('SELECT * FROM message_links WHERE flex_message_sid = ? LIMIT 1').get(flexMessageSid) as MessageLinkRecord | undefined;
    return row && toMessageLink(row);
  }

  async messageLinkByExternalId(network: string, externalMessageId: string): Promise<MessageLink | undefined> {
    const row = this.db
      .prepare('SELECT * FROM message_links WHERE network = ? AND external_message_id = ?')
      .get(network, externalMessageId) as MessageLinkRecord | undefined;
    return row && toMessageLink(row);
  }

  async recentMessageLinks(conversationId: number, limit: number): Promise<MessageLink[]> {
    const rows = this.db
      .prepare('SELECT * FROM message_links WHERE conversation_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?')
      .all(conversationId, limit) as MessageLinkRecord[];
    return rows.map(toMessageLink);
  }

  async pruneMessageLinks(olderThan: number): Promise<number> {
    return this.db.prepare('DELETE FROM message_links WHERE created_at < ?').run(olderThan).changes;
  }

  async gatewaySession(name: string): Promise<KeptGatewaySession | undefined> {
    return this.db
      .prepare(
        `SELECT session_id AS sessionId, sequence, resume_url AS resumeUrl, shard_id AS shardId, shard_count AS shardCount, updated_at AS updatedAt
         FROM gateway_sessions WHERE name = ?`,
      )
      .get(name) as KeptGatewaySession | undefined;
  }

  async saveGatewaySession(name: string, session: GatewaySessionRecord | null): Promise<void> {
    if (!session) {
      this.db.prepare('DELETE FROM gateway_sessions WHERE name = ?').run(name);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO gateway_sessions (name, session_id, sequence, resume_url, shard_id, shard_count, updated_at)
         VALUES (@name, @sessionId, @sequence, @resumeUrl, @shardId, @shardCount, @now)
         ON CONFLICT (name) DO UPDATE SET session_id = excluded.session_id, sequence = excluded.sequence,
           resume_url = excluded.resume_url, shard_id = excluded.shard_id, shard_count = excluded.shard_count,
           updated_at = excluded.updated_at`,
      )
      .run({ name, ...session, now: Date.now() });
  }

  async advanceGatewaySession(name: string, sessionId: string, sequence: number): Promise<void> {
    this.db
      .prepare('UPDATE gateway_sessions SET sequence = ?, updated_at = ? WHERE name = ? AND session_id = ? AND sequence < ?')
      .run(sequence, Date.now(), name, sessionId, sequence);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.writes.settled();
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  sqliteMigrations.forEach((sql, i) => {
    const version = i + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    }).immediate();
  });
}
