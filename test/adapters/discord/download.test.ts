import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordEmulator } from '@flex-bridge/emulators';
import { decodeAttachmentRef } from '../../../adapters/discord/attachment-ref.js';
import type { DiscordAdapter } from '../../../adapters/discord/discord-adapter.js';
import type { Attachment, MediaFile } from '../../../src/core/messages.js';
import { AdapterRig, ALICE, failureOf, SinkRecorder } from './harness.js';

const GET_MESSAGE = 'GET /channels/:channel_id/messages/:message_id';

const rig = new AdapterRig();
afterEach(() => rig.tearDown());

/** An adapter holding the gateway, and the attachments of the DM Alice sends it, as the bridge stores them. */
async function received(emulator: DiscordEmulator, dm: Parameters<DiscordEmulator['userSendsDm']>[1]): Promise<{ adapter: DiscordAdapter; attachments: readonly Attachment[] }> {
  const sink = new SinkRecorder();
  const adapter = await rig.started(emulator, sink.sink);
  emulator.userSendsDm(ALICE.id, dm);
  const [message] = await sink.waitFor(1);
  return { adapter, attachments: message!.attachments };
}

async function bytesOf(file: MediaFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of file.stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function untilExpired(attachment: Attachment): Promise<void> {
  const { url } = decodeAttachmentRef(attachment.ref);
  while ((await fetch(url)).status !== 404) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('DiscordAdapter downloads', () => {
  it('downloads a file from its url while the url is valid, without asking Discord', async () => {
    const emulator = await rig.emulator();
    const data = Buffer.from('png bytes');
    const { adapter, attachments } = await received(emulator, { attachments: [{ filename: 'shot.png', content_type: 'image/png', data }] });

    const file = await adapter.download(attachments[0]!);
    expect(file).toMatchObject({ contentType: 'image/png', fileName: 'shot.png', size: data.length });
    expect((await bytesOf(file)).equals(data)).toBe(true);
    expect(emulator.requestsTo(GET_MESSAGE)).toEqual([]);
  });

  it('fetches the message again for a url that expired, and downloads from the url it carries now', async () => {
    const emulator = await rig.emulator({ attachmentUrlTtlMs: 1000 });
    const data = Buffer.from('png bytes');
    const { adapter, attachments } = await received(emulator, { attachments: [{ filename: 'shot.png', content_type: 'image/png', data }] });
    await untilExpired(attachments[0]!);

    expect((await bytesOf(await adapter.download(attachments[0]!))).equals(data)).toBe(true);
    const [fetched] = emulator.requestsTo(GET_MESSAGE);
    const { source } = decodeAttachmentRef(attachments[0]!.ref);
    expect(fetched).toMatchObject({ path: `/channels/${source!.channelId}/messages/${source!.messageId}`, status: 200 });
  });

  it('finds a forwarded file whose url expired in the snapshot of the forward', async () => {
    const emulator = await rig.emulator({ attachmentUrlTtlMs: 1000 });
    const data = Buffer.from('notice bytes');
    const { adapter, attachments } = await received(emulator, { forwarded: { attachments: [{ filename: 'notice.jpg', content_type: 'image/jpeg', data }] } });
    await untilExpired(attachments[0]!);

    expect((await bytesOf(await adapter.download(attachments[0]!))).equals(data)).toBe(true);
  });

  it('gives an expired file up for good when Discord no longer has its message (10008)', async () => {
    const emulator = await rig.emulator({ attachmentUrlTtlMs: 1000 });
    const { adapter, attachments } = await received(emulator, { attachments: [{ filename: 'shot.png', content_type: 'image/png', data: Buffer.from('x') }] });
    await untilExpired(attachments[0]!);
    emulator.failNext({ route: GET_MESSAGE, status: 404, code: 10008 });

    const failure = await failureOf(adapter.download(attachments[0]!));
    expect(failure).toMatchObject({ kind: 'permanent', status: 404, code: 10008 });
  });

  it('still downloads a ref stored as a plain url, before refs carried the message', async () => {
    const emulator = await rig.emulator();
    const data = Buffer.from('pdf bytes');
    const { adapter, attachments } = await received(emulator, { attachments: [{ filename: 'terms.pdf', content_type: 'application/pdf', data }] });
    const stored = { ...attachments[0]!, ref: decodeAttachmentRef(attachments[0]!.ref).url };

    expect((await bytesOf(await adapter.download(stored))).equals(data)).toBe(true);
  });
});
