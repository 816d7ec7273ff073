import type { FastifyInstance } from 'fastify';
import { listRequestOf } from '../http/api-request.js';
import { invalidParameter } from '../http/errors.js';
import { formValue } from '../http/form-body.js';
import { pageOf } from '../http/paging.js';
import type { ProductApi } from '../product-api.js';
import type { TaskRecord, TaskStatus } from '../state.js';

interface WorkspaceParams {
  Params: { workspace: string };
}

const ASSIGNMENT_STATUS: Record<TaskStatus, string> = {
  pending: 'pending',
  accepted: 'assigned',
  wrapping: 'wrapping',
  completed: 'completed',
};

/**
 * TaskRouter v1 tasks list, enough to find the task of a conversation:
 * `EvaluateTaskAttributes` supports the single comparison `name == "value"`.
 */
export const taskrouterApi: ProductApi = {
  host: 'taskrouter.twilio.com',
  routes(app: FastifyInstance, { interactions }) {
    app.get<WorkspaceParams>('/v1/Workspaces/:workspace/Tasks', async (request) => {
      const list = listRequestOf(request);
      const expression = formValue(list.query, 'EvaluateTaskAttributes');
      const matches = expression === undefined ? () => true : attributeEquals(expression);
      const tasks = interactions.tasks().filter((t) => t.workspaceSid === request.params.workspace && matches(t));
      return pageOf(tasks, list, 'tasks', (t) => taskJson(t));
    });
  },
};

function attributeEquals(expression: string): (task: TaskRecord) => boolean {
  const parsed = /^\s*([A-Za-z_][\w.]*)\s*==\s*(["'])(.*)\2\s*$/.exec(expression);
  if (!parsed) throw invalidParameter('EvaluateTaskAttributes', 'the emulator supports only name == "value"');
  const [, name, , value] = parsed;
  return (task) => String(task.attributes[name as string] ?? '') === value;
}

function taskJson(task: TaskRecord) {
  return {
    sid: task.sid,
    workspace_sid: task.workspaceSid,
    workflow_sid: task.workflowSid,
    task_channel_unique_name: task.taskChannel,
    attributes: JSON.stringify(task.attributes),
    assignment_status: ASSIGNMENT_STATUS[task.status],
    date_created: task.createdAt.toISOString(),
    url: `https://taskrouter.twilio.com/v1/Workspaces/${task.workspaceSid}/Tasks/${task.sid}`,
  };
}
