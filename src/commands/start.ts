import { startApp } from '../app.js';
import { loadConfig, secretValues } from '../config.js';
import { createLogger } from '../log.js';
import { startTracing } from '../tracing/start-tracing.js';
import type { Command } from './command.js';

export const start: Command = {
  name: 'start',
  summary: 'run the bridge (configuration from the environment and CONFIG_FILE)',
  usage: `flex-bridge start

Runs the bridge until SIGTERM or SIGINT, then stops intake, lets deliveries in flight finish
(up to 10 s) and exits 0. Undelivered messages stay in the outbox for the next start.
Configuration: environment variables, or a JSON file named by CONFIG_FILE (see docs/configuration.md).
Tracing: off unless the standard OpenTelemetry variables ask for it (OTEL_TRACES_EXPORTER=otlp or
console, OTEL_EXPORTER_OTLP_ENDPOINT; see docs/operations.md).`,
  async run() {
    const config = loadConfig();
    const log = createLogger({
      level: config.LOG_LEVEL,
      secrets: secretValues(config),
      pretty: process.stdout.isTTY,
    });
    const stopTracing = await startTracing();
    if (stopTracing) log.info('tracing on: spans go to the OpenTelemetry exporter the OTEL_* settings name');
    const app = await startApp(config, log);
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        log.info({ signal }, 'shutting down');
        app.stop().then(resolve, (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve();
        });
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
    await stopTracing?.().catch((err: unknown) => log.warn({ err }, 'flushing the last spans failed'));
    log.info('stopped');
    return 0;
  },
};
