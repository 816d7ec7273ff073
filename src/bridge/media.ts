import type { Logger } from 'pino';
import type { ChatAdapter } from '../core/chat-adapter.js';
import { asDeliveryError } from '../core/delivery-error.js';
import type { FlexBackend } from '../flex/backend.js';
import type { Attachment, FlexMedia, InboundMessage } from '../core/messages.js';
import { formatBytes } from '../core/text.js';

const LABELS: Record<Attachment['kind'], string> = {
  photo: 'a photo',
  document: 'a file',
  voice: 'a voice message',
  audio: 'an audio file',
  video: 'a video',
  video_note: 'a video message',
  animation: 'a GIF',
  file: 'a file',
};

export interface UploadedAttachments {
  readonly mediaSids: string[];
  /** For the agent: what could not be passed on, and why. */
  readonly notes: string[];
}

/**
 * Streams each attachment from the customer's network into Flex's media store. A file the network or
 * Twilio refuses for good becomes a note for the agent; anything retryable fails the whole delivery.
 */
export async function uploadAttachments(msg: InboundMessage, adapter: ChatAdapter | undefined, flex: FlexBackend, log: Logger): Promise<UploadedAttachments> {
  const mediaSids: string[] = [];
  const notes: string[] = [];
  for (const attachment of msg.attachments) {
    const what = attachment.fileName ? `${LABELS[attachment.kind]} ("${attachment.fileName}")` : LABELS[attachment.kind];
    if (!adapter?.download) {
      notes.push(`[the customer sent ${what}, which this bridge cannot carry from ${msg.network}]`);
      continue;
    }
    try {
      const file = await adapter.download(attachment);
      // Destroyed in any case: an upload that failed early must not keep the download's socket open.
      mediaSids.push(await flex.uploadMedia(file).finally(() => file.stream.destroy()));
    } catch (err) {
      const failure = asDeliveryError(err);
      if (failure.kind !== 'permanent') throw failure;
      log.warn({ externalMessageId: msg.externalMessageId, kind: attachment.kind, error: failure.message }, 'attachment not passed on');
      notes.push(`[the customer sent ${what}, which could not be passed on: ${failure.message}]`);
    }
  }
  return { mediaSids, notes };
}

/** Why a file of an agent's message cannot go to the customer's network, or undefined when it can. */
export function refusalOf(media: FlexMedia, adapter: ChatAdapter | undefined, network: string): string | undefined {
  const caps = adapter?.capabilities;
  if (!caps?.media) return `${network} files are not supported by this bridge`;
  if (caps.maxFileBytes !== undefined && media.size > caps.maxFileBytes) {
    return `it is ${formatBytes(media.size)}, and ${network} bots can send files up to ${formatBytes(caps.maxFileBytes)}`;
  }
  return undefined;
}
