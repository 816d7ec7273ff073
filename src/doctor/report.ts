import type { CheckResult } from './check.js';

const LABELS = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** One aligned line per check and a count; any configured secret that slipped into a detail is masked. */
export function formatReport(results: readonly CheckResult[], secrets: readonly (string | undefined)[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const mask = (text: string) => secrets.reduce((t: string, s) => (s ? t.split(s).join('[REDACTED]') : t), text);
  const lines = results.map((r) => mask(`${LABELS[r.status]}  ${r.name.padEnd(width)}  ${r.detail}`));
  const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length;
  return [...lines, '', `${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`].join('\n');
}
