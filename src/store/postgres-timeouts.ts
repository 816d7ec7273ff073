/**
 * How long the bridge waits for PostgreSQL before it calls it down (https://node-postgres.com/apis/client).
 * A dead or black-holed database then fails intake within seconds, so the network is not
 * acknowledged and offers the message again, instead of holding intake until TCP gives up.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/** For the pool: no store call runs longer than about half a minute, on the server or on the wire. */
export const POOL_TIMEOUTS = {
  connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  /** Server side, per statement. */
  statement_timeout: 30_000,
  /** Client side: a connection that stopped answering (a statement_timeout that never comes back). */
  query_timeout: 35_000,
  /** Server side: a transaction whose process died or hung mid-way releases its locks. */
  idle_in_transaction_session_timeout: 60_000,
  keepAlive: true,
} as const;
