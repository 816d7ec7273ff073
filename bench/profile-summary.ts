import { readFileSync } from 'node:fs';

/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a V8 CPU profile (node --cpu-prof,
 * `npm run bench -- --profile`) spent its time: self time by package or source folder and by function,
 * and total time (with callees) by function, which shows the cost of a path such as a store method.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

/** `node_modules/<pkg>` (scoped too), the repo folder (src/store, adapters/telegram), or node internals. */
function area(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:')) return url;
  const local = /\/(src|adapters|bench)\/([^/]+)/.exec(url);
  return local ? `${local[1]}/${local[2]}` : url;
}

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);

const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const functionKey = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}  ${area(n.callFrame.url, n.callFrame.functionName)}:${n.callFrame.lineNumber + 1}`;

const sum = (key: (node: ProfileNode) => string) => {
  const totals = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    totals.set(key(node), (totals.get(key(node)) ?? 0) + us);
  }
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, top);
};
const busy = total - idle;
const show = (rows: [string, number][]) =>
  rows.map(([name, us]) => `${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`).join('\n');

console.log(`busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s sampled\n\nself time by area:\n${show(sum((n) => area(n.callFrame.url, n.callFrame.functionName)))}`);
console.log(`\nself time by function:\n${show(sum(functionKey))}`);

/** Each sample counts once for every distinct function on its stack. */
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const node = byId.get(at) as ProfileNode;
    if (node.callFrame.url) seen.add(functionKey(node));
  }
  for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
}
console.log(`\ntotal time (with callees) by function:\n${show([...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))}`);
