/** The message that carries an attachment (the forward, for a forwarded file), in its DM channel: where Discord signs its url anew. */
export interface AttachmentSource {
  readonly channelId: string;
  readonly messageId: string;
  readonly attachmentId: string;
}

/** What the Discord adapter keeps in an attachment's `ref`. */
export interface DiscordAttachmentRef {
  readonly url: string;
  /** Absent in a ref stored as a plain url, before refs carried the message. */
  readonly source?: AttachmentSource;
}

export function encodeAttachmentRef(ref: Required<DiscordAttachmentRef>): string {
  return JSON.stringify(ref);
}

/** A ref this adapter wrote: JSON, or a plain url from before refs carried the message. */
export function decodeAttachmentRef(ref: string): DiscordAttachmentRef {
  return ref.startsWith('{') ? (JSON.parse(ref) as DiscordAttachmentRef) : { url: ref };
}
