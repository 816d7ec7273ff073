import { defaultErrorCode, notFound, TwilioApiError } from '../http/errors.js';
import type { EmulatorEvents } from '../events.js';
import type { ChatTaskRecord, ChatTaskStatus, LegacyChatState } from './legacy-chat-state.js';

/** The tasks of legacy chat channels: created by Studio "Send to Flex", moved on by agents; each change is reported. */
export class ChatTasks {
  constructor(
    private readonly state: LegacyChatState,
    private readonly events: EmulatorEvents,
  ) {}

  add(task: ChatTaskRecord): void {
    this.state.tasks.set(task.sid, task);
    this.emit(task);
  }

  get(taskSid: string): ChatTaskRecord {
    const task = this.state.tasks.get(taskSid);
    if (!task) throw notFound(`/Tasks/${taskSid}`);
    return task;
  }

  ofChannel(channelSid: string): ChatTaskRecord[] {
    return [...this.state.tasks.values()].filter((task) => task.channelSid === channelSid);
  }

  /** Moves the task from one of `from` to `to`; any other status is a 409, as TaskRouter answers. */
  move(task: ChatTaskRecord, from: readonly ChatTaskStatus[], to: ChatTaskStatus): ChatTaskRecord {
    if (!from.includes(task.status)) {
      throw new TwilioApiError(409, defaultErrorCode(409), `Task ${task.sid} is ${task.status}, not ${from.join(' or ')}`);
    }
    task.status = to;
    this.emit(task);
    return task;
  }

  private emit(task: ChatTaskRecord): void {
    this.events.emit('chatTask', structuredClone(task));
  }
}
