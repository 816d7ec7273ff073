import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '@flex-bridge/emulators';
import { startHarness, type Harness } from '../support/harness.js';
import { SwitchableProxy } from '../support/switchable-proxy.js';
import { eventually } from '../support/wait.js';

let h: Harness | undefined;
let proxy: SwitchableProxy | undefined;
let box: Sandbox | undefined;
afterEach(async () => {
  // The harness stops the sandbox it was given.
  await (h ? h.stop() : box?.stop());
  await proxy?.off();
});

describe('Twilio refusing connections', () => {
  it('keeps the customer messages and posts each once, in order, when Twilio is back', async () => {
    box = await startSandbox();
    proxy = new SwitchableProxy(box.env.TWILIO_API_BASE_URL!);
    const viaProxy = await proxy.on();
    h = await startHarness({ TWILIO_API_BASE_URL: viaProxy }, box);
    box.telegram.addUser({ id: 41, username: 'max', first_name: 'Max' });
    box.telegram.userSends(41, 'before the outage');
    const task = await eventually(() => box!.twilio.tasks()[0], 'a task');

    await proxy.off();
    box.telegram.userSends(41, 'during the outage 1');
    box.telegram.userSends(41, 'during the outage 2');
    await eventually(async () => (await h!.app.store.listOutbox()).some((r) => (r.lastError ?? '').includes('ECONNREFUSED')), 'a refused attempt');
    await proxy.on();

    await eventually(() => box!.twilio.messages(task.conversationSid).length === 3, 'all messages posted', 15_000);
    await h.app.worker.stop(2000);
    expect(box.twilio.messages(task.conversationSid).map((m) => m.body)).toEqual(['before the outage', 'during the outage 1', 'during the outage 2']);
  });
});
