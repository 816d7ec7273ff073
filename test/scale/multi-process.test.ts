import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '@flex-bridge/emulators';
import { DiscordEmulator } from '@flex-bridge/emulators';
import { PostgresStore } from '../../src/store/postgres.js';
import { BridgeProcess } from '../support/bridge-process.js';
import { freePorts } from '@flex-bridge/emulators';
import { eventually } from '../support/wait.js';
import { RoundRobinProxy } from './round-robin-proxy.js';
import { createScratchSchema } from './scratch-schema.js';
import { prng } from '@flex-bridge/emulators';

/**
 * Three bridge processes on one PostgreSQL schema behind a round-robin proxy, Telegram, Discord and
 * Flex emulated in this process; the leader is SIGKILLed mid-run. Replay a run with SCALE_SEED.
 */
const SEED = Number(process.env.SCALE_SEED ?? 9_000);
const PROCESSES = 3;
const TELEGRAM_CUSTOMERS = 10;
const DISCORD_CUSTOMERS = 6;
const MESSAGES_PER_CUSTOMER = 10;
const DISCORD_TOKEN = 'sandbox-discord-token-not-a-secret';

interface Customer {
  readonly network: 'telegram' | 'discord';
  readonly id: string;
  readonly handle: string;
  readonly identity: string;
  readonly sent: string[];
  readonly replies: { text: string; messageSid: string }[];
}

interface Readiness {
  readonly httpStatus: number;
  readonly role?: string;
  readonly components: Record<string, { ready: boolean; detail: string }>;
}

async function readyz(port: number): Promise<Readiness | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { httpStatus: res.status, ...((await res.json()) as Omit<Readiness, 'httpStatus'>) };
  } catch {
    return undefined; // not listening (killed)
  }
}

const receiving = (r: Readiness | undefined) =>
  r?.role === 'leader' && r.components.telegram?.detail === 'polling' && r.components.discord?.detail === 'gateway ready';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

describe('scale-out on PostgreSQL', () => {
  it('three processes, the leader SIGKILLed mid-run: customer → Flex exactly once and in order, every reply delivered, one open chat each, leadership moves', async () => {
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    // Load shaping, not synchronisation: customers and agents do not all type in the same millisecond.
    const pace = () => new Promise((resolve) => setTimeout(resolve, random() * 12));

    const schema = await createScratchSchema('fb_scale');
    cleanups.push(() => schema.drop());
    const box: Sandbox = await startSandbox();
    cleanups.push(() => box.stop());
    const discord = new DiscordEmulator({ token: DISCORD_TOKEN });
    await discord.start();
    cleanups.push(() => discord.stop());

    const proxy = new RoundRobinProxy();
    const publicUrl = await proxy.start();
    cleanups.push(() => proxy.stop());
    const ports = await freePorts(PROCESSES);
    proxy.ports = ports;
    const bridges = ports.map(
      (port) =>
        new BridgeProcess({
          ...box.env,
          DISCORD_BOT_TOKEN: DISCORD_TOKEN,
          DISCORD_API_BASE_URL: discord.restBaseUrl,
          PORT: String(port),
          HOST: '127.0.0.1',
          PUBLIC_BASE_URL: publicUrl,
          DATABASE_URL: schema.url,
          DELIVERY_LEASE_MS: '1500',
        }),
    );
    cleanups.push(() => Promise.all(bridges.map((b) => b.kill('SIGKILL'))));

    const customers: Customer[] = [
      ...Array.from({ length: TELEGRAM_CUSTOMERS }, (_, i): Customer => {
        const id = String(201 + i);
        box.telegram.addUser({ id: Number(id), username: `t${id}`, first_name: `T${id}` });
        return { network: 'telegram', id, handle: `telegram:t${id}`, identity: `telegram_${id}`, sent: [], replies: [] };
      }),
      ...Array.from({ length: DISCORD_CUSTOMERS }, (_, i): Customer => {
        const id = `11000000000000001${String(i).padStart(2, '0')}`;
        discord.addUser({ id, username: `d${i}` });
        return { network: 'discord', id, handle: `discord:d${i}`, identity: `discord_${id}`, sent: [], replies: [] };
      }),
    ];

    // Gateway sessions: never two at once; when each became ready (READY) or was taken over (RESUMED),
    // and how many events Discord replayed to the process that resumed.
    const gatewayStarts: { at: number; t: 'READY' | 'RESUMED' }[] = [];
    let concurrentGateways = 0;
    const replayedTo = new Map<number, number>();
    let replayed = 0;
    discord.events.on('gateway', (event) => {
      if (event.kind !== 'sent') return;
      if (event.t === 'MESSAGE_CREATE') replayedTo.set(event.connectionId, (replayedTo.get(event.connectionId) ?? 0) + 1);
      if (event.t !== 'READY' && event.t !== 'RESUMED') return;
      if (event.t === 'RESUMED') replayed += replayedTo.get(event.connectionId) ?? 0;
      gatewayStarts.push({ at: Date.now(), t: event.t });
      if (discord.connectedSessions > 1) concurrentGateways++;
    });

    await Promise.all(bridges.map((b) => b.start()));
    const store = await PostgresStore.open(schema.url);
    cleanups.push(() => store.close());

    const leaderIndex = async (alive: number[]): Promise<number> =>
      eventually(async () => {
        const states = await Promise.all(alive.map((i) => readyz(ports[i]!)));
        const leaders = alive.filter((_, k) => receiving(states[k]));
        return leaders.length === 1 ? leaders[0] : undefined;
      }, 'exactly one leader receiving', 15_000);

    const firstLeader = await leaderIndex([0, 1, 2]);
    for (const i of [0, 1, 2].filter((i) => i !== firstLeader)) {
      expect(await readyz(ports[i]!), 'a follower is ready and says so').toMatchObject({
        httpStatus: 200,
        role: 'follower',
        components: {
          telegram: { ready: true, detail: 'standby: another process polls' },
          discord: { ready: true, detail: 'standby: another process holds the gateway' },
        },
      });
    }

    const dmsSentAt: number[] = [];
    const write = (c: Customer) => {
      if (c.sent.length >= MESSAGES_PER_CUSTOMER) return;
      const text = `${c.handle} says ${c.sent.length + 1}`;
      c.sent.push(text);
      if (c.network === 'telegram') box.telegram.userSends(Number(c.id), text);
      else {
        discord.userSendsDm(c.id, text);
        dmsSentAt.push(Date.now());
      }
    };
    // An agent answers a chat as soon as Flex shows it: it has a task, whether or not the bridge has
    // recorded the opening as finished.
    const answer = (c: Customer) => {
      const open = new Set(box.twilio.conversations().filter((conv) => conv.state !== 'closed').map((conv) => conv.sid));
      const task = box.twilio.tasks().findLast((t) => t.attributes.from === c.handle && open.has(t.conversationSid));
      if (!task) return;
      const text = `agent to ${c.handle}: ${c.replies.length + 1}`;
      const { sid } = box.twilio.agentSend(task.conversationSid, text);
      c.replies.push({ text, messageSid: sid });
    };
    const step = async (writers: readonly Customer[]) => {
      write(pick(writers));
      if (random() < 0.7) answer(pick(customers));
      await pace();
    };
    const inFlex = (c: Customer, open: boolean) =>
      box.twilio
        .conversations()
        .filter((conv) => conv.friendlyName === c.handle && (conv.state !== 'closed') === open)
        .flatMap((conv) => box.twilio.messages(conv.sid).filter((m) => m.author === c.identity).map((m) => m.body));
    const allInFlex = (group: readonly Customer[]) =>
      eventually(() => group.every((c) => inFlex(c, true).length >= c.sent.length), 'customer messages in Flex', 20_000);

    // 1. Everyone writes and agents answer, all three processes up, until every chat is open in Flex.
    for (let i = 0; i < 50; i++) await step(customers);
    await allInFlex(customers);

    // 2. Everyone keeps going; the leader is killed in the middle of it. Telegram keeps updates until
    // they are confirmed; Discord keeps dispatching to the dead leader's session, which the next
    // leader resumes, and replays to it what came after the last sequence stored.
    const killAfter = 30 + Math.floor(random() * 30);
    for (let i = 0; i < killAfter; i++) await step(customers);
    const killedAt = Date.now();
    await bridges[firstLeader]!.kill('SIGKILL');
    const exitedAt = Date.now();
    const survivors = [0, 1, 2].filter((i) => i !== firstLeader);
    let leaderReadyMs = 0;
    const [newLeader] = await Promise.all([
      leaderIndex(survivors).then((i) => {
        leaderReadyMs = Date.now() - killedAt;
        return i;
      }),
      (async () => {
        for (let i = 0; i < 15; i++) await step(customers);
      })(),
    ]);
    const firstPollAfter = await eventually(() => box.telegram.requests.find((r) => r.method === 'getUpdates' && r.at > exitedAt), 'a poll after the kill');
    const gatewayAfter = await eventually(() => gatewayStarts.find((g) => g.at > exitedAt), 'a gateway session after the kill');
    // The new leader took the dead leader's session over instead of starting one, so what Discord
    // dispatched to the dead one is replayed, not lost.
    expect(gatewayAfter.t, 'the gateway session resumed after the kill').toBe('RESUMED');

    // 3. Everyone again, until every customer has written all their messages.
    while (customers.some((c) => c.sent.length < MESSAGES_PER_CUSTOMER)) await step(customers);
    await allInFlex(customers);

    // A webhook the killed process held got a 502 from the proxy, and Twilio does not send it again:
    // the new leader reads the open chats back from Flex as it takes over.
    const replies = customers.flatMap((c) => c.replies);
    const deliveriesOf = (sid: string) => box.twilio.webhookDeliveries.filter((d) => d.messageSid === sid);
    await eventually(() => replies.every((r) => deliveriesOf(r.messageSid).some((d) => d.statusCode !== null || d.error !== null)), 'webhooks answered', 20_000);
    const lostWebhooks = replies.filter((r) => !deliveriesOf(r.messageSid).some((d) => d.statusCode === 200)).length;

    const receivedBy = (c: Customer) =>
      c.network === 'telegram' ? box.telegram.messagesTo(Number(c.id)).map((m) => m.text ?? '') : discord.messagesInDm(c.id).map((m) => m.message.content);
    await eventually(() => customers.every((c) => c.replies.every((r) => receivedBy(c).includes(r.text))), 'every reply at its customer', 20_000);
    await eventually(async () => (await store.outboxStats()).pending === 0, 'the outbox drained', 20_000);
    const exitCodes = await Promise.all(survivors.map((i) => bridges[i]!.kill('SIGTERM')));

    // Customer → Flex: exactly once, in order, in the one open chat.
    let copiesInDiscardedChats = 0;
    for (const c of customers) {
      const open = box.twilio.conversations().filter((conv) => conv.friendlyName === c.handle && conv.state !== 'closed');
      expect(open, `one open conversation for ${c.handle} (seed ${SEED})`).toHaveLength(1);
      expect(inFlex(c, true), `${c.handle} → Flex (seed ${SEED})`).toEqual(c.sent);
      copiesInDiscardedChats += inFlex(c, false).length;
    }
    expect(await store.countOpenMappings()).toBe(customers.length);

    // Flex → customer: nothing lost, nothing foreign, in the agent's order. Telegram takes no idempotency
    // key, so the kill may repeat the reply being sent, right after itself; count it. Discord's enforced
    // nonce turns the repeat into the original: another process retries within seconds, well inside
    // the nonce window (the emulator's is Discord's "few minutes", 5).
    const duplicates = { telegram: 0, discord: 0 };
    for (const c of customers) {
      const received = receivedBy(c);
      const repeatsCollapsed = received.filter((text, i) => text !== received[i - 1]);
      expect(repeatsCollapsed, `Flex → ${c.handle} (seed ${SEED})`).toEqual(c.replies.map((r) => r.text));
      expect(received.length - repeatsCollapsed.length, `repeats to ${c.handle}, one kill (seed ${SEED})`).toBeLessThanOrEqual(1);
      duplicates[c.network] += received.length - repeatsCollapsed.length;
    }
    expect(duplicates.discord, `Discord duplicates (seed ${SEED})`).toBe(0);
    expect(discord.contractViolations, 'requests Discord’s OpenAPI definition refuses').toEqual([]);
    expect(box.twilio.contractViolations, 'requests Twilio’s OpenAPI definitions refuse').toEqual([]);
    expect((await store.outboxStats()).dead).toBe(0);

    // Leadership: moved to a survivor, never two receivers at once, clean shutdown of the rest.
    expect(newLeader).not.toBe(firstLeader);
    expect(concurrentGateways).toBe(0);
    expect(bridges.some((b) => b.output.includes('terminated by other getUpdates'))).toBe(false);
    expect(exitCodes).toEqual([0, 0]);
    expect([...proxy.served.values()].filter((n) => n > 0)).toHaveLength(PROCESSES);

    const telegramFailoverMs = firstPollAfter.at - killedAt;
    const discordFailoverMs = gatewayAfter.at - killedAt;
    const dmsInKillWindow = dmsSentAt.filter((at) => at >= killedAt && at <= gatewayAfter.at).length;
    const refetched = bridges.reduce((n, b) => n + b.output.split('duplicate customer message dropped').length - 1, 0);
    expect(Math.max(telegramFailoverMs, discordFailoverMs)).toBeLessThan(10_000);
    console.log(
      `scale-out test: seed ${SEED}, ${PROCESSES} processes, 1 SIGKILL (the leader, after ${killAfter} steps), ` +
        `${customers.length} customers (${TELEGRAM_CUSTOMERS} Telegram, ${DISCORD_CUSTOMERS} Discord), ` +
        `${customers.reduce((n, c) => n + c.sent.length, 0)} customer messages, ${replies.length} agent replies; ` +
        `failover: Telegram polling ${telegramFailoverMs} ms, Discord gateway ${discordFailoverMs} ms (resumed), /readyz leader ${leaderReadyMs} ms; ` +
        `Discord DMs sent in the kill window ${dmsInKillWindow}, MESSAGE_CREATE events replayed on RESUME ${replayed}; ` +
        `losses 0; duplicate replies: Telegram ${duplicates.telegram}, Discord ${duplicates.discord}; customer copies in discarded chats ${copiesInDiscardedChats}; ` +
        `customer messages taken in again and dropped ${refetched}; agent webhooks lost (read back) ${lostWebhooks}; proxy 502s ${proxy.failed}; ` +
        `webhooks per process ${ports.map((p) => proxy.served.get(p) ?? 0).join('/')}; leader moved from process ${firstLeader + 1} to ${newLeader + 1}`,
    );
  }, 60_000);
});
