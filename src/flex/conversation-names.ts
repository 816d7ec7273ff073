import type twilio from 'twilio';
import { DeliveryError, retryable } from '../core/delivery-error.js';

type ConversationsApi = twilio.Twilio['conversations']['v1'];

/** "Conversation with provided unique name already exists" (https://www.twilio.com/docs/api/errors/50353). */
const NAME_TAKEN = 50353;
/** The attribute that proves the bridge made a conversation: the opening key it made it for. */
const OPENING_ATTRIBUTE = 'flexBridgeOpening';
/** The opening key, then `-2`, `-3`: a name another deployment holds is passed over, never taken back. */
const NAMES_TRIED = 3;

/** `State` with the close timers, which need it on create (https://www.twilio.com/docs/api/errors/50382); empty for none. */
export interface ConversationTimers {
  readonly state?: 'active';
  readonly 'timers.inactive'?: string;
  readonly 'timers.closed'?: string;
}

export interface NewConversation {
  readonly openingKey: string;
  readonly friendlyName: string;
  readonly attributes: Record<string, unknown>;
  readonly timers?: ConversationTimers;
}

export interface CreatedConversation {
  readonly sid: string;
  /** The conversation existed already, made by this opening (an earlier attempt that was cut off). */
  readonly adopted: boolean;
  /** Unique names held by conversations this installation did not make. */
  readonly namesTaken: readonly string[];
}

/** The attributes a conversation is created with: the caller's, and the opening it belongs to. */
export function markedAttributes(openingKey: string, attributes: Record<string, unknown>): string {
  return JSON.stringify({ ...attributes, [OPENING_ATTRIBUTE]: openingKey });
}

/** Whether `attributes` (a conversation's, as JSON) say the bridge made it for `openingKey`. */
export function madeFor(attributes: string | null | undefined, openingKey: string): boolean {
  try {
    const parsed: unknown = JSON.parse(attributes ?? '');
    return typeof parsed === 'object' && parsed !== null && (parsed as Record<string, unknown>)[OPENING_ATTRIBUTE] === openingKey;
  } catch {
    return false;
  }
}

/**
 * Creates the opening's conversation under its unique name. A name already taken (50353) is looked
 * up (unique names address a conversation, https://www.twilio.com/docs/conversations/api/conversation-resource):
 * a live conversation this opening made is continued; anything else is left alone and the next name tried.
 */
export async function createConversation(api: ConversationsApi, input: NewConversation): Promise<CreatedConversation> {
  const namesTaken: string[] = [];
  for (let n = 1; n <= NAMES_TRIED; n++) {
    const uniqueName = n === 1 ? input.openingKey : `${input.openingKey}-${n}`;
    try {
      const { sid } = await api.conversations.create({
        uniqueName,
        friendlyName: input.friendlyName,
        attributes: markedAttributes(input.openingKey, input.attributes),
        ...input.timers,
      });
      return { sid, adopted: false, namesTaken };
    } catch (err) {
      if (!(err instanceof DeliveryError && err.code === NAME_TAKEN)) throw err;
    }
    const holder = await api.conversations(uniqueName).fetch().catch((err: unknown) => {
      // Deleted since: the next attempt can have the name.
      if (err instanceof DeliveryError && err.status === 404) throw retryable(`conversation ${uniqueName} went away while it was looked up`);
      throw err;
    });
    if (!madeFor(holder.attributes, input.openingKey)) namesTaken.push(uniqueName);
    else if (holder.state !== 'closed') return { sid: holder.sid, adopted: true, namesTaken };
  }
  throw retryable(`the unique names of ${input.openingKey} are all taken by conversations this opening cannot use`);
}

/**
 * Deletes a conversation (by sid or unique name) only when its attributes prove this opening made it:
 * another deployment's chat under the same name, or one the bridge cannot vouch for, is left alone.
 * A conversation that is not there is fine.
 */
export async function removeIfMadeFor(api: ConversationsApi, sidOrUniqueName: string, openingKey: string): Promise<void> {
  try {
    const conversation = await api.conversations(sidOrUniqueName).fetch();
    if (!madeFor(conversation.attributes, openingKey)) return;
    await api.conversations(conversation.sid).remove();
  } catch (err) {
    if (!(err instanceof DeliveryError && err.status === 404)) throw err;
  }
}
