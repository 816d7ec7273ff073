import { describe, expect, it } from 'vitest';
import { BridgeMetrics, type MetricsStore } from '../../src/metrics/bridge-metrics.js';
import { sample } from './prometheus-text.js';

const idleStore: MetricsStore = {
  outboxStats: async () => ({ pending: 0, dead: 0, deadCustomerMessages: 0, oldestPendingAt: null, quarantined: 0 }),
  countOpenMappings: async () => 0,
};

describe('BridgeMetrics', () => {
  it('keeps each instance in its own registry, so bridges in one process do not mix their counts', async () => {
    const first = new BridgeMetrics(idleStore);
    const second = new BridgeMetrics(idleStore);
    first.intake('telegram', 'accepted');
    first.intake('telegram', 'accepted');
    second.intake('telegram', 'duplicate');

    const a = await first.registry.metrics();
    const b = await second.registry.metrics();
    expect(sample(a, 'flex_bridge_messages_received_total', { source: 'telegram' })).toBe(2);
    expect(sample(b, 'flex_bridge_messages_received_total', { source: 'telegram' })).toBeUndefined();
    expect(sample(b, 'flex_bridge_duplicates_dropped_total', { source: 'telegram' })).toBe(1);
  });

  it('still answers when the store does not, with the gauges read from it unknown (NaN)', async () => {
    const broken: MetricsStore = {
      outboxStats: () => Promise.reject(new Error('database is locked')),
      countOpenMappings: () => Promise.reject(new Error('database is locked')),
    };
    const metrics = new BridgeMetrics(broken);
    metrics.upstream('conversations.twilio.com', 0, 15_000);

    const text = await metrics.registry.metrics();
    expect(sample(text, 'flex_bridge_upstream_request_duration_seconds_count', { api: 'conversations.twilio.com', status: '0' })).toBe(1);
    expect(sample(text, 'flex_bridge_outbox_rows', { status: 'pending' })).toBeNaN();
    expect(sample(text, 'flex_bridge_outbox_oldest_pending_age_seconds')).toBeNaN();
    expect(sample(text, 'flex_bridge_open_conversations')).toBeNaN();
    expect(sample(text, 'flex_bridge_dead_customer_messages')).toBeNaN();
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
