import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '@flex-bridge/emulators';
import { bridgeForCrashes, type BridgeProcess } from '../support/bridge-process.js';
import { failOnTwilioContractViolations } from '../support/harness.js';
import { eventually } from '../support/wait.js';
import { prng } from '@flex-bridge/emulators';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let box: Sandbox | undefined;
let bridge: BridgeProcess | undefined;
afterEach(async () => {
  await bridge?.kill('SIGKILL');
  await box?.stop();
  if (box) failOnTwilioContractViolations(box.twilio);
});

// CRASH_SEED replays a run; CRASH_KILLS and CRASH_MESSAGES make a longer one.
describe('crashes', () => {
  it('SIGKILLed bridges lose nothing: customer → Flex exactly once and in order, agent → customer in order (a kill may repeat one reply), one open chat per customer', async () => {
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const kills = Number(process.env.CRASH_KILLS ?? 4);
    const perCustomer = Number(process.env.CRASH_MESSAGES ?? 6);
    box = await startSandbox();
    bridge = await bridgeForCrashes(box);
    const customers = [101, 102, 103, 104];
    for (const id of customers) box.telegram.addUser({ id, username: `c${id}`, first_name: `C${id}` });
    const sentByCustomer = new Map(customers.map((id) => [id, [] as string[]]));
    const repliesTo = new Map(customers.map((id) => [id, [] as string[]]));
    const conversationOf = (id: number) =>
      box!.twilio.tasks().filter((t) => t.attributes.from === `telegram:c${id}` && box!.twilio.conversations().some((c) => c.sid === t.conversationSid)).at(-1)?.conversationSid;

    const traffic = async (rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        const id = customers[Math.floor(random() * customers.length)]!;
        const sent = sentByCustomer.get(id)!;
        if (sent.length < perCustomer) {
          const text = `c${id} says ${sent.length + 1}`;
          sent.push(text);
          box!.telegram.userSends(id, text);
        }
        const sid = conversationOf(id);
        if (sid && random() < 0.5) {
          const replies = repliesTo.get(id)!;
          const text = `agent to c${id}: ${replies.length + 1}`;
          replies.push(text);
          box!.twilio.agentSend(sid, text);
        }
        await sleep(random() * 60);
      }
    };

    for (let k = 0; k < kills; k++) {
      await bridge.start();
      await Promise.race([traffic(6), sleep(random() * 400)]);
      await bridge.kill('SIGKILL');
      await traffic(2); // customers keep writing while the bridge is down
    }
    await bridge.start();
    await traffic(40);
    // Twilio does not retry the webhooks that failed while the bridge was down: it reads the chats back.
    const lostWebhooks = new Set(box.twilio.webhookDeliveries.filter((d) => d.statusCode === null && d.eventType === 'onMessageAdded').map((d) => d.messageSid)).size;

    const context = `seed ${seed}`;
    let duplicates = 0;
    for (const id of customers) {
      const want = sentByCustomer.get(id)!;
      await eventually(() => {
        const sid = conversationOf(id);
        return sid && box!.twilio.messages(sid).filter((m) => m.author === `telegram_${id}`).length >= want.length;
      }, `customer ${id}'s messages in Flex (${context})`, 20_000);
      const replies = repliesTo.get(id)!;
      await box.telegram.waitForMessages(id, replies.length, 20_000);
    }
    await bridge.kill('SIGTERM');

    for (const id of customers) {
      const open = box.twilio.conversations().filter((c) => c.friendlyName === `telegram:c${id}` && c.state !== 'closed');
      expect(open, `one open conversation for c${id} (${context})`).toHaveLength(1);
      const inFlex = box.twilio.messages(open[0]!.sid).filter((m) => m.author === `telegram_${id}`).map((m) => m.body);
      expect(inFlex, `customer ${id} → Flex (${context})`).toEqual(sentByCustomer.get(id));
      // The Bot API has no idempotency key: a kill between sendMessage and recording it repeats that
      // one message, right after itself. Otherwise every reply arrives once, in the agent's order.
      const received = box.telegram.messagesTo(id).map((m) => m.text ?? '');
      const repeatsCollapsed = received.filter((text, i) => text !== received[i - 1]);
      expect(repeatsCollapsed, `Flex → customer ${id} (${context})`).toEqual(repliesTo.get(id));
      const repeats = received.length - repeatsCollapsed.length;
      expect(repeats, `at most one repeated reply to ${id} per kill (${context})`).toBeLessThanOrEqual(kills);
      duplicates += repeats;
    }
    console.log(
      `crash test: seed ${seed}, ${kills} SIGKILLs, ${customers.length} customers, ${lostWebhooks} agent webhooks failed while down, Telegram duplicates ${duplicates}`,
    );
  }, 120_000);
});
