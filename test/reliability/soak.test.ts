import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// SOAK_ROUNDS=50 makes the long version (a few minutes); CI runs the short one.
const rounds = Number(process.env.SOAK_ROUNDS ?? 6);
const warmUpRounds = 2;
const customers = 40;
let h: Harness | undefined;
afterAll(async () => {
  await h?.stop();
});

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('soak', () => {
  it(`keeps heap and open handles flat over ${rounds} rounds of ${customers * 2} messages`, async () => {
    h = await startHarness();
    const harness = h;
    const ids = Array.from({ length: customers }, (_, i) => 7000 + i);
    for (const id of ids) harness.telegram.addUser({ id, username: `s${id}`, first_name: `S${id}` });
    const conversationOf = new Map<number, string>();
    let sent = 0;

    const round = async () => {
      for (const id of ids) harness.telegram.userSends(id, `round message ${sent}`);
      sent++;
      await eventually(() => harness.twilio.tasks().length === customers, 'every customer to have a task', 20_000);
      for (const task of harness.twilio.tasks()) conversationOf.set(Number(String(task.attributes.from).slice('telegram:s'.length)), task.conversationSid);
      for (const id of ids) harness.twilio.agentSend(conversationOf.get(id)!, `reply ${sent}`);
      await eventually(() => ids.every((id) => harness.telegram.messagesTo(id).length === sent), 'every reply', 20_000);
      await eventually(async () => (await harness.app.store.outboxStats()).pending === 0, 'an empty outbox', 20_000);
    };

    // Warm-up: JIT, caches, and the keep-alive pools filling up to their size.
    for (let i = 0; i < warmUpRounds; i++) await round();
    const heapBefore = heapAfterGc();
    const handlesBefore = process.getActiveResourcesInfo().length;
    for (let i = warmUpRounds; i < rounds; i++) await round();
    const heapGrowth = heapAfterGc() - heapBefore;
    const handlesAfter = process.getActiveResourcesInfo().length;

    const messages = rounds * customers * 2;
    console.log(`soak: ${messages} messages, heap growth ${(heapGrowth / 1024).toFixed(0)} KiB, handles ${handlesBefore} → ${handlesAfter}`);
    expect(harness.twilio.conversations()).toHaveLength(customers);
    // The emulators keep every request and message in memory; the bridge must not add to that per message.
    const emulatorShare = 6 * 1024 * (rounds - warmUpRounds) * customers * 2;
    expect(heapGrowth).toBeLessThan(emulatorShare + 4 * 1024 * 1024);
    expect(handlesAfter).toBeLessThanOrEqual(handlesBefore + 5);
  }, 180_000);
});
