import { createLegacyFlexFlow } from '../../../src/index.js';
import { createTwilioClient } from '../../../src/index.js';
import { SANDBOX_CREDENTIALS, type Sandbox } from '@flex-bridge/emulators';
import type { DemoMode } from './views.js';

/** Stands in for the Studio flow that ends in "Send to Flex": the emulator runs that step itself. */
const DEMO_STUDIO_FLOW_SID = `FW${'0'.repeat(31)}1`;

/**
 * The bridge's Flex settings for a mode. Legacy chat needs a Flex Flow first: it is created in the
 * emulator the way `flex-bridge setup` creates one in a real account.
 */
export async function flexSettings(mode: DemoMode, sandbox: Sandbox): Promise<Record<string, string>> {
  if (mode === 'conversations') return { FLEX_MODE: mode };
  const { accountSid, authToken } = SANDBOX_CREDENTIALS;
  const client = createTwilioClient({ accountSid, authToken, apiBaseUrl: sandbox.twilio.baseUrl });
  const chatServiceSid = sandbox.twilio.account.chatServiceSid;
  const flowSid = await createLegacyFlexFlow(client, {
    friendlyName: 'flex-bridge demo',
    chatServiceSid,
    studioFlowSid: DEMO_STUDIO_FLOW_SID,
    contactIdentity: 'flex-bridge',
  });
  return { FLEX_MODE: mode, FLEX_FLOW_SID: flowSid, FLEX_CHAT_SERVICE_SID: chatServiceSid };
}
