import { snowflakeTime } from './snowflake.js';
import type { DcAttachment, DcMessage, DcUser } from './types.js';

/** A message object as the REST API returns it and MESSAGE_CREATE carries it; its timestamp is its id's. */
export function messageObject(fields: {
  id: string;
  channelId: string;
  author: DcUser;
  content: string;
  attachments?: DcAttachment[];
}): DcMessage {
  return {
    id: fields.id,
    channel_id: fields.channelId,
    author: fields.author,
    content: fields.content,
    timestamp: snowflakeTime(fields.id).toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: fields.attachments ?? [],
    embeds: [],
    pinned: false,
    type: 0,
    flags: 0,
    components: [],
  };
}

export function userObject(fields: { id: string; username: string; global_name?: string | null; bot?: boolean }): DcUser {
  return {
    id: fields.id,
    username: fields.username,
    global_name: fields.global_name ?? null,
    discriminator: '0',
    avatar: null,
    public_flags: 0,
    flags: 0,
    primary_guild: null,
    ...(fields.bot ? { bot: true } : {}),
  };
}
