import { readFileSync } from 'node:fs';
import type twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { specPathOf, subsetOf, type OpenApiDocument } from '../../scripts/openapi-subset.js';
import { servedRoutes } from '../../src/twilio/contract/served-routes.js';
import { SPEC_FILE_OF_HOST, TWILIO_OMITTED_KEYS } from '../../src/twilio/contract/spec-files.js';
import type { TwilioEmulator } from '../../src/twilio/emulator.js';
import { ACCOUNT_SID, AUTH_TOKEN, rejectionOf, startEmulator, uploadMedia } from './helpers.js';

type Client = ReturnType<typeof twilio>;

const specDir = new URL('../../src/twilio/spec/', import.meta.url);
const subsetOfFile = (file: string) => JSON.parse(readFileSync(new URL(file, specDir), 'utf8')) as OpenApiDocument;

describe('the committed subsets of Twilio’s OpenAPI definitions', () => {
  it('say where they come from: twilio/twilio-oai at one commit, under the MIT license kept beside them', () => {
    const sources = Object.values(SPEC_FILE_OF_HOST).map((file) => subsetOfFile(file)['x-source'] as { commit: string; file: string });
    for (const [i, file] of Object.values(SPEC_FILE_OF_HOST).entries()) {
      expect(sources[i]).toMatchObject({ repository: 'https://github.com/twilio/twilio-oai', file: `spec/json/${file}` });
    }
    expect(new Set(sources.map((source) => source.commit)).size).toBe(1);
    expect(sources[0]!.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(readFileSync(new URL('LICENSE', specDir), 'utf8')).toMatch(/^MIT License/);
  });

  it('hold one operation per route the emulator serves at each host twilio-oai describes, and no other', async () => {
    const routes = await servedRoutes();
    for (const [host, file] of Object.entries(SPEC_FILE_OF_HOST)) {
      const subset = subsetOfFile(file);
      const served = routes.filter((route) => route.host === host);
      const operations = served.map((route) => `${route.method} ${specPathOf(subset, route.method, route.url)}`);
      const inSubset = Object.entries(subset.paths).flatMap(([path, item]) => Object.keys(item).filter((key) => key !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`));
      expect(operations.sort()).toEqual(inSubset.sort());
    }
    expect(routes.filter((route) => !(route.host in SPEC_FILE_OF_HOST)).map((route) => route.host)).toEqual(['mcs.us1.twilio.com', 'mcs.us1.twilio.com']);
  });

  it('hold every schema their operations reference and no other (cutting them again changes nothing)', async () => {
    const routes = await servedRoutes();
    for (const [host, file] of Object.entries(SPEC_FILE_OF_HOST)) {
      const subset = subsetOfFile(file);
      const operations = routes.filter((route) => route.host === host).map((route) => ({ method: route.method, path: specPathOf(subset, route.method, route.url) }));
      expect(subsetOf(subset, operations, { 'x-source': subset['x-source'] }, { omitKeys: TWILIO_OMITTED_KEYS, responses: false })).toEqual(subset);
    }
  });
});

describe('Twilio emulator: requests are checked against twilio-oai', () => {
  let emulator: TwilioEmulator;
  let baseUrl: string;
  let client: Client;

  beforeEach(async () => {
    ({ emulator, baseUrl, client } = await startEmulator());
  });
  afterEach(async () => {
    await emulator.stop();
  });

  /** A form POST as any HTTP client could send it, spelled exactly as given. */
  const post = (host: string, path: string, fields: [string, string][], headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}/${host}${path}`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const problemsOnce = () => emulator.contractViolations.splice(0).flatMap((violation) => violation.problems);

  it('passes what twilio-node sends for the calls the bridge makes', async () => {
    const conversation = await client.conversations.v1.conversations.create({ uniqueName: 'u-1', friendlyName: 'telegram:alice', attributes: '{}', state: 'active', 'timers.closed': 'P1D' } as never);
    const conv = client.conversations.v1.conversations(conversation.sid);
    await conv.participants.create({ identity: 'telegram_1' });
    await conv.webhooks.create({ target: 'webhook', 'configuration.url': 'http://127.0.0.1:9/x', 'configuration.method': 'post', 'configuration.filters': ['onMessageAdded', 'onConversationStateUpdated'] });
    await conv.messages.create({ author: 'telegram_1', body: 'hi', attributes: '{"flexBridgeId":"1"}', xTwilioWebhookEnabled: 'true' });
    await conv.messages.list({ order: 'desc', limit: 20 });
    await client.flexApi.v1.interaction.create({
      channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: conversation.sid } },
      routing: { properties: { workspace_sid: emulator.account.workspaceSid, task_channel_unique_name: 'chat', attributes: { from: 'telegram:alice' } } },
    });
    await client.taskrouter.v1.workspaces(emulator.account.workspaceSid).tasks.list({ evaluateTaskAttributes: `conversationSid == "${conversation.sid}"`, limit: 1 });
    await uploadMedia(emulator, Buffer.from('x'), 'text/plain', 'a b.txt'); // MCS: not in twilio-oai, not checked

    expect(emulator.contractViolations).toEqual([]);
  });

  it('records a parameter spelled in another case as unknown, and carries on as Twilio would without it', async () => {
    const response = await post('conversations.twilio.com', '/v1/Conversations', [['friendlyName', 'alice']]);

    expect(response.status).toBe(201);
    expect(((await response.json()) as { friendly_name: unknown }).friendly_name).toBeNull();
    expect(emulator.contractViolations).toEqual([
      {
        host: 'conversations.twilio.com',
        method: 'POST',
        path: '/v1/Conversations',
        operation: 'POST /v1/Conversations',
        problems: [{ kind: 'unknown parameter', parameter: 'friendlyName', in: 'body' }],
        at: expect.any(Number),
      },
    ]);
    emulator.contractViolations.length = 0;
  });

  it('reads no parameters from a JSON body, as Twilio takes forms only, and records it', async () => {
    const { sid } = await client.conversations.v1.conversations.create({});
    const json = await fetch(`${baseUrl}/conversations.twilio.com/v1/Conversations/${sid}/Messages`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Author: 'telegram_1', Body: 'hi' }),
    });

    expect(json.status).toBe(400);
    expect(problemsOnce()).toEqual([{ kind: 'unsupported body', parameter: 'Content-Type', in: 'header', message: 'application/json is not a body this operation takes' }]);
    expect(emulator.messages(sid)).toEqual([]);
  });

  it('answers 400 / 20001 to a missing required parameter or a value outside its enum, and records it', async () => {
    const { sid } = await client.conversations.v1.conversations.create({});

    const noTarget = await post('conversations.twilio.com', `/v1/Conversations/${sid}/Webhooks`, [['Configuration.Url', 'http://127.0.0.1:9/x']]);
    expect([noTarget.status, ((await noTarget.json()) as { code: number }).code]).toEqual([400, 20001]);
    expect(problemsOnce()).toEqual([{ kind: 'missing parameter', parameter: 'Target', in: 'body' }]);

    // Conversations spells the method in lower case; upper case is Programmable Chat's.
    const upperCase = await rejectionOf(
      client.conversations.v1.conversations(sid).webhooks.create({ target: 'webhook', 'configuration.url': 'http://127.0.0.1:9/x', 'configuration.method': 'POST' as never }),
    );
    expect(upperCase).toMatchObject({ status: 400, code: 20001, message: expect.stringContaining('Configuration.Method') });
    expect(problemsOnce()).toEqual([{ kind: 'invalid parameter', parameter: 'Configuration.Method', in: 'body', message: 'must be equal to one of the allowed values: get, post' }]);
    expect(await client.conversations.v1.conversations(sid).webhooks.list()).toEqual([]);
  });

  it('checks query parameters, Twilio headers, repeated keys and sid patterns', async () => {
    const { sid } = await client.conversations.v1.conversations.create({});

    expect(await rejectionOf(client.conversations.v1.conversations(sid).messages.list({ order: 'newest' as never }))).toMatchObject({ status: 400 });
    expect(problemsOnce()).toEqual([{ kind: 'invalid parameter', parameter: 'Order', in: 'query', message: 'must be equal to one of the allowed values: asc, desc' }]);

    const header = await post('conversations.twilio.com', `/v1/Conversations/${sid}/Messages`, [['Body', 'hi']], { 'X-Twilio-Webhook-Enabled': 'yes' });
    expect(header.status).toBe(400);
    expect(problemsOnce()).toMatchObject([{ kind: 'invalid parameter', parameter: 'X-Twilio-Webhook-Enabled', in: 'header' }]);

    const twice = await post('conversations.twilio.com', `/v1/Conversations/${sid}/Messages`, [['Body', 'one'], ['Body', 'two']]);
    expect(twice.status).toBe(400);
    expect(problemsOnce()).toEqual([{ kind: 'invalid parameter', parameter: 'Body', in: 'body', message: 'must be string' }]);

    const badMedia = await post('conversations.twilio.com', `/v1/Conversations/${sid}/Messages`, [['MediaSid', 'IM0123456789abcdef0123456789abcdef']]);
    expect(badMedia.status).toBe(400);
    expect(problemsOnce()).toMatchObject([{ kind: 'invalid parameter', parameter: 'MediaSid', in: 'body' }]);
  });
});
