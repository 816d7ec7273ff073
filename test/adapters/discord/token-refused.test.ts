import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryPostponed } from '../../../src/core/delivery-error.js';
import type { ExternalChatRef } from '../../../src/core/messages.js';
import { AdapterRig, ALICE, failureOf, SinkRecorder } from './harness.js';
import { eventually } from '../../support/wait.js';

const rig = new AdapterRig();
afterEach(() => rig.tearDown());

const MESSAGES = 'POST /channels/:id/messages';

describe('DiscordAdapter after Discord refuses the token (401)', () => {
  it('is not ready and holds replies back without using their attempts, then sends again once Discord accepts the token, without a restart', async () => {
    const emulator = await rig.emulator();
    const sink = new SinkRecorder();
    const adapter = await rig.started(emulator, sink.sink, undefined, { tokenRecheckMs: 50 });
    emulator.userSendsDm(ALICE.id, 'hello');
    const [hello] = await sink.waitFor(1);
    const to: ExternalChatRef = { network: 'discord', externalUserId: ALICE.id, externalChatId: hello!.externalChatId };
    // Refused: the reply's send, and the first check of the token after it.
    emulator.failNext({ route: MESSAGES, status: 401 });
    emulator.failNext({ route: 'GET /users/@me', status: 401 });

    const refused = await failureOf(adapter.send(to, { text: 'first try', idempotencyKey: 'fb1' }));
    expect(refused).toMatchObject({ kind: 'retryable', ambiguous: false, status: 401 });
    expect(adapter.health()).toEqual({ ready: false, detail: 'token refused by Discord (401)' });

    const held = await adapter.send(to, { text: 'second try', idempotencyKey: 'fb1' }).catch((err: unknown) => err);
    expect(held, 'waits without using an attempt').toBeInstanceOf(DeliveryPostponed);
    expect(held).toMatchObject({ retryAfterMs: 50, message: 'not sent: Discord refused the bot token (401) and has not accepted it since' });
    expect(emulator.requestsTo(MESSAGES).map((r) => r.status)).toEqual([401]);

    await eventually(() => adapter.health().ready, 'the adapter ready again');
    expect(emulator.requestsTo('GET /users/@me').map((r) => r.status).slice(-2)).toEqual([401, 200]);
    await adapter.send(to, { text: 'third try', idempotencyKey: 'fb1' });
    expect(emulator.messagesInDm(ALICE.id).map((m) => m.message.content)).toEqual(['third try']);
  });
});
