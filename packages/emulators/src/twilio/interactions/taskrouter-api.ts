import type { FastifyInstance } from 'fastify';
import { listRequestOf } from '../http/api-request.js';
import { invalidParameter, notFound } from '../http/errors.js';
import { formValue } from '../http/form-body.js';
import { formOf } from '../http/api-request.js';
import { pageOf } from '../http/paging.js';
import type { ProductApi } from '../product-api.js';
import { sidFrom } from '../sids.js';
import type { ApiTaskRecord, TaskRecord, TaskStatus } from '../state.js';
import { TASK_CHANNELS } from './interactions.js';

interface WorkspaceParams {
  Params: { workspace: string };
}
interface TaskParams {
  Params: { workspace: string; task: string };
}

const ASSIGNMENT_STATUS: Record<TaskStatus, string> = {
  pending: 'pending',
  accepted: 'assigned',
  wrapping: 'wrapping',
  completed: 'completed',
  canceled: 'canceled',
};

/**
 * TaskRouter v1 tasks (https://www.twilio.com/docs/taskrouter/api/task), enough to find and follow the
 * task of a conversation: list (`EvaluateTaskAttributes` supports the single comparison
 * `name == "value"`, the name dotted into nested attributes) and fetch. A deleted task is gone: 404.
 * Tasks can be created and canceled through the API too (ApiTasks).
 */
export const taskrouterApi: ProductApi = {
  host: 'taskrouter.twilio.com',
  routes(app: FastifyInstance, { account, interactions, apiTasks }) {
    app.get<WorkspaceParams>('/v1/Workspaces/:workspace/Tasks', async (request) => {
      const list = listRequestOf(request);
      const expression = formValue(list.query, 'EvaluateTaskAttributes');
      const matches = expression === undefined ? () => true : attributeEquals(expression);
      const tasks = [...interactions.tasks().map(taskJson), ...apiTasks.all().map(apiTaskJson)].filter(
        (t) => t.workspace_sid === request.params.workspace && matches(JSON.parse(t.attributes) as Record<string, unknown>),
      );
      return pageOf(tasks, list, 'tasks', (t) => t);
    });

    // Twilio answers 201 for a created task.
    app.post<WorkspaceParams>('/v1/Workspaces/:workspace/Tasks', async (request, reply) => {
      const form = formOf(request);
      const task = apiTasks.create(request.params.workspace, {
        attributes: formValue(form, 'Attributes'),
        workflowSid: formValue(form, 'WorkflowSid'),
        taskChannel: formValue(form, 'TaskChannel'),
      });
      return reply.code(201).send(apiTaskJson(task));
    });

    app.post<TaskParams>('/v1/Workspaces/:workspace/Tasks/:task', async (request) => {
      const form = formOf(request);
      const task = apiTasks.update(request.params.workspace, request.params.task, {
        assignmentStatus: formValue(form, 'AssignmentStatus'),
        reason: formValue(form, 'Reason'),
        attributes: formValue(form, 'Attributes'),
      });
      return apiTaskJson(task);
    });

    // The account's one workspace, with the task channels a Flex workspace comes with.
    app.get<WorkspaceParams>('/v1/Workspaces/:workspace/TaskChannels', async (request) => {
      const workspace = request.params.workspace;
      if (workspace !== account.workspaceSid) throw notFound(`/Workspaces/${workspace}/TaskChannels`);
      return pageOf(TASK_CHANNELS, listRequestOf(request), 'channels', (name) => taskChannelJson(workspace, name));
    });

    app.get<TaskParams>('/v1/Workspaces/:workspace/Tasks/:task', async (request) => {
      if (apiTasks.has(request.params.task)) return apiTaskJson(apiTasks.get(request.params.workspace, request.params.task));
      const task = interactions.task(request.params.task);
      if (task.workspaceSid !== request.params.workspace) throw notFound(`/Workspaces/${request.params.workspace}/Tasks/${task.sid}`);
      return taskJson(task);
    });
  },
};

function attributeEquals(expression: string): (attributes: Record<string, unknown>) => boolean {
  const parsed = /^\s*([A-Za-z_][\w.]*)\s*==\s*(["'])(.*)\2\s*$/.exec(expression);
  if (!parsed) throw invalidParameter('EvaluateTaskAttributes', 'the emulator supports only name == "value"');
  const [, name, , value] = parsed;
  return (attributes) => String(attributeAt(attributes, name as string) ?? '') === value;
}

/** A dotted name reaches into nested objects, as TaskRouter's expressions do (`conversations.language`). */
function attributeAt(attributes: Record<string, unknown>, name: string): unknown {
  let value: unknown = attributes;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function apiTaskJson(task: ApiTaskRecord) {
  return taskResourceJson(task, task.status);
}

function taskJson(task: TaskRecord) {
  return taskResourceJson(task, ASSIGNMENT_STATUS[task.status]);
}

/** A task as the API shows it, whether Flex or the API created it. */
function taskResourceJson(task: TaskRecord | ApiTaskRecord, assignmentStatus: string) {
  return {
    sid: task.sid,
    workspace_sid: task.workspaceSid,
    workflow_sid: task.workflowSid,
    task_channel_unique_name: task.taskChannel,
    attributes: JSON.stringify(task.attributes),
    assignment_status: assignmentStatus,
    reason: task.reason,
    date_created: task.createdAt.toISOString(),
    url: `https://taskrouter.twilio.com/v1/Workspaces/${task.workspaceSid}/Tasks/${task.sid}`,
  };
}

function taskChannelJson(workspaceSid: string, uniqueName: string) {
  const sid = sidFrom('TC', `${workspaceSid}/${uniqueName}`);
  return {
    sid,
    workspace_sid: workspaceSid,
    unique_name: uniqueName,
    friendly_name: uniqueName,
    channel_optimized_routing: null,
    url: `https://taskrouter.twilio.com/v1/Workspaces/${workspaceSid}/TaskChannels/${sid}`,
  };
}
