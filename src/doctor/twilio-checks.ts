import type twilio from 'twilio';
import type { Config } from '../config.js';
import { DeliveryError } from '../core/delivery-error.js';
import { createTwilioClient } from '../flex/twilio-client.js';
import { fail, pass, skip, type CheckResult } from './check.js';

type TwilioConfig = Pick<
  Config,
  | 'TWILIO_ACCOUNT_SID'
  | 'TWILIO_AUTH_TOKEN'
  | 'TWILIO_API_BASE_URL'
  | 'FLEX_MODE'
  | 'FLEX_WORKSPACE_SID'
  | 'FLEX_WORKFLOW_SID'
  | 'FLEX_TASK_CHANNEL'
  | 'FLEX_STUDIO_FLOW_SID'
  | 'FLEX_FLOW_SID'
  | 'FLEX_CHAT_SERVICE_SID'
>;

/** A configured SID, how to fetch it, and a listing on the same API that any account may call. */
interface SidCheck {
  readonly setting: string;
  readonly sid: string;
  readonly api: string;
  fetch(): Promise<{ friendlyName: string }>;
  listApi(): Promise<unknown>;
}

/** The credentials (by listing one conversation), then every SID the Flex mode uses. */
export async function checkTwilio(config: TwilioConfig): Promise<CheckResult[]> {
  const client = createTwilioClient({
    accountSid: config.TWILIO_ACCOUNT_SID,
    authToken: config.TWILIO_AUTH_TOKEN,
    apiBaseUrl: config.TWILIO_API_BASE_URL,
    timeoutMs: 10_000,
  });
  const sids = sidChecks(client, config);
  try {
    await client.conversations.v1.conversations.list({ limit: 1 });
  } catch (err) {
    return [fail('twilio credentials', describe(err, config)), ...sids.map((c) => skip(c.setting, 'needs the twilio credentials check to pass'))];
  }
  const credentials = pass('twilio credentials', `account ${config.TWILIO_ACCOUNT_SID} accepted (the Conversations API answered)`);
  const taskChannel = routesByInteraction(config) ? [checkTaskChannel(client, config)] : [];
  return [credentials, ...(await Promise.all([...sids.map((c) => checkSid(c, config)), ...taskChannel]))];
}

const routesByInteraction = (config: TwilioConfig) => config.FLEX_MODE === 'conversations' && Boolean(config.FLEX_WORKSPACE_SID) && !config.FLEX_STUDIO_FLOW_SID;

/**
 * Routing to a task channel the workspace does not have is accepted and fails only later, on the
 * Interaction's channel (`failed`): every chat would fail to reach agents. So it is looked up here.
 */
async function checkTaskChannel(client: twilio.Twilio, config: TwilioConfig): Promise<CheckResult> {
  const workspace = config.FLEX_WORKSPACE_SID as string;
  const name = config.FLEX_TASK_CHANNEL;
  try {
    const channels = await client.taskrouter.v1.workspaces(workspace).taskChannels.list({ limit: 100 });
    if (channels.some((channel) => channel.uniqueName === name)) return pass('FLEX_TASK_CHANNEL', `task channel "${name}" found in ${workspace}`);
    const known = channels.map((channel) => channel.uniqueName).join(', ');
    return fail('FLEX_TASK_CHANNEL', `workspace ${workspace} has no task channel "${name}" (it has: ${known}); every chat's routing would fail`);
  } catch (err) {
    if (statusOf(err) !== 404) return fail('FLEX_TASK_CHANNEL', describe(err, config));
    return skip('FLEX_TASK_CHANNEL', `not checked: the task channels of ${workspace} could not be listed (404)`);
  }
}

function sidChecks(client: twilio.Twilio, config: TwilioConfig): SidCheck[] {
  const checks: SidCheck[] = [];
  const add = (setting: string, sid: string | undefined, api: string, fetch: (sid: string) => Promise<{ friendlyName: string }>, listApi: () => Promise<unknown>) => {
    if (sid) checks.push({ setting, sid, api, fetch: () => fetch(sid), listApi });
  };
  const workspaces = () => client.taskrouter.v1.workspaces.list({ limit: 1 });
  if (config.FLEX_MODE === 'conversations') {
    const workspace = config.FLEX_WORKSPACE_SID;
    add('FLEX_WORKSPACE_SID', workspace, 'taskrouter.twilio.com', (sid) => client.taskrouter.v1.workspaces(sid).fetch(), workspaces);
    if (workspace) {
      const workflows = client.taskrouter.v1.workspaces(workspace).workflows;
      add('FLEX_WORKFLOW_SID', config.FLEX_WORKFLOW_SID, 'taskrouter.twilio.com', (sid) => workflows(sid).fetch(), workspaces);
    }
    add('FLEX_STUDIO_FLOW_SID', config.FLEX_STUDIO_FLOW_SID, 'studio.twilio.com', (sid) => client.studio.v2.flows(sid).fetch(), () =>
      client.studio.v2.flows.list({ limit: 1 }),
    );
  } else {
    add('FLEX_FLOW_SID', config.FLEX_FLOW_SID, 'flex-api.twilio.com', (sid) => client.flexApi.v1.flexFlow(sid).fetch(), () =>
      client.flexApi.v1.flexFlow.list({ limit: 1 }),
    );
    add('FLEX_CHAT_SERVICE_SID', config.FLEX_CHAT_SERVICE_SID, 'chat.twilio.com', (sid) => client.chat.v2.services(sid).fetch(), () =>
      client.chat.v2.services.list({ limit: 1 }),
    );
  }
  return checks;
}

async function checkSid(check: SidCheck, config: TwilioConfig): Promise<CheckResult> {
  try {
    const found = await check.fetch();
    return pass(check.setting, `${check.sid} found: "${found.friendlyName}"`);
  } catch (err) {
    if (statusOf(err) !== 404) return fail(check.setting, describe(err, config));
  }
  // Twilio always serves the listing; a base-URL override (an emulator, a test rig) may not serve the API at all.
  if (config.TWILIO_API_BASE_URL && statusOf(await check.listApi().catch((err: unknown) => err)) === 404) {
    return skip(check.setting, `not checked: TWILIO_API_BASE_URL (${config.TWILIO_API_BASE_URL}) does not serve this ${check.api} lookup`);
  }
  return fail(check.setting, `${check.sid} was not found in account ${config.TWILIO_ACCOUNT_SID}`);
}

function statusOf(value: unknown): number | undefined {
  return value instanceof DeliveryError ? value.status : undefined;
}

function describe(err: unknown, config: TwilioConfig): string {
  if (!(err instanceof DeliveryError)) return (err as Error).message;
  if (err.status === 401) return 'Twilio rejected TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (401)';
  if (err.status === undefined) return `cannot reach Twilio${config.TWILIO_API_BASE_URL ? ` at ${config.TWILIO_API_BASE_URL}` : ''}: ${err.code ?? err.message}`;
  return err.message;
}
