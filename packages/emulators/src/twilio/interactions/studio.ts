import type { ConversationService } from '../conversations/conversations.js';
import type { InteractionService } from './interactions.js';
import { StudioMenuFlow, type StudioMenu } from './studio-menu.js';
import type { ConversationRecord, ConversationWebhookRecord, EmulatedAccount, MessageRecord } from '../state.js';

/**
 * A `studio` conversation webhook runs a Studio flow. The emulator plays the one flow a Flex custom
 * channel uses: trigger "Incoming Conversation" → "Send to Flex". Send to Flex creates the interaction
 * and its task with the account's workspace and workflow, then the flow's webhook is removed so the
 * rest of the chat does not start new tasks.
 */
export class StudioSendToFlex {
  private menu: StudioMenuFlow | undefined;

  constructor(
    private readonly account: EmulatedAccount,
    private readonly conversations: ConversationService,
    private readonly interactions: InteractionService,
  ) {}

  /** From now on the flow asks `menu` before Send to Flex (see studio-menu.ts); undefined: straight to Flex. */
  useMenu(menu: StudioMenu | undefined): void {
    this.menu = menu && new StudioMenuFlow(menu, this.conversations);
  }

  run(conversation: ConversationRecord, webhook: ConversationWebhookRecord, message: MessageRecord): void {
    if (this.menu) {
      this.menu.run(conversation, message, (choice) => this.sendToFlex(conversation, webhook, message, { menuChoice: choice }));
      return;
    }
    this.sendToFlex(conversation, webhook, message);
  }

  private sendToFlex(
    conversation: ConversationRecord,
    webhook: ConversationWebhookRecord,
    message: MessageRecord,
    flowAttributes: Record<string, string> = {},
  ): void {
    try {
      this.interactions.create(
        { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: conversation.sid } },
        {
          properties: {
            workspace_sid: this.account.workspaceSid,
            workflow_sid: this.account.workflowSid,
            task_channel_unique_name: 'chat',
            attributes: {
              from: message.author,
              name: conversation.friendlyName ?? message.author,
              studioFlowSid: webhook.flowSid,
              ...flowAttributes,
            },
          },
        },
      );
    } catch {
      // A Studio execution that fails (e.g. no participant yet) does not fail the message that
      // triggered it; the webhook stays, so the next message tries again.
      return;
    }
    this.conversations.removeWebhook(conversation.sid, webhook.sid);
  }
}
