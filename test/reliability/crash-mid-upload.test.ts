import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleJpeg, startSandbox, type Sandbox } from '@flex-bridge/emulators';
import type { RequestRecord } from '@flex-bridge/emulators';
import { bridgeForCrashes, type BridgeProcess } from '../support/bridge-process.js';
import { failOnTwilioContractViolations } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const ANN = { id: 5012345678, username: 'ann', first_name: 'Ann' };
const IDENTITY = `telegram_${ANN.id}`;
const MCS_HOST = 'mcs.us1.twilio.com';

let box: Sandbox | undefined;
let bridge: BridgeProcess | undefined;
afterEach(async () => {
  await bridge?.kill('SIGKILL');
  await box?.stop();
  const twilio = box?.twilio;
  bridge = undefined;
  box = undefined;
  if (twilio) failOnTwilioContractViolations(twilio);
});

/** The emulators in this process, the bridge as a child on a SQLite file that outlives it. */
async function started(): Promise<{ box: Sandbox; bridge: BridgeProcess }> {
  box = await startSandbox();
  bridge = await bridgeForCrashes(box);
  box.telegram.addUser(ANN);
  await bridge.start();
  return { box, bridge };
}

/** Resolves when the Twilio emulator has received a whole request that `matches` (it then answers, or not). */
function twilioRequest(sandbox: Sandbox, matches: (request: RequestRecord) => boolean): Promise<RequestRecord> {
  return new Promise((resolve) => {
    const listener = (request: RequestRecord) => {
      if (!matches(request)) return;
      sandbox.twilio.events.off('request', listener);
      resolve(request);
    };
    sandbox.twilio.events.on('request', listener);
  });
}

function annConversations(sandbox: Sandbox) {
  return sandbox.twilio.conversations().filter((c) => c.friendlyName === `telegram:${ANN.username}`);
}

describe('a crash mid-upload', () => {
  it.each([
    ['before MCS stored the file', false],
    ['after MCS stored the file, its answer lost', true],
  ])('a customer photo whose MCS upload is in flight when the bridge is SIGKILLed is in Flex once after restart (%s)', async (_when, apply) => {
    const { box, bridge } = await started();
    const uploadPath = `/v1/Services/${box.twilio.account.chatServiceSid}/Media`;
    box.twilio.hangNext({ host: MCS_HOST, method: 'POST', path: uploadPath, apply });
    const uploading = twilioRequest(box, (r) => r.host === MCS_HOST && r.method === 'POST');
    const data = randomBytes(64 * 1024);
    box.telegram.userSendsFile(ANN.id, { kind: 'photo', data, caption: 'my receipt' });

    // The emulator has the whole upload and withholds the answer: the bridge is waiting on it.
    expect((await uploading).fault).toBe(apply ? 'hang-after-apply' : 'hang');
    await bridge.kill('SIGKILL');
    box.telegram.userSends(ANN.id, 'after the photo'); // written while the bridge is down
    box.twilio.clearFaults();
    await bridge.start();

    const sid = await eventually(() => annConversations(box)[0]?.sid, 'Ann’s conversation', 15_000);
    // One outbox key per customer, served in order: once the later text is in Flex, the photo's row is
    // done, so no copy of the photo can follow.
    const messages = await eventually(() => {
      const fromAnn = box.twilio.messages(sid).filter((m) => m.author === IDENTITY);
      return fromAnn.some((m) => m.body === 'after the photo') ? fromAnn : undefined;
    }, 'the text after the photo in Flex', 15_000);
    expect(annConversations(box)).toHaveLength(1);
    expect(messages.map((m) => m.body)).toEqual(['my receipt', 'after the photo']);
    expect(messages[0]!.media).toEqual([expect.objectContaining({ contentType: 'image/jpeg', size: data.length })]);
    expect(messages[1]!.media).toBeNull();
    expect(box.twilio.mediaContent(messages[0]!.media![0]!.sid)?.equals(data)).toBe(true);
    // The upload was made again after the restart; a file stored by the lost first attempt stays unused.
    const uploads = box.twilio.requests.filter((r) => r.host === MCS_HOST && r.method === 'POST');
    expect(uploads.map((r) => r.fault)).toEqual([apply ? 'hang-after-apply' : 'hang', null]);
  }, 60_000);

  // The Bot API has no idempotency key, so what the customer gets depends on whether Telegram had
  // carried out the call when the bridge died: not yet → exactly once; already → once more after the
  // restart, which cannot know (docs/reliability.md, known limits).
  it.each([
    ['before Telegram sent it: exactly once', false, 1],
    ['after Telegram sent it, its answer lost: twice', true, 2],
  ])('an agent photo whose sendPhoto is in flight when the bridge is SIGKILLed reaches the customer after restart (%s)', async (_when, apply, copies) => {
    const { box, bridge } = await started();
    box.telegram.userSends(ANN.id, 'hello');
    const sid = await eventually(() => box.twilio.tasks()[0]?.conversationSid, 'a Flex task', 15_000);
    box.telegram.hangNext({ method: 'sendPhoto', apply });
    const sending = box.telegram.waitForRequest('sendPhoto', 15_000);
    const data = sampleJpeg(640, 480);
    box.twilio.agentSendFile(sid, { data, contentType: 'image/jpeg', filename: 'photo.jpg' }, 'here you go');

    // Telegram has the whole multipart upload and withholds the answer: the bridge is waiting on it.
    expect((await sending).params.photo).toMatchObject({ size: data.length });
    if (apply) await box.telegram.waitForMessages(ANN.id, 1);
    await bridge.kill('SIGKILL');
    box.telegram.clearFaults();
    await bridge.start();
    box.twilio.agentSend(sid, 'after the photo');

    // The text is queued behind the photo for this customer: once it arrived, no copy of the photo can follow.
    const received = await box.telegram.waitForMessages(ANN.id, copies + 1, 15_000);
    expect(received.map((m) => (m.photo ? `photo: ${m.caption}` : m.text))).toEqual([
      ...Array<string>(copies).fill('photo: here you go'),
      'after the photo',
    ]);
    for (const message of received.slice(0, copies)) {
      const sizes = message.photo as { file_id: string }[];
      expect(box.telegram.fileContents(sizes.at(-1)!.file_id)?.equals(data)).toBe(true);
    }
    expect(annConversations(box)).toHaveLength(1);
  }, 60_000);
});
