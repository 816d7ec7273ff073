import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';
import { dashboardQueries, namesIn, parseExposition, problemsWith, ruleExpressions, type Exposition } from './promql-names.js';

/**
 * The alert rules and the dashboard in deploy/ may only use metrics and labels the bridge exports:
 * rename one in src/ and this test names the rule or panel that would go blind.
 */
const committed = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const rulesYaml = committed('deploy/prometheus/alerts.yml');
const dashboard: unknown = JSON.parse(committed('deploy/grafana/flex-bridge.json'));

const ALICE = { id: 5012345678, username: 'alice', first_name: 'Alice' };

let h: Harness | undefined;
let text: string;
let exposition: Exposition;

const METRICS_TOKEN = 'prometheus-scrape-token';

async function scrape(harness: Harness): Promise<string> {
  const res = await fetch(`${harness.app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
}

beforeAll(async () => {
  h = await startHarness({ METRICS_TOKEN });
  const harness = h;
  // A small conversation, so that the labelled series exist: a customer message into Flex, an agent
  // reply (and its redelivered webhook), a forged webhook, and the chat ended in Flex.
  harness.telegram.addUser(ALICE);
  harness.telegram.userSends(ALICE.id, 'Hello');
  const task = await eventually(() => harness.twilio.tasks()[0], 'a Flex task');
  // The task exists a moment before the bridge has seen its routing confirmed and counts the opening.
  await eventually(async () => (await harness.app.store.listMappings())[0]?.status === 'active' || undefined, 'the chat opened');
  const sent = harness.twilio.agentSend(task.conversationSid, 'Hi Alice');
  await harness.telegram.waitForMessages(ALICE.id, 1);
  await harness.twilio.redeliver(sent.sid);
  await harness.twilio.sendForgedWebhook(task.conversationSid);
  harness.twilio.endChat(task.conversationSid);
  // The ended chat is counted last. Wait for it by name only: if the code renamed the metric or its
  // labels, the scrape is taken anyway and the checks below say what is missing.
  text = await eventually(async () => {
    const scraped = await scrape(harness);
    return /^flex_bridge_chats_ended_total\{/m.test(scraped) ? scraped : undefined;
  }, 'the ended chat to be counted').catch(() => scrape(harness));
  exposition = parseExposition(text);
});

afterAll(async () => {
  await h?.stop();
});

describe('deploy/ uses only what GET /metrics exports', () => {
  it('alert rules: every expression, every metric and label', () => {
    const exprs = ruleExpressions(rulesYaml);
    const rules = rulesYaml.match(/^\s*-\s+(alert|record):/gm) ?? [];
    expect(exprs.length).toBe(rules.length);
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    expect(exprs.flatMap((e) => problemsWith(e, exposition))).toEqual([]);
  });

  it('dashboard: every panel query and variable, every metric and label', () => {
    const { panels, variables } = dashboardQueries(dashboard);
    expect(panels.length).toBeGreaterThanOrEqual(30);
    expect(variables.length).toBe(2);
    expect([...panels, ...variables].flatMap((q) => problemsWith(q, exposition))).toEqual([]);
  });

  it('would notice a renamed metric or label', () => {
    const renamedMetric = parseExposition(text.replaceAll('flex_bridge_outbox_rows', 'flex_bridge_outbox_messages'));
    const renamedLabel = parseExposition(text.replaceAll('direction="', 'dir="'));
    const histogramGone = parseExposition(text.replace('# TYPE flex_bridge_delivery_duration_seconds histogram', '# TYPE flex_bridge_delivery_duration_seconds summary'));
    const exprs = ruleExpressions(rulesYaml);
    const { panels } = dashboardQueries(dashboard);

    expect(exprs.flatMap((e) => problemsWith(e, renamedMetric)).join('\n')).toContain('flex_bridge_outbox_rows: not in /metrics');
    expect(panels.flatMap((q) => problemsWith(q, renamedMetric)).join('\n')).toContain('flex_bridge_outbox_rows: not in /metrics');
    expect(panels.flatMap((q) => problemsWith(q, renamedLabel)).join('\n')).toContain('label direction: on no sample of flex_bridge_deliveries_total');
    expect(panels.flatMap((q) => problemsWith(q, histogramGone)).join('\n')).toContain('flex_bridge_delivery_duration_seconds_bucket: not in /metrics');
    expect(problemsWith('rate(flex_bridge_made_up_total[5m]) + node_load1', exposition)).toEqual([
      'flex_bridge_made_up_total: not in /metrics  [in: rate(flex_bridge_made_up_total[5m]) + node_load1]',
      "node_load1: not a metric the bridge exports (prefixes flex_bridge_, process_, nodejs_) nor Prometheus' own  [in: rate(flex_bridge_made_up_total[5m]) + node_load1]",
    ]);
  });

  it('reads names out of PromQL and the rules file as intended', () => {
    expect(namesIn('max by (job) (flex_bridge_outbox_rows{job="flex-bridge", status="pending"}) > 50 and up offset 15m')).toEqual({
      metrics: ['flex_bridge_outbox_rows', 'up'],
      labels: ['status'],
    });
    expect(namesIn('histogram_quantile(0.99, sum by (le, direction) (rate(x_bucket{a!~"b|c"}[$__rate_interval])))')).toEqual({
      metrics: ['x_bucket'],
      labels: ['direction', 'a'],
    });
    expect(namesIn('label_values(flex_bridge_intake_leader{job="$job"}, instance)')).toEqual({ metrics: ['flex_bridge_intake_leader'], labels: [] });
    const yaml = [
      'groups:',
      '  - name: g',
      '    rules:',
      '      - alert: A',
      '        expr: up == 0 # a comment',
      '        for: 1m',
      '      - alert: B',
      '        expr: |',
      '          sum(a)',
      '',
      '            > 1',
      '        labels: {}',
      "      - expr: 'b{c=\"d\"}'",
      '        record: r',
    ].join('\n');
    expect(ruleExpressions(yaml)).toEqual(['up == 0', 'sum(a)\n\n> 1', 'b{c="d"}']);
    expect(() => ruleExpressions('      - expr: "a\\"b"')).toThrow(/escapes/);
  });
});
