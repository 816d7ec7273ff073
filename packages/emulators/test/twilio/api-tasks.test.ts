import type twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { rejectionOf, startEmulator, WORKFLOW_SID, WORKSPACE_SID } from './helpers.js';

describe('Twilio emulator: TaskRouter tasks created through the API, driven by twilio-node', () => {
  let emulator: TwilioEmulator;
  let client: ReturnType<typeof twilio>;

  beforeEach(async () => {
    ({ emulator, client } = await startEmulator());
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const tasks = () => client.taskrouter.v1.workspaces(WORKSPACE_SID).tasks;

  it('creates a pending task, finds it by attribute, cancels it with a reason, and then refuses any change', async () => {
    const created = await tasks().create({ attributes: JSON.stringify({ type: 'survey', surveyOf: 'CH1' }), workflowSid: WORKFLOW_SID, taskChannel: 'chat' });
    expect(created).toMatchObject({ assignmentStatus: 'pending', workflowSid: WORKFLOW_SID, taskChannelUniqueName: 'chat' });

    const [found] = await tasks().list({ evaluateTaskAttributes: 'surveyOf == "CH1"', limit: 1 });
    expect(found?.sid).toBe(created.sid);

    const canceled = await tasks()(created.sid).update({ assignmentStatus: 'canceled', reason: 'survey answered' });
    expect(canceled).toMatchObject({ assignmentStatus: 'canceled', reason: 'survey answered' });
    expect(emulator.apiTasks()).toMatchObject([{ sid: created.sid, status: 'canceled', attributes: { type: 'survey' } }]);

    expect(await rejectionOf(tasks()(created.sid).update({ attributes: '{}' }))).toMatchObject({ status: 400, code: 20001 });
    expect(emulator.contractViolations).toEqual([]);
  });

  it('refuses attributes that are not a JSON object, an unknown workflow and an unknown task channel', async () => {
    expect(await rejectionOf(tasks().create({ attributes: '[1]' }))).toMatchObject({ status: 400 });
    expect(await rejectionOf(tasks().create({ workflowSid: 'WW00000000000000000000000000000000' }))).toMatchObject({ status: 400 });
    expect(await rejectionOf(tasks().create({ taskChannel: 'survey' }))).toMatchObject({ status: 400 });
    expect(emulator.apiTasks()).toEqual([]);
  });
});
