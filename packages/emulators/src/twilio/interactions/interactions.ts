import type { ConversationService } from '../conversations/conversations.js';
import { defaultErrorCode, invalidParameter, notFound, TwilioApiError } from '../http/errors.js';
import type { EmulatorEvents } from '../events.js';
import { newSid } from '../sids.js';
import type {
  EmulatorState,
  InteractionChannelRecord,
  InteractionRecord,
  TaskRecord,
  TaskStatus,
} from '../state.js';

type JsonObject = Record<string, unknown>;

export interface ChannelUpdate {
  status?: string;
  /** `Routing.status`; `closed` completes the tasks instead of leaving them in wrapping. */
  routingStatus?: string;
}

/** A failure the next interaction setups meet (an outage, a misconfigured account), as Flex reports it on the channel. */
export interface RoutingFailure {
  code?: number;
  message?: string;
  times?: number;
}

/**
 * The task channels a Flex workspace comes with (https://www.twilio.com/docs/taskrouter/api/task-channel);
 * routing to any other fails.
 */
export const TASK_CHANNELS = ['default', 'voice', 'chat', 'sms', 'video', 'email'];

/** Twilio documents no codes for a failed channel setup; these are the generic ones for what went wrong. */
const NOT_FOUND = 20404;
const INVALID = 20001;

/** How long Flex takes, by default, to set an accepted interaction up. */
export const DEFAULT_INTERACTION_SETUP_MS = 20;

/** Flex Interactions and the TaskRouter tasks they create. */
export class InteractionService {
  /** How long the asynchronous setup of an accepted interaction takes. */
  setupMs = DEFAULT_INTERACTION_SETUP_MS;
  private routingFailures: Required<RoutingFailure>[] = [];
  private readonly pendingSetups = new Set<NodeJS.Timeout>();

  constructor(
    private readonly state: EmulatorState,
    private readonly conversations: ConversationService,
    private readonly events: EmulatorEvents,
  ) {}

  /**
   * "Creating an interaction is an asynchronous request for which a 200 response only indicates that the
   * server has accepted the request" (https://www.twilio.com/docs/flex/developer/conversations/interactions-api/interactions):
   * only a malformed request is refused. The channel starts in `setup`; after `setupMs` it is `active`
   * with a task, or `failed` with `error_code`/`error_message` (no open conversation with a participant,
   * an unknown workspace or workflow, an unknown task channel, an injected failure).
   */
  create(channel: JsonObject, routing: JsonObject): InteractionRecord {
    const type = requiredString(channel, 'type', 'Channel');
    const initiatedBy = requiredString(channel, 'initiated_by', 'Channel');
    if (initiatedBy !== 'customer') {
      throw invalidParameter('Channel', `initiated_by=${initiatedBy} is not emulated; only customer is`);
    }
    const mediaChannelSid = requiredString(objectAt(channel, 'properties'), 'media_channel_sid', 'Channel.properties');
    const routingProperties = objectAt(routing, 'properties');
    requiredString(routingProperties, 'workspace_sid', 'Routing.properties');
    taskAttributes(routingProperties.attributes);

    const interaction: InteractionRecord = { sid: newSid('KD'), channel, routing, channels: [] };
    interaction.channels.push({
      sid: newSid('UO'),
      interactionSid: interaction.sid,
      type,
      status: 'setup',
      conversationSid: mediaChannelSid,
      errorCode: null,
      errorMessage: null,
    });
    this.state.interactions.set(interaction.sid, interaction);
    const injected = this.injectedFailure();
    const timer = setTimeout(() => {
      this.pendingSetups.delete(timer);
      this.setUp(interaction, injected);
    }, this.setupMs);
    this.pendingSetups.add(timer);
    return interaction;
  }

  /** The setups of the next `times` interactions created fail with this error. */
  failNextRouting(failure: RoutingFailure = {}): void {
    this.routingFailures.push({
      code: failure.code ?? INVALID,
      message: failure.message ?? 'Routing failed (injected)',
      times: failure.times ?? 1,
    });
  }

  /** Setups still to run are dropped: the emulator is going away. */
  stop(): void {
    for (const timer of this.pendingSetups) clearTimeout(timer);
    this.pendingSetups.clear();
  }

  private setUp(interaction: InteractionRecord, injected: { code: number; message: string } | undefined): void {
    const channel = interaction.channels[0] as InteractionChannelRecord;
    const routingProperties = objectAt(interaction.routing, 'properties');
    const problem = injected ?? this.routingProblem(channel.conversationSid, routingProperties);
    if (problem) {
      Object.assign(channel, { status: 'failed', errorCode: problem.code, errorMessage: problem.message });
      this.events.emit('interactionChannel', structuredClone(channel));
      return;
    }
    channel.status = 'active';
    this.events.emit('interactionChannel', structuredClone(channel));
    const task: TaskRecord = {
      sid: newSid('WT'),
      conversationSid: channel.conversationSid,
      interactionSid: interaction.sid,
      interactionChannelSid: channel.sid,
      workspaceSid: routingProperties.workspace_sid as string,
      workflowSid: optionalString(routingProperties, 'workflow_sid') ?? null,
      taskChannel: taskChannelOf(routingProperties),
      attributes: {
        ...taskAttributes(routingProperties.attributes),
        conversationSid: channel.conversationSid,
        channelType: channel.type,
        flexInteractionSid: interaction.sid,
        flexInteractionChannelSid: channel.sid,
        direction: 'inbound',
      },
      status: 'pending',
      reason: null,
      agentIdentity: null,
      createdAt: new Date(),
    };
    this.state.tasks.set(task.sid, task);
    this.emitTask(task);
  }

  private injectedFailure(): { code: number; message: string } | undefined {
    const failure = this.routingFailures[0];
    if (!failure) return undefined;
    if (--failure.times <= 0) this.routingFailures.shift();
    return { code: failure.code, message: failure.message };
  }

  private routingProblem(conversationSid: string, routing: JsonObject): { code: number; message: string } | undefined {
    const conversation = this.state.findConversation(conversationSid);
    if (!conversation || conversation.state === 'closed') {
      return { code: NOT_FOUND, message: `media_channel_sid ${conversationSid} is not an open conversation` };
    }
    if (conversation.participants.length === 0) {
      return { code: INVALID, message: `conversation ${conversationSid} has no participant; add the customer first` };
    }
    const { workspaceSid, workflowSid } = this.state.account;
    if (routing.workspace_sid !== workspaceSid) return { code: NOT_FOUND, message: `workspace ${String(routing.workspace_sid)} not found` };
    const workflow = optionalString(routing, 'workflow_sid');
    if (workflow !== undefined && workflow !== workflowSid) return { code: NOT_FOUND, message: `workflow ${workflow} not found` };
    const taskChannel = optionalString(routing, 'task_channel_unique_name');
    if (taskChannel !== undefined && !TASK_CHANNELS.includes(taskChannel)) return { code: NOT_FOUND, message: `task channel ${taskChannel} not found` };
    return undefined;
  }

  get(interactionSid: string): InteractionRecord {
    const interaction = this.state.interactions.get(interactionSid);
    if (!interaction) throw notFound(`/Interactions/${interactionSid}`);
    return interaction;
  }

  channel(interactionSid: string, channelSid: string): InteractionChannelRecord {
    const channel = this.get(interactionSid).channels.find((c) => c.sid === channelSid);
    if (!channel) throw notFound(`/Interactions/${interactionSid}/Channels/${channelSid}`);
    return channel;
  }

  /** The channel of the conversation's latest interaction, whatever its status (the demo shows it). */
  latestChannelOf(conversationSid: string): InteractionChannelRecord | undefined {
    return [...this.state.interactions.values()]
      .flatMap((interaction) => interaction.channels)
      .filter((channel) => channel.conversationSid === conversationSid)
      .at(-1);
  }

  /** The still active interaction channel that routes this conversation, if any. */
  activeChannelOf(conversationSid: string): InteractionChannelRecord | undefined {
    for (const interaction of this.state.interactions.values()) {
      const channel = interaction.channels.find((c) => c.conversationSid === conversationSid && c.status === 'active');
      if (channel) return channel;
    }
    return undefined;
  }

  /** Closing puts the channel's tasks into wrapping (or completes them) and closes the conversation. */
  updateChannel(interactionSid: string, channelSid: string, update: ChannelUpdate): InteractionChannelRecord {
    const channel = this.channel(interactionSid, channelSid);
    if (update.status !== 'closed' && update.status !== 'inactive') {
      throw invalidParameter('Status', 'expected closed or inactive');
    }
    if (update.status === 'inactive' && update.routingStatus !== 'closed') {
      throw invalidParameter('Routing', 'Status=inactive requires Routing {"status":"closed"}');
    }
    if (channel.status === 'closed') return channel;
    channel.status = update.status;
    const taskStatus: TaskStatus = update.routingStatus === 'closed' ? 'completed' : 'wrapping';
    for (const task of this.state.tasks.values()) {
      if (task.interactionChannelSid === channel.sid && task.status !== 'completed' && task.status !== 'canceled') {
        this.setTaskStatus(task, taskStatus);
      }
    }
    const conversation = this.state.findConversation(channel.conversationSid);
    if (update.status === 'closed' && conversation && conversation.state !== 'closed') {
      this.conversations.setState(conversation.sid, 'closed', 'API', { kind: 'flex' });
    }
    return channel;
  }

  tasks(): TaskRecord[] {
    return [...this.state.tasks.values()];
  }

  task(taskSid: string): TaskRecord {
    const task = this.state.tasks.get(taskSid);
    if (!task) throw notFound(`/Tasks/${taskSid}`);
    return task;
  }

  /** The agent's accepted task on this conversation, if any. */
  acceptedTaskOf(conversationSid: string): TaskRecord | undefined {
    return this.tasks().find((t) => t.conversationSid === conversationSid && t.status === 'accepted');
  }

  /** What Flex does when an agent accepts: the agent joins the conversation. */
  acceptTask(taskSid: string, agentIdentity: string): TaskRecord {
    const task = this.task(taskSid);
    if (task.status !== 'pending') throw taskConflict(task, 'pending');
    const conversation = this.conversations.get(task.conversationSid);
    if (!conversation.participants.some((p) => p.identity === agentIdentity)) {
      // Flex orchestration adds the agent: Twilio's own action, so post-event webhooks fire.
      this.conversations.addParticipant(conversation.sid, { identity: agentIdentity }, { kind: 'system' });
    }
    task.agentIdentity = agentIdentity;
    this.setTaskStatus(task, 'accepted');
    return task;
  }

  /** The agent finishes wrap-up. */
  completeTask(taskSid: string): TaskRecord {
    const task = this.task(taskSid);
    if (task.status !== 'accepted' && task.status !== 'wrapping') throw taskConflict(task, 'accepted or wrapping');
    this.setTaskStatus(task, 'completed');
    return task;
  }

  /**
   * The task ends without an agent, as TaskRouter ends it: canceled with a reason (a workflow timeout,
   * every agent rejecting it to the end of the workflow, a supervisor or plugin canceling it). Flex
   * leaves the conversation and its interaction channel as they are: "conversations may stay orphaned
   * with an open state" (https://www.twilio.com/docs/flex/developer/conversations/interactions-api).
   */
  cancelTask(taskSid: string, reason: string): TaskRecord {
    const task = this.task(taskSid);
    if (task.status !== 'pending') throw taskConflict(task, 'pending');
    task.reason = reason;
    this.setTaskStatus(task, 'canceled');
    return task;
  }

  /** The task is deleted (TaskRouter REST DELETE): it is gone, and so is any trace of it. */
  deleteTask(taskSid: string): void {
    const task = this.task(taskSid);
    this.state.tasks.delete(task.sid);
  }

  private setTaskStatus(task: TaskRecord, status: TaskStatus): void {
    task.status = status;
    this.emitTask(task);
  }

  private emitTask(task: TaskRecord): void {
    this.events.emit('task', structuredClone(task));
  }
}

function taskChannelOf(routing: JsonObject): string {
  return optionalString(routing, 'task_channel_unique_name') ?? optionalString(routing, 'task_channel_sid') ?? 'default';
}

function taskConflict(task: TaskRecord, expected: string): TwilioApiError {
  return new TwilioApiError(409, defaultErrorCode(409), `Task ${task.sid} is ${task.status}, not ${expected}`);
}

function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
}

function objectAt(parent: JsonObject, key: string): JsonObject {
  return asObject(parent[key]);
}

function optionalString(parent: JsonObject, key: string): string | undefined {
  const value = parent[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function requiredString(parent: JsonObject, key: string, where: string): string {
  const value = optionalString(parent, key);
  if (value === undefined) throw invalidParameter(where, `${key} is required`);
  return value;
}

/** `Routing.properties.attributes` may be an object or, as in Twilio's own examples, a JSON string. */
function taskAttributes(attributes: unknown): JsonObject {
  if (typeof attributes === 'string') {
    try {
      return asObject(JSON.parse(attributes));
    } catch {
      throw invalidParameter('Routing', 'properties.attributes is not valid JSON');
    }
  }
  return asObject(attributes);
}
