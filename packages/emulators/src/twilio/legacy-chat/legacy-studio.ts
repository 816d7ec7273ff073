import { channelAttributes } from './legacy-chat-attributes.js';
import type { ChatService } from './legacy-chat-service.js';
import type { ChatChannelRecord, ChatMessageRecord, ChatWebhookRecord, LegacyChatState } from './legacy-chat-state.js';
import type { ChatTasks } from './legacy-chat-tasks.js';
import { newSid } from '../sids.js';

/**
 * The Studio flow of a legacy Flex Flow: trigger "Incoming Message" → "Send to Flex". Send to Flex
 * creates the task (attributes as in the custom-chat blog: `channelSid`, `name`, `channelType`) and
 * removes the flow's webhook from the channel, so the rest of the chat does not start new tasks.
 */
export class ChatStudioSendToFlex {
  constructor(
    private readonly state: LegacyChatState,
    private readonly chat: ChatService,
    private readonly tasks: ChatTasks,
  ) {}

  run(channel: ChatChannelRecord, webhook: ChatWebhookRecord, message: ChatMessageRecord): void {
    const attributes = channelAttributes(channel);
    this.tasks.add({
      sid: newSid('WT'),
      channelSid: channel.sid,
      studioFlowSid: webhook.flowSid,
      workspaceSid: this.state.account.workspaceSid,
      workflowSid: this.state.account.workflowSid,
      taskChannel: 'chat',
      attributes: {
        channelSid: channel.sid,
        name: typeof attributes.from === 'string' ? attributes.from : message.from,
        channelType: typeof attributes.channel_type === 'string' ? attributes.channel_type : 'custom',
      },
      status: 'pending',
      createdAt: new Date(),
    });
    this.chat.removeWebhook(channel, webhook.sid);
  }
}
