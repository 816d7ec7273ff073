/*
 * What the console server sends the page (GET /api/state, then updates over SSE on /api/events).
 * The page (public/console.js) reads these shapes; keep the two in step.
 */

export type Network = 'telegram' | 'discord';

/** The Flex back end the bridge uses (its FLEX_MODE). */
export type DemoMode = 'conversations' | 'legacy-chat';
export const DEMO_MODES: readonly DemoMode[] = ['conversations', 'legacy-chat'];

/** A file in a message; `url` is the console's, serving the bytes the emulator stored. */
export interface FileView {
  readonly url: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
}

/** One line in a customer's own chat app: what they wrote, or what the bot sent them. */
export interface ChatLine {
  readonly from: 'customer' | 'bot';
  /** The text, or the caption of the files; may be empty when there are files. */
  readonly text: string;
  readonly files: readonly FileView[];
  readonly at: number;
  /** The text of the message this answers, shown above it as the app shows a reply. */
  readonly inReplyTo?: string;
  /** The network's id of a bot message, for pressing its buttons. */
  readonly messageId?: string;
  /** Buttons under a bot message (a survey's ratings), until the bot takes them off. */
  readonly buttons?: readonly ButtonView[];
}

/** A button under a bot message: what the customer sees, and what pressing it sends the bot. */
export interface ButtonView {
  readonly label: string;
  readonly data: string;
}

export interface CustomerView {
  /** `{network}-{userId}`: stable and safe in a URL. */
  readonly id: string;
  readonly network: Network;
  readonly userId: string;
  /** What the agent sees as the task's name, e.g. `telegram:maria`. */
  readonly handle: string;
  readonly displayName: string;
  /** The person blocked the bot (Telegram); writing again unblocks it. */
  readonly blocked: boolean;
  readonly lines: readonly ChatLine[];
}

export interface TaskView {
  readonly sid: string;
  /** The Flex chat behind the task: a conversation (CH…) in conversations mode, a chat channel (CH…) in legacy-chat. */
  readonly chatSid: string;
  readonly handle: string;
  readonly customerName: string;
  /** What the chat's attributes tell the agent about the customer (language, start payload, earlier chats, the operator's own). */
  readonly context: readonly { readonly name: string; readonly value: string }[];
  readonly network: string;
  readonly status: 'pending' | 'accepted' | 'wrapping' | 'completed' | 'canceled';
  readonly createdAt: number;
}

/** One message in a Flex chat, as the agent sees it. */
export interface FlexLine {
  readonly sid: string;
  readonly author: string;
  readonly role: 'customer' | 'agent' | 'bridge';
  readonly text: string;
  /** Files from MCS the message carries. */
  readonly files: readonly FileView[];
  readonly at: number;
}

export interface ChatView {
  readonly chatSid: string;
  readonly state: 'active' | 'closed';
  readonly lines: readonly FlexLine[];
}

/** Where a hop happened: on the customer's network, in the bridge's store, in Flex, on the webhook, or the bridge's delivery. */
export type HopStage = 'network' | 'stored' | 'flex' | 'webhook' | 'delivered';

export interface Hop {
  readonly stage: HopStage;
  /** Short name shown on the hop's chip, e.g. `Telegram`, `stored`, `Flex`. */
  readonly chip: string;
  readonly label: string;
  readonly at: number;
  readonly status: 'ok' | 'retry' | 'error';
}

export interface FlowView {
  readonly id: string;
  /** `command`: a customer message the bot answers itself (/start); `blocked`: the customer blocked the bot. */
  readonly kind: 'inbound' | 'outbound' | 'ended' | 'forged' | 'notice' | 'command' | 'blocked';
  /** The customer whose chat this is about (their handle). */
  readonly subject: string;
  readonly title: string;
  readonly text: string;
  readonly startedAt: number;
  readonly status: 'active' | 'done' | 'failed';
  readonly hops: readonly Hop[];
}

export interface FaultsView {
  /** The bridge's next post of a message to Flex will be answered 429 Too Many Requests. */
  readonly twilio429Armed: boolean;
}

export interface ConsoleSnapshot {
  readonly mode: DemoMode;
  readonly bridgeUrl: string;
  readonly agentIdentity: string;
  readonly networks: readonly Network[];
  readonly customers: readonly CustomerView[];
  readonly tasks: readonly TaskView[];
  readonly chats: readonly ChatView[];
  readonly flows: readonly FlowView[];
  readonly faults: FaultsView;
  /** The bridge's clock reads outside business hours: new chats get the after-hours reply and wait for the opening. */
  readonly afterHours: boolean;
}

export type ConsoleUpdate =
  /** The whole state: first on every stream, and again when the console switched to another Flex mode. */
  | { readonly type: 'snapshot'; readonly snapshot: ConsoleSnapshot }
  | { readonly type: 'customer'; readonly customer: CustomerView }
  | { readonly type: 'task'; readonly task: TaskView }
  | { readonly type: 'chat'; readonly chat: ChatView }
  | { readonly type: 'flow'; readonly flow: FlowView }
  | { readonly type: 'faults'; readonly faults: FaultsView }
  | { readonly type: 'hours'; readonly afterHours: boolean };
