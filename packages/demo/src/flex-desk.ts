import type { FileShelf } from './files.js';
import { flexBridgeIdOf } from './flex-attributes.js';
import type { FlexMessage, FlexSide, FlexTask } from './flex-side.js';
import type { ChatView, FlexLine, TaskView } from './views.js';

interface Chat {
  state: ChatView['state'];
  readonly lines: FlexLine[];
}

/** The agent's view of Flex: tasks and the chats behind them, kept from what the Twilio emulator reports. */
export class FlexDesk {
  private readonly tasks = new Map<string, TaskView>();
  private readonly chats = new Map<string, Chat>();

  constructor(
    flex: FlexSide,
    private readonly bridgeIdentity: string,
    private readonly shelf: FileShelf,
    private readonly onChange: (change: { task: TaskView } | { chat: ChatView }) => void,
  ) {
    flex.onTask((task) => this.onTask(task));
    flex.onMessage((message) => this.onMessage(message));
    flex.onChatEnded((chatSid) => {
      this.chat(chatSid).state = 'closed';
      this.emitChat(chatSid);
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

  private onTask(task: FlexTask): void {
    const view: TaskView = { ...task, network: task.handle.split(':')[0] ?? '' };
    this.tasks.set(task.sid, view);
    this.onChange({ task: view });
  }

  private onMessage(message: FlexMessage): void {
    this.chat(message.chatSid).lines.push({
      sid: message.sid,
      author: message.author,
      role: this.roleOf(message),
      text: message.body,
      files: message.files.map((file) => this.shelf.shelve(file)),
      at: message.at,
    });
    this.emitChat(message.chatSid);
  }

  private roleOf(message: FlexMessage): FlexLine['role'] {
    if (message.author === this.bridgeIdentity) return 'bridge';
    return flexBridgeIdOf(message.attributes) === undefined ? 'agent' : 'customer';
  }

  private chat(chatSid: string): Chat {
    let chat = this.chats.get(chatSid);
    if (!chat) {
      chat = { state: 'active', lines: [] };
      this.chats.set(chatSid, chat);
    }
    return chat;
  }

  private chatView(chatSid: string): ChatView {
    const chat = this.chat(chatSid);
    return { chatSid, state: chat.state, lines: [...chat.lines] };
  }

  private emitChat(chatSid: string): void {
    this.onChange({ chat: this.chatView(chatSid) });
  }
}
