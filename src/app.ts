import type { FastifyInstance } from 'fastify';
import type { ChatAdapter } from './core/chat-adapter.js';
import { createAdapters } from './create-adapters.js';
import { AfterHours } from './bridge/after-hours.js';
import { Bridge } from './bridge/bridge.js';
import { ALL_WEEK, WeeklySchedule } from './bridge/business-hours.js';
import { RemoteSchedule } from './bridge/remote-schedule.js';
import type { Acceptance, InboundMessage } from './core/messages.js';
import { CustomerTexts } from './bridge/customer-texts.js';
import { cleartextUpstreams, customerTextSettings, type Config } from './config.js';
import { serviceKeyPrefix } from './bridge/outbox-keys.js';
import { defaultRetryPolicy } from './delivery/backoff.js';
import { OutboxWorker, type OutboxWorkerOptions } from './delivery/worker.js';
import { createFlexBackend } from './flex/create-backend.js';
import { createHttpServer } from './http/server.js';
import type { Logger } from './log.js';
import { BridgeMetrics } from './metrics/bridge-metrics.js';
import { isPostgresUrl, openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

const DEDUPE_RETENTION_MS = 7 * 24 * 3600_000;
/** Links of a chat go when it ends; this bounds those of chats that stay open for weeks. */
const MESSAGE_LINK_RETENTION_MS = 30 * 24 * 3600_000;
/** Well inside the dedupe retention, so a message read back twice is still known the second time. */
const READ_BACK_MAX_AGE_MS = DEDUPE_RETENTION_MS / 2;
/** How often queues left without a marked next row are repaired (see Store.repairHeads). */
const REPAIR_HEADS_MS = 60_000;

export interface RunningApp {
  readonly url: string;
  readonly store: Store;
  readonly bridge: Bridge;
  readonly worker: OutboxWorker;
  readonly http: FastifyInstance;
  readonly adapters: readonly ChatAdapter[];
  /** Stops intake, lets deliveries in flight finish within `graceMs`, closes the store. */
  stop(graceMs?: number): Promise<void>;
}

/** Optional taps on what the bridge does (the demo console traces them); they must not throw. */
export interface AppObserver {
  /** A customer message reached the bridge and was stored (or dropped as a duplicate). */
  readonly onCustomerMessage?: (msg: InboundMessage, acceptance: Acceptance) => void;
  readonly onOutcome?: OutboxWorkerOptions['onOutcome'];
}

/**
 * config → store → Flex back end → adapters → bridge → outbox worker → HTTP server. On PostgreSQL
 * several processes may share the database: all of them send, run the outbox and answer webhooks,
 * and the one holding the leader lock also runs the adapters' exclusive intake (long polling, gateway).
 */
export async function startApp(
  config: Config,
  log: Logger,
  /** `clock`: the time business hours are judged by (tests set their own). */
  overrides: { adapters?: ChatAdapter[]; observer?: AppObserver; clock?: () => number } = {},
): Promise<RunningApp> {
  const observer = overrides.observer ?? {};
  for (const setting of cleartextUpstreams(config)) {
    log.warn({ setting }, `${setting} is http:// to a host that is not loopback: the credentials sent to it cross the network in cleartext`);
  }
  const store = await openStore(config.DATABASE_URL);
  const metrics = new BridgeMetrics(store);
  const flex = createFlexBackend(config, (api, status, ms) => metrics.upstream(api, status, ms));
  const texts = customerTextsOf(config);
  const adapters = overrides.adapters ?? (await createAdapters(config, log, store, READ_BACK_MAX_AGE_MS, texts));
  const bridge = new Bridge({
    store,
    flex,
    adapters,
    bridgeIdentity: config.FLEX_BRIDGE_IDENTITY,
    reorderHoldMs: config.DELIVERY_REORDER_MS,
    limits: {
      messagesPerMinute: config.CUSTOMER_MESSAGES_PER_MINUTE,
      burst: config.CUSTOMER_MESSAGE_BURST,
      maxPending: config.CUSTOMER_MAX_PENDING,
      newChatsPerMinute: config.NEW_CHATS_PER_MINUTE,
    },
    onLimited: (network, reason) => metrics.limited(network, reason),
    texts,
    afterHours: afterHoursOf(config, texts, log.child({ part: 'schedule' }), overrides.clock),
    returningCustomerNotice: config.RETURNING_CUSTOMER_NOTICE,
    agentNamePrefix: config.AGENT_NAME_PREFIX,
    transcriptOnClose: config.TRANSCRIPT_ON_CLOSE,
    ...(config.SURVEY === 'on' && {
      survey: { askForComment: config.SURVEY_COMMENT_QUESTION !== undefined, commentWindowMs: config.SURVEY_COMMENT_WINDOW_MS },
    }),
    onSurveyRated: (network, rating) => metrics.surveyRated(network, rating),
    taskCheck: { intervalMs: config.TASK_CHECK_INTERVAL_MS, isLeader: () => leadership?.role !== 'follower' },
    readBackMaxAgeMs: READ_BACK_MAX_AGE_MS,
    readBackAfterPostMs: config.FLEX_MODE === 'conversations' && config.FLEX_STUDIO_FLOW_SID ? config.FLEX_STUDIO_READ_BACK_MS : [],
    log: log.child({ part: 'bridge' }),
    onEnqueued: () => worker.wake(),
    onChatOpened: (network) => metrics.chatOpened(network),
    onChatEnded: (network, reason) => metrics.chatEnded(network, reason),
  });
  const worker = new OutboxWorker({
    store,
    deliver: (row) => bridge.deliver(row),
    onDeadLettered: (row, reason) => bridge.onDeadLettered(row, reason),
    policy: { ...defaultRetryPolicy, maxAttempts: config.DELIVERY_MAX_ATTEMPTS },
    leaseMs: config.DELIVERY_LEASE_MS,
    log: log.child({ part: 'delivery' }),
    serviceOf: serviceKeyPrefix,
    onOutcome: (row, outcome, ms) => {
      metrics.delivery(row, outcome, ms);
      observer.onOutcome?.(row, outcome, ms);
    },
  });
  // Loaded only for PostgreSQL, with its driver.
  const { IntakeLeadership } = isPostgresUrl(config.DATABASE_URL) ? await import('./scale/intake-leadership.js') : {};
  const leadership = IntakeLeadership
    ? new IntakeLeadership(config.DATABASE_URL, adapters, log.child({ part: 'leadership' }), {
        // The previous leader may have died with Flex webhooks in flight, which Twilio does not retry.
        onLeading: () =>
          void bridge.catchUp
            .readBackChatsWithGaps()
            .then(() => bridge.catchUp.readBackRecentChats())
            .catch((err: unknown) => log.warn({ err }, 'reading open chats back failed')),
      })
    : undefined;
  metrics.watchProcess(adapters, leadership && (() => leadership.role));
  const http = createHttpServer({
    bridge,
    flex,
    store,
    adapters,
    authToken: config.TWILIO_AUTH_TOKEN,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    log: log.child({ part: 'http' }),
    metrics,
    metricsAccess: { token: config.METRICS_TOKEN, public: config.METRICS_PUBLIC },
    ...(leadership ? { role: () => leadership.role } : {}),
  });

  const started: ChatAdapter[] = [];
  const prune = setInterval(() => {
    store.pruneDedupe(Date.now() - DEDUPE_RETENTION_MS).catch((err: unknown) => log.warn({ err }, 'dedupe pruning failed'));
    store.pruneMessageLinks(Date.now() - MESSAGE_LINK_RETENTION_MS).catch((err: unknown) => log.warn({ err }, 'message link pruning failed'));
  }, 3600_000);
  prune.unref();
  const repairHeads = () =>
    store
      .repairHeads()
      .then((repaired) => {
        if (repaired > 0) log.warn({ repaired }, 'outbox queues had no row marked next; marked them');
      })
      .catch((err: unknown) => log.warn({ err }, 'repairing outbox queues failed'));
  const repair = setInterval(repairHeads, REPAIR_HEADS_MS);
  repair.unref();

  const stop = async (graceMs = 10_000) => {
    clearInterval(prune);
    clearInterval(repair);
    bridge.catchUp.stop();
    bridge.unattended.stop();
    await http.close();
    await leadership?.stop();
    await Promise.allSettled(started.map((a) => a.stop()));
    await worker.stop(graceMs);
    await store.close();
  };

  try {
    // Held messages whose wait ran out while no process was up: take in what they wait for first.
    await bridge.catchUp.readBackChatsWithGaps().catch((err: unknown) => log.warn({ err }, 'reading chats with gaps back failed'));
    bridge.catchUp.startSweeping();
    bridge.unattended.start();
    await repairHeads();
    worker.start();
    const url = await http.listen({ port: config.PORT, host: config.HOST });
    for (const adapter of adapters) {
      const sink = async (msg: InboundMessage) => {
        const acceptance = await bridge.acceptCustomerMessage(msg);
        metrics.intake(msg.network, acceptance);
        observer.onCustomerMessage?.(msg, acceptance);
      };
      await adapter.start(
        sink,
        async (reply) => {
          await bridge.acceptAutoReply(reply);
        },
        async (deletion) => {
          await bridge.acceptDeletion(deletion);
        },
      );
      started.push(adapter);
    }
    if (leadership) leadership.start();
    else for (const adapter of started) await adapter.exclusiveIntake?.start();
    log.info({ url, flexMode: flex.mode, networks: adapters.map((a) => a.network) }, 'flex-bridge started');
    // Agent messages sent while no bridge was up had their webhooks fail; Twilio does not retry them.
    void bridge.catchUp.readBackRecentChats().catch((err: unknown) => log.warn({ err }, 'reading open chats back failed'));
    return { url, store, bridge, worker, http, adapters, stop };
  } catch (err) {
    await stop(0).catch(() => undefined);
    throw err;
  }
}

/** The customer texts of the settings, in the languages CUSTOMER_TEXTS_FILE adds. */
function customerTextsOf(config: Config): CustomerTexts {
  const defaults = Object.fromEntries(customerTextSettings.map((name) => [name, config[name] as string | undefined]));
  return new CustomerTexts(defaults, config.CUSTOMER_TEXTS_FILE);
}

/** Business hours from BUSINESS_HOURS/BUSINESS_HOLIDAYS or SCHEDULE_URL; undefined when neither is set (always open). */
function afterHoursOf(config: Config, texts: CustomerTexts, log: Logger, now?: () => number): AfterHours | undefined {
  const timeZone = config.BUSINESS_TIMEZONE ?? 'UTC';
  const notice = (language?: string) => texts.text('AFTER_HOURS_NOTICE', language);
  const schedule = config.SCHEDULE_URL
    ? new RemoteSchedule(config.SCHEDULE_URL, log)
    : config.BUSINESS_HOURS || config.BUSINESS_HOLIDAYS
      ? new WeeklySchedule(config.BUSINESS_HOURS ?? ALL_WEEK, config.BUSINESS_HOLIDAYS ?? new Set(), timeZone)
      : undefined;
  return schedule && new AfterHours({ schedule, policy: config.AFTER_HOURS_POLICY, notice, timeZone, now });
}
