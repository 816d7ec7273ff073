import { TwilioApiError, invalidParameter, notFound } from '../http/errors.js';
import type { EmulatorEvents } from '../events.js';
import { newSid } from '../sids.js';
import type { ApiTaskRecord, EmulatorState } from '../state.js';
import { TASK_CHANNELS } from './interactions.js';

export interface NewApiTask {
  attributes?: string;
  workflowSid?: string;
  taskChannel?: string;
}

export interface ApiTaskUpdate {
  assignmentStatus?: string;
  reason?: string;
  attributes?: string;
}

/**
 * Tasks created with TaskRouter's Create a Task (https://www.twilio.com/docs/taskrouter/api/task#create-a-task-resource)
 * in the account's workspace: routed by its one workflow, so they wait `pending` (no agent takes them
 * in the emulator) until canceled. Only a `pending` or `reserved` task can be canceled, and a canceled
 * task takes no change any more ("Cannot update a task that is canceled or completed").
 */
export class ApiTasks {
  constructor(
    private readonly state: EmulatorState,
    private readonly events: EmulatorEvents,
  ) {}

  create(workspaceSid: string, request: NewApiTask): ApiTaskRecord {
    const { account } = this.state;
    if (workspaceSid !== account.workspaceSid) throw notFound(`/Workspaces/${workspaceSid}/Tasks`);
    const workflowSid = request.workflowSid ?? account.workflowSid;
    if (workflowSid !== account.workflowSid) throw invalidParameter('WorkflowSid', `workflow ${workflowSid} not found`);
    const taskChannel = request.taskChannel ?? 'default';
    if (!TASK_CHANNELS.includes(taskChannel)) throw invalidParameter('TaskChannel', `task channel ${taskChannel} not found`);
    const task: ApiTaskRecord = {
      sid: newSid('WT'),
      workspaceSid,
      workflowSid,
      taskChannel,
      attributes: attributesOf(request.attributes ?? '{}'),
      status: 'pending',
      reason: null,
      createdAt: new Date(),
    };
    this.state.apiTasks.set(task.sid, task);
    this.events.emit('apiTask', structuredClone(task));
    return task;
  }

  update(workspaceSid: string, taskSid: string, update: ApiTaskUpdate): ApiTaskRecord {
    const task = this.get(workspaceSid, taskSid);
    if (task.status === 'canceled') throw new TwilioApiError(400, 20001, `Cannot update task ${task.sid}: it is canceled`);
    if (update.assignmentStatus !== undefined && update.assignmentStatus !== 'canceled') {
      throw invalidParameter('AssignmentStatus', `a pending task can only be canceled, not ${update.assignmentStatus}`);
    }
    if (update.attributes !== undefined) task.attributes = attributesOf(update.attributes);
    if (update.assignmentStatus === 'canceled') {
      task.status = 'canceled';
      task.reason = update.reason ?? null;
    }
    this.events.emit('apiTask', structuredClone(task));
    return task;
  }

  get(workspaceSid: string, taskSid: string): ApiTaskRecord {
    const task = this.state.apiTasks.get(taskSid);
    if (!task || task.workspaceSid !== workspaceSid) throw notFound(`/Workspaces/${workspaceSid}/Tasks/${taskSid}`);
    return task;
  }

  has(taskSid: string): boolean {
    return this.state.apiTasks.has(taskSid);
  }

  all(): ApiTaskRecord[] {
    return [...this.state.apiTasks.values()];
  }
}

function attributesOf(json: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw invalidParameter('Attributes', 'not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParameter('Attributes', 'not a JSON object');
  return parsed as Record<string, unknown>;
}
