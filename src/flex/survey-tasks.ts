import type twilio from 'twilio';
import type { SurveyResult } from './backend.js';

export interface SurveyTasksOptions {
  readonly client: twilio.Twilio;
  readonly workspaceSid: string;
  readonly workflowSid?: string;
  readonly taskChannel: string;
  /** The attribute by which the chat's own task names the chat: `conversationSid`, or `channelSid` (legacy Flex Flow). */
  readonly chatAttribute: 'conversationSid' | 'channelSid';
}

/**
 * Records a satisfaction rating as a TaskRouter task of its own, canceled at once. Flex Insights takes a
 * task's attributes when the task is completed or canceled
 * (https://www.twilio.com/docs/flex/developer/insights/enhance-integration), and the chat's own task has
 * usually been completed in wrap-up by the time the customer answers, so its attributes are no longer
 * read; a survey task in the same `conversations.conversation_id` joins the chat's row in Insights.
 * Canceling it at once (https://www.twilio.com/docs/taskrouter/api/task#update-a-task-resource) keeps it
 * from waiting for an agent; a workflow whose first filter sends `type == "survey"` to a queue without
 * workers keeps it from reaching one even for that moment.
 */
export class SurveyTasks {
  constructor(private readonly opts: SurveyTasksOptions) {}

  /** Idempotent: a retry finds the survey task made before and only cancels it if it is still pending. */
  async record(result: SurveyResult): Promise<void> {
    const existing = await this.surveyTaskOf(result.flexSid);
    const task = existing ?? (await this.createTask(result));
    if (task.assignmentStatus === 'pending' || task.assignmentStatus === 'reserved') {
      await this.tasks(task.sid).update({ assignmentStatus: 'canceled', reason: 'satisfaction survey answered' });
    }
  }

  private async createTask(result: SurveyResult) {
    const chatTask = (await this.tasks.list({ evaluateTaskAttributes: `${this.opts.chatAttribute} == "${result.flexSid}"`, limit: 1 }))[0];
    const attributes = {
      type: 'survey',
      surveyOf: result.flexSid,
      from: result.handle,
      rating: result.rating,
      ...(result.comment !== undefined && { comment: result.comment }),
      conversations: {
        conversation_id: chatTask?.sid ?? result.flexSid,
        conversation_measure_1: result.rating,
        kind: 'Survey',
      },
    };
    return this.tasks.create({
      attributes: JSON.stringify(attributes),
      taskChannel: this.opts.taskChannel,
      ...(this.opts.workflowSid ? { workflowSid: this.opts.workflowSid } : {}),
    });
  }

  private async surveyTaskOf(flexSid: string) {
    return (await this.tasks.list({ evaluateTaskAttributes: `surveyOf == "${flexSid}"`, limit: 1 }))[0];
  }

  private get tasks() {
    return this.opts.client.taskrouter.v1.workspaces(this.opts.workspaceSid).tasks;
  }
}
