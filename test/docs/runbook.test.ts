import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the alert runbook (docs/operations.md)', () => {
  const alerts = [...read('deploy/prometheus/alerts.yml').matchAll(/^\s*- alert: (\w+)\s*$/gm)].map((m) => m[1]!);
  const headings = new Set([...read('docs/operations.md').matchAll(/^### (\w+)\s*$/gm)].map((m) => m[1]!));

  it('finds the shipped alerts', () => {
    expect(alerts.length).toBeGreaterThan(5);
  });

  it('has a section for every alert the rules ship, which their runbook_url points at', () => {
    expect(alerts.filter((name) => !headings.has(name))).toEqual([]);
    const urls = [...read('deploy/prometheus/alerts.yml').matchAll(/runbook_url: .*#(\w+)/g)].map((m) => m[1]);
    expect(urls).toEqual(alerts.map((name) => name.toLowerCase()));
  });
});
