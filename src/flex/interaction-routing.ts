import { setTimeout as sleep } from 'node:timers/promises';
import type twilio from 'twilio';
import { DeliveryError } from '../core/delivery-error.js';
import { RoutingFailedError, type OpenChatRequest, type RoutingEnd } from './backend.js';
import { taskAttributes, type ExtraAttributes } from './chat-attributes.js';

export interface InteractionRoutingOptions {
  readonly client: twilio.Twilio;
  readonly workspaceSid: string;
  readonly workflowSid?: string;
  readonly taskChannel: string;
  /** The operator's constant task attributes (FLEX_TASK_ATTRIBUTES). */
  readonly extraAttributes: ExtraAttributes;
  /** How long one routing attempt waits for its interaction channel to go live and its task to appear. */
  readonly confirmMs: number;
  /** Routing attempts (Interactions) per chat before the bridge gives up on it. */
  readonly attempts: number;
}

/** The first look comes soon after the request, later ones up to a second apart. */
const FIRST_LOOK_MS = 100;
const MAX_LOOK_INTERVAL_MS = 1_000;
const TASKS_LOOKED_AT = 20;
const CLOSED_CONVERSATION = 50377;

type Attempt = { routed: true } | { routed: false; why: string; liveChannel?: { sid: string; channelSid: string } };

/**
 * Routes a Flex chat to agents with the Interactions API and makes sure it got there. "Creating an
 * interaction is an asynchronous request for which a 200 response only indicates that the server has
 * accepted the request" (https://www.twilio.com/docs/flex/developer/conversations/interactions-api/interactions):
 * so each attempt reads the interaction channel back until it leaves `setup`, and then looks for the
 * task (whose attributes Flex gives the `conversationSid`). A `failed` channel, or no task in time, is
 * tried again; after the last attempt the chat is closed and RoutingFailedError thrown.
 */
export class InteractionRouting {
  constructor(private readonly opts: InteractionRoutingOptions) {}

  async route(flexSid: string, req: OpenChatRequest): Promise<void> {
    let last: Attempt = { routed: false, why: 'not tried' };
    let accepted = false;
    try {
      for (let attempt = 1; attempt <= this.opts.attempts; attempt++) {
        // A task of an earlier attempt may have come late: then the chat is routed after all.
        if (attempt > 1 && (await this.hasTask(flexSid))) return;
        const interaction = await this.createInteraction(flexSid, req).catch((err: unknown) => {
          // Flex refusing the request outright (a 4xx) is a failed attempt too, told to the customer like the others.
          if (err instanceof DeliveryError && err.kind === 'permanent' && !err.ambiguous) return err;
          throw err;
        });
        if (interaction instanceof DeliveryError) {
          last = { routed: false, why: `Interaction refused (${interaction.message})` };
          continue;
        }
        accepted = true;
        last = await this.confirm(flexSid, interaction.sid);
        if (last.routed) return;
      }
      await this.close(flexSid, last.routed ? undefined : last.liveChannel);
    } catch (err) {
      // Once Flex accepted an Interaction the chat may be in front of an agent: whatever fails after
      // that leaves the routing in doubt, for completeRouting to settle.
      if (accepted && err instanceof DeliveryError && !err.ambiguous) {
        throw new DeliveryError(err.kind, err.message, { ambiguous: true, code: err.code, status: err.status, cause: err });
      }
      throw err;
    }
    throw new RoutingFailedError(flexSid, `${last.routed ? '' : last.why} (after ${this.opts.attempts} attempts)`);
  }

  /**
   * Whether the chat has a task within the confirmation window: an interaction whose answer was lost
   * may still be setting up, and routing again now would give the chat a second task.
   */
  async awaitTask(flexSid: string): Promise<boolean> {
    return this.poll(async () => ((await this.hasTask(flexSid)) ? true : undefined), false);
  }

  /** How the chat's routing ended without an agent, if it did (see FlexBackend.routingEnded). */
  async routingEnded(flexSid: string, taskExpected: boolean): Promise<RoutingEnd | undefined> {
    const tasks = await this.tasksOf(flexSid, TASKS_LOOKED_AT);
    if (tasks.length === 0) return taskExpected ? { reason: 'task-deleted' } : undefined;
    if (tasks.some((task) => task.assignmentStatus !== 'canceled')) return undefined;
    const latest = latestOf(tasks);
    const interaction = interactionOf(latest);
    return { reason: 'task-canceled', ...(latest?.reason ? { detail: latest.reason } : {}), ...(interaction ? { interaction } : {}) };
  }

  /** The interaction channel of the chat's latest task, which Flex names in the task's attributes; undefined without a task. */
  async interactionOf(flexSid: string): Promise<{ sid: string; channelSid: string } | undefined> {
    return interactionOf(latestOf(await this.tasksOf(flexSid, TASKS_LOOKED_AT)));
  }

  /**
   * Closes the chat through its interaction channel, as Flex wants (never by canceling a task:
   * https://www.twilio.com/docs/flex/developer/conversations/best-practices); a chat with no live
   * channel is closed as a conversation (`State=closed`). A chat that is already closed is fine.
   */
  async close(flexSid: string, interaction?: { sid: string; channelSid: string }): Promise<void> {
    try {
      if (interaction) {
        await this.opts.client.flexApi.v1.interaction(interaction.sid).channels(interaction.channelSid).update({ status: 'closed' });
      } else {
        await this.opts.client.conversations.v1.conversations(flexSid).update({ state: 'closed' });
      }
    } catch (err) {
      if (!(err instanceof DeliveryError && (err.code === CLOSED_CONVERSATION || err.status === 404))) throw err;
    }
  }

  private createInteraction(flexSid: string, req: OpenChatRequest) {
    return this.opts.client.flexApi.v1.interaction.create({
      channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: flexSid } },
      routing: {
        properties: {
          workspace_sid: this.opts.workspaceSid,
          ...(this.opts.workflowSid ? { workflow_sid: this.opts.workflowSid } : {}),
          task_channel_unique_name: this.opts.taskChannel,
          attributes: taskAttributes(req, this.opts.extraAttributes),
        },
      },
    });
  }

  /** Reads the interaction's channel until it leaves `setup`, then waits for the chat's task. */
  private async confirm(flexSid: string, interactionSid: string): Promise<Attempt> {
    let liveChannel: { sid: string; channelSid: string } | undefined;
    const outcome = await this.poll<Attempt | undefined>(async () => {
      if (!liveChannel) {
        const [channel] = await this.opts.client.flexApi.v1.interaction(interactionSid).channels.list({ limit: 1 });
        if (!channel || channel.status === 'setup') return undefined;
        if (channel.status === 'failed') {
          return { routed: false, why: `interaction channel failed (${channel.errorCode}: ${channel.errorMessage})` };
        }
        liveChannel = { sid: interactionSid, channelSid: channel.sid };
      }
      return (await this.hasTask(flexSid)) ? { routed: true } : undefined;
    }, undefined);
    if (outcome) return outcome;
    const seconds = Math.round(this.opts.confirmMs / 1000);
    const why = liveChannel ? `no task within ${seconds} s` : `interaction channel still in setup after ${seconds} s`;
    return { routed: false, why, ...(liveChannel ? { liveChannel } : {}) };
  }

  /** Calls `look` until it answers, backing off, for at most `confirmMs`; then `otherwise`. */
  private async poll<T>(look: () => Promise<T | undefined>, otherwise: T): Promise<T> {
    const deadline = Date.now() + this.opts.confirmMs;
    for (let wait = FIRST_LOOK_MS; ; wait = Math.min(wait * 2, MAX_LOOK_INTERVAL_MS)) {
      const answer = await look();
      if (answer !== undefined) return answer;
      const left = deadline - Date.now();
      if (left <= 0) return otherwise;
      await sleep(Math.min(wait, left));
    }
  }

  private async hasTask(flexSid: string): Promise<boolean> {
    return (await this.tasksOf(flexSid, 1)).length > 0;
  }

  private tasksOf(flexSid: string, limit: number) {
    return this.opts.client.taskrouter.v1
      .workspaces(this.opts.workspaceSid)
      .tasks.list({ evaluateTaskAttributes: `conversationSid == "${flexSid}"`, limit });
  }
}

function latestOf<T extends { dateCreated: Date }>(tasks: T[]): T | undefined {
  return [...tasks].sort((a, b) => b.dateCreated.getTime() - a.dateCreated.getTime())[0];
}

function interactionOf(task: { attributes: string } | undefined): { sid: string; channelSid: string } | undefined {
  const attributes = parseAttributes(task?.attributes);
  return typeof attributes.flexInteractionSid === 'string' && typeof attributes.flexInteractionChannelSid === 'string'
    ? { sid: attributes.flexInteractionSid, channelSid: attributes.flexInteractionChannelSid }
    : undefined;
}

function parseAttributes(json: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(json ?? '{}');
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
