import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordEmulator } from '@flex-bridge/emulators';
import { startHarnessWithDiscord, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';

const ALICE = { id: '1100000000000000001', username: 'alice', global_name: 'Alice Liddell' } as const;
const IDENTITY = `discord_${ALICE.id}`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop(); // stops the emulators too
  h = undefined;
});

async function start(discordOptions: Parameters<typeof startHarnessWithDiscord>[1] = {}): Promise<{ h: Harness; discord: DiscordEmulator }> {
  const started = await startHarnessWithDiscord({}, discordOptions);
  h = started.h;
  started.discord.addUser(ALICE);
  return started;
}

function customerMessages(harness: Harness, sid: string, count: number) {
  return eventually(() => {
    const messages = harness.twilio.messages(sid).filter((m) => m.author === IDENTITY);
    return messages.length >= count ? messages : undefined;
  }, `${count} Discord message(s) in Flex`);
}

describe('Discord customer ↔ Flex agent: files', () => {
  it('carries each attachment of a DM into Flex as MCS media, the text with the first', async () => {
    const { h, discord } = await start();
    const photo = randomBytes(2048);
    const pdf = randomBytes(4096);
    discord.userSendsDm(ALICE.id, {
      content: 'the parcel and the invoice',
      attachments: [
        { filename: 'parcel.jpg', content_type: 'image/jpeg', data: photo },
        { filename: 'invoice.pdf', content_type: 'application/pdf', data: pdf },
      ],
    });

    const task = await eventually(() => h.twilio.tasks()[0], 'a Flex task');
    const [first, second] = await customerMessages(h, task.conversationSid, 2);
    expect(first!.body).toBe('the parcel and the invoice');
    expect(first!.media).toEqual([expect.objectContaining({ contentType: 'image/jpeg', filename: 'parcel.jpg', size: photo.length })]);
    expect(second!.body).toBeNull();
    expect(second!.media).toEqual([expect.objectContaining({ contentType: 'application/pdf', filename: 'invoice.pdf' })]);
    expect(h.twilio.mediaContent(first!.media![0]!.sid)?.equals(photo)).toBe(true);
    expect(h.twilio.mediaContent(second!.media![0]!.sid)?.equals(pdf)).toBe(true);
  });

  it('carries a file into Flex when its delivery comes after the attachment url expired', async () => {
    const { h, discord } = await start({ attachmentUrlTtlMs: 1000 });
    h.twilio.failNext({ status: 503, times: 10_000 });
    const photo = randomBytes(2048);
    const [attachment] = discord.userSendsDm(ALICE.id, {
      content: 'the damage',
      attachments: [{ filename: 'damage.jpg', content_type: 'image/jpeg', data: photo }],
    }).attachments;
    await eventually(async () => (await fetch(attachment!.url)).status === 404, 'the attachment url to expire');
    h.twilio.clearFaults();

    const task = await eventually(() => h.twilio.tasks()[0], 'a Flex task', 20_000);
    const [message] = await customerMessages(h, task.conversationSid, 1);
    expect(message!.body).toBe('the damage');
    expect(h.twilio.mediaContent(message!.media![0]!.sid)?.equals(photo)).toBe(true);
    // The url was signed anew by fetching the message again, as Discord documents.
    expect(discord.requestsTo('GET /channels/:channel_id/messages/:message_id').some((request) => request.status === 200)).toBe(true);
  });

  it('carries a forwarded message into Flex with its content and file, marked as forwarded', async () => {
    const { h, discord } = await start();
    const photo = randomBytes(1024);
    const forward = discord.userSendsDm(ALICE.id, {
      forwarded: { content: 'Your parcel is held at the depot', attachments: [{ filename: 'notice.jpg', content_type: 'image/jpeg', data: photo }] },
    });
    expect(forward).toMatchObject({ content: '', message_reference: { type: 1 }, message_snapshots: [{ message: { content: 'Your parcel is held at the depot' } }] });

    const task = await eventually(() => h.twilio.tasks()[0], 'a Flex task');
    const [message] = await customerMessages(h, task.conversationSid, 1);
    expect(message!.body).toBe('↪️ Forwarded message\nYour parcel is held at the depot');
    expect(message!.media).toEqual([expect.objectContaining({ contentType: 'image/jpeg', filename: 'notice.jpg' })]);
    expect(h.twilio.mediaContent(message!.media![0]!.sid)?.equals(photo)).toBe(true);
  });

  it('sends an agent file as a DM attachment, the text as its content', async () => {
    const { h, discord } = await start();
    discord.userSendsDm(ALICE.id, 'Hello');
    const task = await eventually(() => h.twilio.tasks()[0], 'a Flex task');
    const data = randomBytes(10_000);
    h.twilio.agentSendFile(task.conversationSid, { data, contentType: 'application/pdf', filename: 'terms.pdf' }, 'our terms');

    const [sent] = await discord.waitForMessages(ALICE.id, 1);
    expect(sent!.message.content).toBe('our terms');
    expect(sent!.message.attachments).toEqual([expect.objectContaining({ filename: 'terms.pdf', size: data.length })]);
    expect(discord.attachmentContents(sent!.message.attachments[0]!.url)?.equals(data)).toBe(true);
  });

  it('tells the agent, not the customer, when a file is over Discord’s 10 MB, and still sends the text', async () => {
    const { h, discord } = await start();
    discord.userSendsDm(ALICE.id, 'Hello');
    const task = await eventually(() => h.twilio.tasks()[0], 'a Flex task');
    h.twilio.agentSendFile(task.conversationSid, { data: Buffer.alloc(11 * 1024 * 1024), contentType: 'video/mp4', filename: 'demo.mp4' }, 'the demo');

    const notice = await eventually(() => h.twilio.messages(task.conversationSid).find((m) => m.author === 'flex-bridge'), 'a notice in Flex');
    expect(notice.body).toBe('⚠️ flex-bridge could not send "demo.mp4" to the customer: it is 11.0 MB, and discord bots can send files up to 10.0 MB.');
    const [text] = await discord.waitForMessages(ALICE.id, 1);
    expect(text!.message).toMatchObject({ content: 'the demo', attachments: [] });
    expect(h.twilio.requests.some((r) => r.host === 'mcs.us1.twilio.com')).toBe(false);
  });
});
