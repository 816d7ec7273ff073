import { newSid } from './sids.js';

/** The fixed identifiers of the emulated account; generated once per emulator. */
export interface EmulatedAccount {
  readonly accountSid: string;
  readonly authToken: string;
  /** The default Conversations service ("Flex Chat Service"). */
  readonly chatServiceSid: string;
  readonly messagingServiceSid: string;
  /** The account's one TaskRouter workspace and workflow: Interactions routed elsewhere fail; Studio "Send to Flex" uses them. */
  readonly workspaceSid: string;
  readonly workflowSid: string;
}

export function newAccount(
  accountSid: string,
  authToken: string,
  routing: { workspaceSid?: string; workflowSid?: string } = {},
): EmulatedAccount {
  return {
    accountSid,
    authToken,
    chatServiceSid: newSid('IS'),
    messagingServiceSid: newSid('MG'),
    workspaceSid: routing.workspaceSid ?? newSid('WS'),
    workflowSid: routing.workflowSid ?? newSid('WW'),
  };
}

export type ConversationState = 'initializing' | 'active' | 'inactive' | 'closed';
export type StateChangeReason = 'API' | 'TIMER' | 'EVENT';

export interface ParticipantRecord {
  sid: string;
  conversationSid: string;
  identity: string;
  userSid: string;
  attributes: string;
  roleSid: string | null;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface MediaRecord {
  sid: string;
  contentType: string;
  filename: string | null;
  size: number;
}

export interface MessageRecord {
  sid: string;
  conversationSid: string;
  index: number;
  author: string;
  body: string | null;
  attributes: string;
  media: MediaRecord[] | null;
  participantSid: string | null;
  dateCreated: Date;
  dateUpdated: Date;
}

export type WebhookTarget = 'webhook' | 'studio' | 'trigger';

export interface ConversationWebhookRecord {
  sid: string;
  conversationSid: string;
  target: WebhookTarget;
  url: string | null;
  method: 'get' | 'post';
  filters: string[];
  triggers: string[];
  flowSid: string | null;
  dateCreated: Date;
  dateUpdated: Date;
}

/** A conversation with everything that lives inside it. */
export interface ConversationRecord {
  sid: string;
  friendlyName: string | null;
  uniqueName: string | null;
  attributes: string;
  state: ConversationState;
  messagingServiceSid: string;
  dateCreated: Date;
  dateUpdated: Date;
  participants: ParticipantRecord[];
  messages: MessageRecord[];
  webhooks: ConversationWebhookRecord[];
  nextMessageIndex: number;
  /** `Timers.Inactive` / `Timers.Closed` as set, and when they fire (emulator clock); absent: none. */
  timers: ConversationTimers;
}

export interface ConversationTimers {
  inactive?: { duration: string; ms: number };
  closed?: { duration: string; ms: number };
  /** Emulator-clock time of the conversation's last activity (creation, a message): the timers count from it. */
  since: number;
}

export type InteractionChannelStatus = 'setup' | 'active' | 'failed' | 'closed' | 'inactive';

export interface InteractionChannelRecord {
  sid: string;
  interactionSid: string;
  type: string;
  status: InteractionChannelStatus;
  conversationSid: string;
  /** Why the channel's setup failed (status `failed`); null otherwise. */
  errorCode: number | null;
  errorMessage: string | null;
}

export interface InteractionRecord {
  sid: string;
  /** `Channel` and `Routing` as the client sent them (parsed JSON). */
  channel: Record<string, unknown>;
  routing: Record<string, unknown>;
  channels: InteractionChannelRecord[];
}

export type TaskStatus = 'pending' | 'accepted' | 'wrapping' | 'completed' | 'canceled';

export interface TaskRecord {
  sid: string;
  conversationSid: string;
  interactionSid: string;
  interactionChannelSid: string;
  workspaceSid: string;
  workflowSid: string | null;
  taskChannel: string;
  attributes: Record<string, unknown>;
  status: TaskStatus;
  /** Why the task was canceled (TaskRouter's `reason`); null while it is not. */
  reason: string | null;
  agentIdentity: string | null;
  createdAt: Date;
}

/**
 * A task created through the TaskRouter API rather than by an interaction (a survey's record): no chat,
 * no agent. TaskRouter takes only `pending` and `reserved` tasks to `canceled` or `completed`.
 */
export interface ApiTaskRecord {
  sid: string;
  workspaceSid: string;
  workflowSid: string;
  taskChannel: string;
  attributes: Record<string, unknown>;
  status: 'pending' | 'canceled';
  reason: string | null;
  createdAt: Date;
}

/** Everything the emulator remembers; lives as long as the emulator. */
export class EmulatorState {
  readonly conversations = new Map<string, ConversationRecord>();
  /** Conversations users, created on first use of an identity (`US…`). */
  readonly userSids = new Map<string, string>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  readonly apiTasks = new Map<string, ApiTaskRecord>();

  constructor(readonly account: EmulatedAccount) {}

  /** Conversations users' `friendly_name`, by identity (Flex sets an agent's; others have none). */
  readonly userNames = new Map<string, string>();

  userSidFor(identity: string): string {
    let sid = this.userSids.get(identity);
    if (sid === undefined) {
      sid = newSid('US');
      this.userSids.set(identity, sid);
    }
    return sid;
  }

  findConversation(sidOrUniqueName: string): ConversationRecord | undefined {
    const bySid = this.conversations.get(sidOrUniqueName);
    if (bySid) return bySid;
    for (const conversation of this.conversations.values()) {
      if (conversation.uniqueName === sidOrUniqueName) return conversation;
    }
    return undefined;
  }
}
