import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChatEndReason } from '../bridge/bridge.js';
import type { LimitReason } from '../bridge/intake-limits.js';
import type { ChatAdapter } from '../core/chat-adapter.js';
import type { Acceptance } from '../core/messages.js';
import type { DeliveryOutcome } from '../delivery/worker.js';
import type { OutboxRow, Store } from '../store/store.js';


/** The store queries behind the gauges, read at scrape time. */
export type MetricsStore = Pick<Store, 'outboxStats' | 'countOpenMappings'>;

/**
 * Everything GET /metrics exposes. Each instance has its own registry (not prom-client's global one),
 * so several bridges in one process (the tests) neither collide nor count each other's traffic.
 */
export class BridgeMetrics {
  readonly registry = new Registry();
  private readonly received: Counter<'source'>;
  private readonly duplicates: Counter<'source'>;
  private readonly limitedMessages: Counter<'network' | 'reason'>;
  private readonly quarantined: Counter<'source'>;
  private readonly deliveries: Counter<'network' | 'direction' | 'outcome'>;
  private readonly deliverySeconds: Histogram<'network' | 'direction' | 'outcome'>;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpSeconds: Histogram<'method' | 'route'>;
  private readonly signatureRejections: Counter<'source'>;
  private readonly upstreamSeconds: Histogram<'api' | 'status'>;
  private readonly chatsOpened: Counter<'network'>;
  private readonly chatsEnded: Counter<'network' | 'reason'>;
  private readonly surveyRatings: Counter<'network' | 'rating'>;

  constructor(store: MetricsStore) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.received = new Counter({
      name: 'flex_bridge_messages_received_total',
      help: 'Messages stored at intake, by where they came from: a network (customer messages) or flex (agent messages)',
      labelNames: ['source'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'flex_bridge_duplicates_dropped_total',
      help: 'Messages dropped at intake because they had been stored before (redeliveries)',
      labelNames: ['source'],
      registers,
    });
    this.quarantined = new Counter({
      name: 'flex_bridge_messages_quarantined_total',
      help: 'Customer messages kept aside because they could not be stored however often they were offered (see flex-bridge quarantine)',
      labelNames: ['source'],
      registers,
    });
    this.limitedMessages = new Counter({
      name: 'flex_bridge_messages_limited_total',
      help: 'Customer messages not passed on because their customer went over a limit (reason: rate or backlog)',
      labelNames: ['network', 'reason'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'flex_bridge_deliveries_total',
      help: 'Outbox delivery attempts by customer network, direction and outcome (delivered, retried, postponed by a limit, dead-lettered)',
      labelNames: ['network', 'direction', 'outcome'],
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: 'flex_bridge_delivery_duration_seconds',
      help: 'Time one outbox delivery attempt took, including the network or Flex API calls it made',
      labelNames: ['network', 'direction', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'flex_bridge_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: 'flex_bridge_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (Twilio gives up on a webhook after 5 s)',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.signatureRejections = new Counter({
      name: 'flex_bridge_webhook_signature_rejections_total',
      help: 'Webhooks refused for a missing or wrong signature (twilio) or secret token (telegram)',
      labelNames: ['source'],
      registers,
    });
    this.upstreamSeconds = new Histogram({
      name: 'flex_bridge_upstream_request_duration_seconds',
      help: 'Twilio API calls by API host and HTTP status (0: no response)',
      labelNames: ['api', 'status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers,
    });
    this.chatsOpened = new Counter({
      name: 'flex_bridge_chats_opened_total',
      help: 'Flex chats opened for customers, by network',
      labelNames: ['network'],
      registers,
    });
    this.chatsEnded = new Counter({
      name: 'flex_bridge_chats_ended_total',
      help: 'Customer mappings ended: the agent ended the chat in Flex (ended-in-flex), Flex had closed it unseen (found-closed), Flex could not route it to agents (routing-failed), its task ended without an agent (no-agent), or the customer ended it (ended-by-customer)',
      labelNames: ['network', 'reason'],
      registers,
    });
    this.surveyRatings = new Counter({
      name: 'flex_bridge_survey_ratings_total',
      help: 'Satisfaction survey answers, by network and rating (1 poor to 5 excellent); a chat counts once',
      labelNames: ['network', 'rating'],
      registers,
    });
    registerStoreGauges(store, registers);
  }

  /**
   * Gauges read from the running process at scrape time: whether each network adapter is connected,
   * and whether this process runs the exclusive intake (`role` absent: a lone process always does).
   */
  watchProcess(adapters: readonly ChatAdapter[], role?: () => 'leader' | 'follower'): void {
    const registers = [this.registry];
    new Gauge({
      name: 'flex_bridge_adapter_ready',
      help: 'Whether a network adapter is connected and able to send (1) or not (0); see /readyz for why',
      labelNames: ['network'],
      registers,
      collect() {
        for (const adapter of adapters) this.set({ network: adapter.network }, adapter.health().ready ? 1 : 0);
      },
    });
    new Gauge({
      name: 'flex_bridge_intake_leader',
      help: 'Whether this process receives from the networks (Telegram polling, Discord gateway): 1 for the leader or a lone process',
      registers,
      collect() {
        this.set(!role || role() === 'leader' ? 1 : 0);
      },
    });
  }

  intake(source: string, acceptance: Acceptance): void {
    if (acceptance === 'accepted') this.received.inc({ source });
    else if (acceptance === 'duplicate') this.duplicates.inc({ source });
    else if (acceptance === 'quarantined') this.quarantined.inc({ source });
  }

  limited(network: string, reason: LimitReason): void {
    this.limitedMessages.inc({ network, reason });
  }

  delivery(row: OutboxRow, outcome: DeliveryOutcome, ms: number): void {
    const labels = { network: networkOf(row), direction: row.direction, outcome };
    this.deliveries.inc(labels);
    this.deliverySeconds.observe(labels, ms / 1000);
  }

  httpRequest(method: string, route: string, status: number, ms: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpSeconds.observe({ method, route }, ms / 1000);
  }

  signatureRejected(source: string): void {
    this.signatureRejections.inc({ source });
  }

  chatOpened(network: string): void {
    this.chatsOpened.inc({ network });
  }

  chatEnded(network: string, reason: ChatEndReason): void {
    this.chatsEnded.inc({ network, reason });
  }

  surveyRated(network: string, rating: number): void {
    this.surveyRatings.inc({ network, rating: String(rating) });
  }

  upstream(api: string, status: number, ms: number): void {
    this.upstreamSeconds.observe({ api, status: String(status) }, ms / 1000);
  }
}

/** The customer's network, whichever way the row goes. */
function networkOf(row: OutboxRow): string {
  const { payload } = row;
  switch (payload.kind) {
    case 'customer-message':
      return payload.message.network;
    case 'agent-message':
    case 'customer-notice':
    case 'transcript':
      return payload.to.network;
    case 'notice':
    case 'close-chat':
    case 'survey-result':
      return payload.user.network;
  }
}

/**
 * Gauges read from the store at scrape time. When the store does not answer they read NaN (unknown)
 * rather than failing the scrape, so the counters and process metrics stay visible; /readyz says why.
 */
function registerStoreGauges(store: MetricsStore, registers: Registry[]): void {
  new Gauge({
    name: 'flex_bridge_outbox_rows',
    help: 'Outbox rows waiting for delivery (pending) or given up on (dead); NaN while the store does not answer',
    labelNames: ['status'],
    registers,
    async collect() {
      const stats = await store.outboxStats().catch(() => undefined);
      this.set({ status: 'pending' }, stats?.pending ?? NaN);
      this.set({ status: 'dead' }, stats?.dead ?? NaN);
    },
  });
  new Gauge({
    name: 'flex_bridge_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest pending outbox row, leaving out customers whose next row waits on purpose (held for business hours, a new-chat limit); 0 when nothing is pending, NaN while the store does not answer',
    registers,
    async collect() {
      const stats = await store.outboxStats().catch(() => undefined);
      if (!stats) this.set(NaN);
      else this.set(stats.oldestPendingAt === null ? 0 : Math.max(0, Date.now() - stats.oldestPendingAt) / 1000);
    },
  });
  new Gauge({
    name: 'flex_bridge_quarantined_messages',
    help: 'Customer messages kept aside because they could not be stored, until an operator takes them in again or drops them (flex-bridge quarantine); NaN while the store does not answer',
    registers,
    async collect() {
      this.set((await store.outboxStats().catch(() => undefined))?.quarantined ?? NaN);
    },
  });
  new Gauge({
    name: 'flex_bridge_dead_customer_messages',
    help: 'Customer messages the bridge gave up delivering to Flex (dead-lettered): each reached no agent, until an operator retries it (flex-bridge outbox retry); NaN while the store does not answer',
    registers,
    async collect() {
      this.set((await store.outboxStats().catch(() => undefined))?.deadCustomerMessages ?? NaN);
    },
  });
  new Gauge({
    name: 'flex_bridge_open_conversations',
    help: 'Customers with a Flex chat that is opening or active; NaN while the store does not answer',
    registers,
    async collect() {
      this.set(await store.countOpenMappings().catch(() => NaN));
    },
  });
}
