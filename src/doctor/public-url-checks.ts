import type { Config } from '../config.js';
import { createFlexBackend } from '../flex/create-backend.js';
import { twilioSignature } from '../flex/signature.js';
import { fail, pass, skip, type CheckResult } from './check.js';
import { request } from './http.js';

/**
 * Whether PUBLIC_BASE_URL reaches a running bridge (GET /healthz), and whether that bridge accepts a
 * webhook signed the way Twilio signs it: for PUBLIC_BASE_URL + path, with TWILIO_AUTH_TOKEN. The
 * second fails when a proxy changes the path the bridge sees, or the bridge runs with other settings.
 */
export async function checkPublicUrl(config: Config): Promise<CheckResult[]> {
  const healthz = `${config.PUBLIC_BASE_URL}/healthz`;
  try {
    const answer = await request(healthz);
    if (answer.status !== 200 || (answer.body as { status?: unknown } | undefined)?.status !== 'ok') {
      return [fail('public url', `${healthz} answered ${answer.status}, not a flex-bridge health answer: does it reach the bridge?`), skipSignature()];
    }
    return [pass('public url', `${healthz} answered in ${answer.ms} ms`), await checkSignedWebhook(config)];
  } catch (err) {
    return [fail('public url', `${healthz}: ${(err as Error).message}. Is the bridge running, and does PUBLIC_BASE_URL lead to it?`), skipSignature()];
  }
}

const skipSignature = () => skip('twilio signatures', 'needs PUBLIC_BASE_URL to reach the bridge');

async function checkSignedWebhook(config: Config): Promise<CheckResult> {
  let path: string | undefined;
  try {
    path = createFlexBackend(config).webhookPaths[0];
  } catch (err) {
    return skip('twilio signatures', (err as Error).message);
  }
  if (!path) return skip('twilio signatures', `FLEX_MODE=${config.FLEX_MODE} receives no webhooks`);
  const url = `${config.PUBLIC_BASE_URL}${path}`;
  // An event type no back end acts on: the bridge checks the signature, answers 200 and ignores it.
  const params = { EventType: 'onFlexBridgeDoctorCheck' };
  try {
    const answer = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(config.TWILIO_AUTH_TOKEN, url, params) },
      body: new URLSearchParams(params).toString(),
    });
    if (answer.status === 200) return pass('twilio signatures', `a webhook signed for ${url} was accepted`);
    if (answer.status === 403) {
      return fail(
        'twilio signatures',
        `a webhook signed for ${url} was refused (403): the bridge behind PUBLIC_BASE_URL checks signatures against ` +
          `another URL or auth token. Its PUBLIC_BASE_URL must be the URL Twilio calls, and a proxy must pass the path on unchanged.`,
      );
    }
    return fail('twilio signatures', `${url} answered ${answer.status} to a signed webhook`);
  } catch (err) {
    return fail('twilio signatures', `${url}: ${(err as Error).message}`);
  }
}
