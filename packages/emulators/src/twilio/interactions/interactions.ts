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

/** Flex Interactions and the TaskRouter tasks they create. */
export class InteractionService {
  constructor(
    private readonly state: EmulatorState,
    private readonly conversations: ConversationService,
    private readonly events: EmulatorEvents,
  ) {}

  /**
   * Real Flex accepts the request and sets the channel up asynchronously; the emulator does it at once
   * and rejects what would make the setup fail (`initiated_by=customer` needs a conversation with a participant).
   */
  create(channel: JsonObject, routing: JsonObject): InteractionRecord {
    const type = requiredString(channel, 'type', 'Channel');
    const initiatedBy = requiredString(channel, 'initiated_by', 'Channel');
    if (initiatedBy !== 'customer') {
      throw invalidParameter('Channel', `initiated_by=${initiatedBy} is not emulated; only customer is`);
    }
    const properties = objectAt(channel, 'properties');
    const mediaChannelSid = requiredString(properties, 'media_channel_sid', 'Channel.properties');
    const conversation = this.state.findConversation(mediaChannelSid);
    if (!conversation || conversation.state === 'closed') {
      throw invalidParameter('Channel', `media_channel_sid ${mediaChannelSid} is not an open conversation`);
    }
    if (conversation.participants.length === 0) {
      throw invalidParameter('Channel', `conversation ${mediaChannelSid} has no participant; add the customer first`);
    }
    const routingProperties = objectAt(routing, 'properties');
    const workspaceSid = requiredString(routingProperties, 'workspace_sid', 'Routing.properties');

    const interaction: InteractionRecord = { sid: newSid('KD'), channel, routing, channels: [] };
    const interactionChannel: InteractionChannelRecord = {
      sid: newSid('UO'),
      interactionSid: interaction.sid,
      type,
      status: 'active',
      conversationSid: conversation.sid,
    };
    interaction.channels.push(interactionChannel);
    this.state.interactions.set(interaction.sid, interaction);

    const task: TaskRecord = {
      sid: newSid('WT'),
      conversationSid: conversation.sid,
      interactionSid: interaction.sid,
      interactionChannelSid: interactionChannel.sid,
      workspaceSid,
      workflowSid: optionalString(routingProperties, 'workflow_sid') ?? null,
      taskChannel:
        optionalString(routingProperties, 'task_channel_unique_name') ??
        optionalString(routingProperties, 'task_channel_sid') ??
        'default',
      attributes: {
        ...taskAttributes(routingProperties.attributes),
        conversationSid: conversation.sid,
        channelType: type,
        flexInteractionSid: interaction.sid,
        flexInteractionChannelSid: interactionChannel.sid,
        direction: 'inbound',
      },
      status: 'pending',
      agentIdentity: null,
      createdAt: new Date(),
    };
    this.state.tasks.set(task.sid, task);
    this.emitTask(task);
    return interaction;
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
      if (task.interactionChannelSid === channel.sid && task.status !== 'completed') {
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

  private setTaskStatus(task: TaskRecord, status: TaskStatus): void {
    task.status = status;
    this.emitTask(task);
  }

  private emitTask(task: TaskRecord): void {
    this.events.emit('task', structuredClone(task));
  }
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
