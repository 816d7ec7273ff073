/**
 * Reads the PromQL in deploy/ (alert rules, dashboard queries) and checks the metric and label names
 * it uses against a Prometheus text exposition (what GET /metrics serves).
 */

/** Labels Prometheus adds at scrape time (target labels), and the histogram bucket label. */
const NOT_FROM_THE_BRIDGE = new Set(['job', 'instance', 'le']);

/** Metric-name prefixes the bridge exports (its own, prom-client's defaults); `up` is Prometheus' own. */
const EXPORTED_PREFIXES = ['flex_bridge_', 'process_', 'nodejs_'];
const PROMETHEUS_OWN = new Set(['up']);

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan', 'atan2']);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile']);

/**
 * The `expr:` values of a Prometheus rules file, without a YAML parser: none is a declared dependency
 * (js-yaml is only in node_modules through eslint, and untyped). The reader assumes what
 * deploy/prometheus/alerts.yml does: each `expr:` is a mapping key on its own line whose value is
 * either on the same line (plain, or quoted without escapes) or a block scalar (`|`, `>`, with an
 * optional chomping indicator) whose lines are indented deeper than the key. Anything else throws,
 * and callers compare the count with the number of rules, so no expression is silently skipped.
 */
export function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split('\n');
  const exprs: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const key = /^(\s*)(?:-\s+)?expr:(.*)$/.exec(lines[i]!);
    if (!key) continue;
    const indent = key[1]!.length;
    const value = key[2]!.replace(/\s+#.*$/, '').trim();
    if (/^[|>][-+]?$/.test(value)) {
      const body: string[] = [];
      while (i + 1 < lines.length) {
        const next = lines[i + 1]!;
        if (next.trim() !== '' && next.length - next.trimStart().length <= indent) break;
        body.push(next.trim());
        i++;
      }
      if (body.every((l) => l === '')) throw new Error(`line ${i + 1}: empty block scalar after expr:`);
      exprs.push(body.join('\n').trim());
    } else if (/^'.*'$/.test(value)) {
      exprs.push(value.slice(1, -1).replaceAll("''", "'"));
    } else if (/^".*"$/.test(value)) {
      if (value.includes('\\')) throw new Error(`line ${i + 1}: escapes in a double-quoted expr are not supported here`);
      exprs.push(value.slice(1, -1));
    } else if (value === '' || /^['"{[&*!|>]/.test(value)) {
      throw new Error(`line ${i + 1}: unsupported YAML form for expr: ${value}`);
    } else {
      exprs.push(value);
    }
  }
  return exprs;
}

/** Every PromQL query in a Grafana dashboard: panel targets (rows nested or not) and query variables. */
export function dashboardQueries(dashboard: unknown): { panels: string[]; variables: string[] } {
  const panels: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (Array.isArray(obj.targets)) {
        for (const target of obj.targets as Record<string, unknown>[]) {
          if (typeof target.expr !== 'string' || target.expr.trim() === '') throw new Error(`a target without expr in panel "${String(obj.title)}"`);
          panels.push(target.expr);
        }
      }
      if (Array.isArray(obj.panels)) walk(obj.panels);
    }
  };
  const root = dashboard as { panels?: unknown; templating?: { list?: Record<string, unknown>[] } };
  walk(root.panels);
  const variables: string[] = [];
  for (const v of root.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const query = typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query;
    if (!query) throw new Error(`query variable ${String(v.name)} without a query`);
    variables.push(query);
  }
  return { panels, variables };
}

export interface NamesUsed {
  /** Metric names the expression selects. */
  readonly metrics: string[];
  /** Label names it matches on or groups by, other than job, instance and le. */
  readonly labels: string[];
}

/**
 * Metric and label names a PromQL expression uses. A small tokenizer, not a parser: string literals
 * and comments are dropped, `{…}` holds label matchers, `[…]` durations, an identifier followed by
 * `(` (or an aggregation followed by by/without) is a function or aggregation, by/without/on/
 * ignoring/group_* are followed by a label list, and any other identifier that is not a keyword is a
 * metric name.
 * A Grafana `label_values(selector, label)` variable query counts as `selector` plus `label`.
 */
export function namesIn(query: string): NamesUsed {
  const labelValues = /^\s*label_values\((.*),\s*([a-zA-Z_]\w*)\s*\)\s*$/s.exec(query);
  if (labelValues) {
    const inner = namesIn(labelValues[1]!);
    return { metrics: inner.metrics, labels: unique([...inner.labels, ...withoutTargetLabels([labelValues[2]!])]) };
  }
  const text = query
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/#.*$/gm, '');
  const metrics: string[] = [];
  const labels: string[] = [];
  let i = 0;
  const identAt = (at: number) => /^[a-zA-Z_:][\w:]*/.exec(text.slice(at))?.[0];
  const skipSpace = (at: number) => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
    return at;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '{') {
      const end = text.indexOf('}', i);
      if (end < 0) throw new Error(`unclosed { in ${query}`);
      for (const m of text.slice(i + 1, end).matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.push(m[1]!);
      i = end + 1;
    } else if (c === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) throw new Error(`unclosed [ in ${query}`);
      i = end + 1;
    } else if (/[0-9.]/.test(c)) {
      i += /^[0-9.][\w.+-]*/.exec(text.slice(i))![0].length; // numbers, durations, 1e3
    } else if (/[a-zA-Z_:]/.test(c)) {
      const word = identAt(i)!;
      const after = skipSpace(i + word.length);
      if (LABEL_LISTS.has(word.toLowerCase()) && text[after] === '(') {
        const end = text.indexOf(')', after);
        if (end < 0) throw new Error(`unclosed ( in ${query}`);
        labels.push(...text.slice(after + 1, end).split(',').map((l) => l.trim()).filter(Boolean));
        i = end + 1;
        continue;
      }
      const aggregation = AGGREGATIONS.has(word.toLowerCase()) && /^(by|without)\s*\(/i.test(text.slice(after));
      if (text[after] !== '(' && !aggregation && !KEYWORDS.has(word.toLowerCase())) metrics.push(word);
      i += word.length;
    } else if (c === '$') {
      i += /^\$\{?\w*\}?/.exec(text.slice(i))![0].length; // a Grafana variable outside a string
    } else {
      i++;
    }
  }
  return { metrics: unique(metrics), labels: unique(withoutTargetLabels(labels)) };
}

export interface Exposition {
  /** `# TYPE` families: name → counter, gauge, histogram, summary, untyped. */
  readonly families: Map<string, string>;
  /** Label names seen on the samples of each family. */
  readonly labelsOf: Map<string, Set<string>>;
}

/** The families and sample labels of a Prometheus text exposition. */
export function parseExposition(text: string): Exposition {
  const families = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(m[1]!, m[2]!);
  const labelsOf = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+/.exec(line);
    if (!m) continue;
    const family = familyOf(m[1]!, families);
    if (!family) continue;
    const seen = labelsOf.get(family) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/(\w+)="(?:[^"\\]|\\.)*"/g)) seen.add(l[1]!);
    labelsOf.set(family, seen);
  }
  return { families, labelsOf };
}

/** The family a metric name belongs to: itself, or a histogram's/summary's `_bucket`, `_count`, `_sum`. */
function familyOf(name: string, families: ReadonlyMap<string, string>): string | undefined {
  if (families.has(name)) return name;
  const m = /^(.*)_(bucket|count|sum)$/.exec(name);
  const type = m && families.get(m[1]!);
  if (type === 'histogram' || (type === 'summary' && m![2] !== 'bucket')) return m![1];
  return undefined;
}

/**
 * What `query` uses that `exposition` lacks: metric names not exported (or not of an exported prefix),
 * and labels that none of the query's bridge families carries on a sample. Empty when all is there.
 */
export function problemsWith(query: string, exposition: Exposition): string[] {
  const problems: string[] = [];
  const { metrics, labels } = namesIn(query);
  const families: string[] = [];
  for (const name of metrics) {
    if (PROMETHEUS_OWN.has(name)) continue;
    if (!EXPORTED_PREFIXES.some((p) => name.startsWith(p))) {
      problems.push(`${name}: not a metric the bridge exports (prefixes ${EXPORTED_PREFIXES.join(', ')}) nor Prometheus' own`);
      continue;
    }
    const family = familyOf(name, exposition.families);
    if (family) families.push(family);
    else problems.push(`${name}: not in /metrics`);
  }
  for (const label of labels) {
    if (families.some((f) => exposition.labelsOf.get(f)?.has(label))) continue;
    const where = families.length ? families.join(', ') : 'no exported metric of the query';
    problems.push(`label ${label}: on no sample of ${where}`);
  }
  return problems.map((p) => `${p}  [in: ${query.replace(/\s+/g, ' ').trim()}]`);
}

function withoutTargetLabels(labels: string[]): string[] {
  return labels.filter((l) => !NOT_FROM_THE_BRIDGE.has(l));
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
