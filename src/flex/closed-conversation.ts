import type twilio from 'twilio';
import { DeliveryError } from '../core/delivery-error.js';
import { ChatClosedError } from './backend.js';

/** "Can't update conversation as it's in final closed state" (https://www.twilio.com/docs/api/errors/50377). */
const CLOSED_CONVERSATION = 50377;

/**
 * What a failed write into a conversation means. A 50377 or a 404 says the chat is gone. Any other
 * 4xx is not certain: Twilio documents neither which error a message post into a closed conversation
 * answers nor that Flex's own close fires a webhook, so the conversation's `state` is read and
 * `closed` counts as closed (https://www.twilio.com/docs/conversations/api/conversation-resource).
 * Resolves to the error to throw: a ChatClosedError, the original error, or the lookup's failure
 * (retryable, so the write is tried and looked at again rather than given up on).
 */
export async function closedOr(api: twilio.Twilio['conversations']['v1'], flexSid: string, err: unknown): Promise<unknown> {
  if (!(err instanceof DeliveryError) || err.kind !== 'permanent' || err.status === undefined || err.status >= 500) return err;
  if (err.code === CLOSED_CONVERSATION || err.status === 404) return new ChatClosedError(flexSid);
  try {
    const { state } = await api.conversations(flexSid).fetch();
    return state === 'closed' ? new ChatClosedError(flexSid) : err;
  } catch (lookup) {
    if (lookup instanceof DeliveryError && lookup.status === 404) return new ChatClosedError(flexSid);
    return lookup instanceof DeliveryError && lookup.kind === 'retryable' ? lookup : err;
  }
}
