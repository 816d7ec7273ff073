import type { ConversationService } from '../conversations/conversations.js';
import type { ConversationRecord, MessageRecord } from '../state.js';

/**
 * A pre-agent menu in the Studio flow: Send & Wait For Reply (`prompt`) → Split Based On the reply →
 * Send Message (the choice's text) → Send to Flex. A reply that matches no choice is asked again.
 */
export interface StudioMenu {
  readonly prompt: string;
  /** Each reply the split accepts (compared trimmed), with the text Send Message writes before Send to Flex. */
  readonly choices: Readonly<Record<string, string>>;
  /** The author the widgets write as; which one real Studio uses on a Conversation is not documented. */
  readonly author?: string;
}

/** Studio runs after the message that triggered it was stored, not inside that request. */
const WIDGET_DELAY_MS = 50;

/**
 * Plays a `StudioMenu` in each conversation whose Studio webhook fires. The widgets write into the
 * conversation without firing its conversation-scoped webhooks, so a custom channel only sees these
 * messages by reading the conversation. Twilio does not document this; public Flex custom-channel code
 * reports it (leroychan/twilio-flex-conversations-adapters, README "Using with Twilio Studio's Widgets").
 */
export class StudioMenuFlow {
  /** Conversations whose Send & Wait widget waits for the customer's reply. */
  private readonly waiting = new Set<string>();

  constructor(
    private readonly menu: StudioMenu,
    private readonly conversations: ConversationService,
  ) {}

  /** A customer message reached the flow; `sendToFlex` is called with the chosen reply once it matches. */
  run(conversation: ConversationRecord, message: MessageRecord, sendToFlex: (choice: string) => void): void {
    const sid = conversation.sid;
    const choice = (message.body ?? '').trim();
    const answer = this.waiting.has(sid) ? this.menu.choices[choice] : undefined;
    later(() => {
      if (answer === undefined) {
        this.write(sid, this.menu.prompt);
        this.waiting.add(sid);
        return;
      }
      this.waiting.delete(sid);
      this.write(sid, answer);
      sendToFlex(choice);
    });
  }

  private write(conversationSid: string, body: string): void {
    try {
      // Like a REST post without `X-Twilio-Webhook-Enabled`: no conversation-scoped webhook fires.
      this.conversations.addMessage(conversationSid, { author: this.menu.author ?? 'system', body }, { kind: 'api', webhooksEnabled: false });
    } catch {
      // The conversation was closed or removed meanwhile: Studio's execution ends.
    }
  }
}

function later(step: () => void): void {
  setTimeout(step, WIDGET_DELAY_MS).unref();
}
