import type { MessageRecord, TaskRecord, TwilioEmulator } from '../twilio/emulator.js';
import { flexBridgeIdOf } from './flex-attributes.js';
import type { ChatView, FlexLine, TaskView } from './views.js';

interface Chat {
  state: string;
  readonly lines: FlexLine[];
}

/** The agent's view of Flex: tasks and the chats behind them, kept from the Twilio emulator's events. */
export class FlexDesk {
  private readonly tasks = new Map<string, TaskView>();
  private readonly chats = new Map<string, Chat>();

  constructor(
    twilio: TwilioEmulator,
    private readonly bridgeIdentity: string,
    private readonly onChange: (change: { task: TaskView } | { chat: ChatView }) => void,
  ) {
    twilio.events.on('task', (task) => this.onTask(task));
    twilio.events.on('message', (message) => this.onMessage(message));
    twilio.events.on('state', ({ conversationSid, to }) => {
      this.chat(conversationSid).state = to;
      this.emitChat(conversationSid);
    });
  }

  taskList(): TaskView[] {
    return [...this.tasks.values()];
  }

  chatList(): ChatView[] {
    return [...this.chats.keys()].map((sid) => this.chatView(sid));
  }

  /** The chat that began last, if any. */
  get latestChatSid(): string | undefined {
    return [...this.chats.keys()].at(-1);
  }

  private onTask(task: TaskRecord): void {
    const handle = typeof task.attributes.from === 'string' ? task.attributes.from : task.conversationSid;
    const view: TaskView = {
      sid: task.sid,
      conversationSid: task.conversationSid,
      handle,
      customerName: typeof task.attributes.customerName === 'string' ? task.attributes.customerName : '',
      network: handle.split(':')[0] ?? '',
      status: task.status,
      createdAt: new Date(task.createdAt).getTime(),
    };
    this.tasks.set(task.sid, view);
    this.onChange({ task: view });
  }

  private onMessage(message: MessageRecord): void {
    this.chat(message.conversationSid).lines.push({
      sid: message.sid,
      author: message.author,
      role: this.roleOf(message),
      text: message.body ?? '',
      at: new Date(message.dateCreated).getTime(),
    });
    this.emitChat(message.conversationSid);
  }

  private roleOf(message: MessageRecord): FlexLine['role'] {
    if (message.author === this.bridgeIdentity) return 'bridge';
    return flexBridgeIdOf(message.attributes) === undefined ? 'agent' : 'customer';
  }

  private chat(conversationSid: string): Chat {
    let chat = this.chats.get(conversationSid);
    if (!chat) {
      chat = { state: 'active', lines: [] };
      this.chats.set(conversationSid, chat);
    }
    return chat;
  }

  private chatView(conversationSid: string): ChatView {
    const chat = this.chat(conversationSid);
    return { conversationSid, state: chat.state, lines: [...chat.lines] };
  }

  private emitChat(conversationSid: string): void {
    this.onChange({ chat: this.chatView(conversationSid) });
  }
}
