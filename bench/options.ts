import { parseArgs } from 'node:util';
import { DEFAULT_POSTGRES_URL } from './database.js';

export interface BenchOptions {
  /** Store the bridge in PostgreSQL (a fresh schema) instead of SQLite. */
  readonly postgres: string | undefined;
  /** Customers with an open chat, per carrier, during the throughput and latency phases. */
  readonly customers: number;
  /** Interleaved bridge/relay rounds of throughput bursts. */
  readonly rounds: number;
  /** About how long each throughput burst lasts. */
  readonly burstSeconds: number;
  /** Offered load of the latency phases, messages per second. */
  readonly latencyRate: number;
  readonly latencySeconds: number;
  /** Rounds of latency phases; the table shows the round with the median p99, so one noisy moment does not decide it. */
  readonly latencyRounds: number;
  /** Known idle customers to restart the bridge with, for the memory figures. */
  readonly knownCustomers: readonly number[];
  /** Agent messages queued during a Telegram outage, for the drain phase; 0 skips it. */
  readonly drainRows: number;
  /** Write V8 CPU profiles of the bridge to bench/results/profiles. */
  readonly profile: boolean;
  /** Run the bridge with OpenTelemetry tracing on, exporting every span over OTLP/HTTP to a local sink. */
  readonly tracing: boolean;
  /** Put the table into docs/performance.md. */
  readonly updateDocs: boolean;
  /** Keep the work directory (the bridge's logs and database) after a successful run. */
  readonly keep: boolean;
}

const USAGE = `npm run bench -- [options]

  --postgres[=URL]     store in PostgreSQL (default ${DEFAULT_POSTGRES_URL}, a fresh schema) instead of SQLite
  --customers N        customers with an open chat per carrier (default 1000)
  --rounds N           interleaved bridge/relay throughput rounds (default 5)
  --burst-seconds S    about how long each throughput burst lasts (default 4)
  --rate R             offered load of the latency phases, msg/s (default 500)
  --latency-seconds S  length of each latency phase (default 4)
  --latency-rounds N   rounds of latency phases (default 3); the table shows the median round
  --known N,N          known idle customers for the memory figures (default 10000,100000)
  --drain N            agent messages queued during a Telegram outage, then drained (default 30000, 0: skip)
  --profile            write V8 CPU profiles of the bridge to bench/results/profiles
  --tracing            the bridge traces every message and exports the spans (OTLP/HTTP) to a local sink
  --update-docs        put the table into docs/performance.md
  --keep               keep the work directory (bridge logs, database) after a successful run
  --quick              a short run to try the bench itself (numbers are not meaningful)`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  // parseArgs has no optional-value options: --postgres alone means the default URL.
  const args = argv.map((a) => (a === '--postgres' ? `--postgres=${DEFAULT_POSTGRES_URL}` : a));
  const { values } = parseArgs({
    args,
    options: {
      postgres: { type: 'string' },
      customers: { type: 'string' },
      rounds: { type: 'string' },
      'burst-seconds': { type: 'string' },
      rate: { type: 'string' },
      'latency-seconds': { type: 'string' },
      'latency-rounds': { type: 'string' },
      known: { type: 'string' },
      drain: { type: 'string' },
      profile: { type: 'boolean', default: false },
      tracing: { type: 'boolean', default: false },
      'update-docs': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const number = (value: string | undefined, fallback: number, name: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`);
    return n;
  };
  return {
    postgres: values.postgres,
    customers: Math.round(number(values.customers, quick ? 100 : 1000, 'customers')),
    rounds: Math.round(number(values.rounds, quick ? 1 : 5, 'rounds')),
    burstSeconds: number(values['burst-seconds'], quick ? 1 : 4, 'burst-seconds'),
    latencyRate: number(values.rate, 500, 'rate'),
    latencySeconds: number(values['latency-seconds'], quick ? 2 : 4, 'latency-seconds'),
    latencyRounds: Math.round(number(values['latency-rounds'], quick ? 1 : 3, 'latency-rounds')),
    drainRows: values.drain === '0' ? 0 : Math.round(number(values.drain, quick ? 3000 : 30_000, 'drain')),
    knownCustomers: (values.known ?? (quick ? '2000' : '10000,100000')).split(',').map((n) => Math.round(number(n, 0, 'known'))),
    profile: values.profile,
    tracing: values.tracing,
    updateDocs: values['update-docs'],
    keep: values.keep,
  };
}
