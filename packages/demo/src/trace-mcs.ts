import type { TwilioEmulator } from '@flex-bridge/emulators';
import { MCS_HOST } from '@flex-bridge/emulators';
import { flexBridgeIdOf } from './flex-attributes.js';
import type { FlexFile, FlexSide } from './flex-side.js';
import { inboundFlowIdOfBridgeId, noticeOutboxId, outboundFlowId, shortSid } from './flow-ids.js';
import type { Trace } from './trace.js';

/**
 * Files through Twilio's Media Content Service: a customer's file, which the bridge uploaded before
 * posting its message to Flex, and an agent's file, which the bridge looks up in MCS (the lookup
 * gives it a temporary link to download the bytes from) before sending it to the customer.
 */
export function traceMcs(trace: Trace, twilio: TwilioEmulator, flex: FlexSide): void {
  /** The agent's message each agent file came in, by MediaSid. */
  const agentMessageOf = new Map<string, string>();

  flex.onMessage((message) => {
    const bridgeId = flexBridgeIdOf(message.attributes);
    if (bridgeId === undefined) {
      for (const file of message.files) agentMessageOf.set(file.mediaSid, message.sid);
      return;
    }
    if (noticeOutboxId(bridgeId) !== undefined) return;
    for (const file of message.files) {
      const label = `the bridge uploaded ${describe(file)} to MCS as ${shortSid(file.mediaSid)}`;
      trace.hop(inboundFlowIdOfBridgeId(bridgeId), { stage: 'flex', chip: 'MCS', label, status: 'ok' });
    }
  });

  twilio.events.on('request', (request) => {
    if (request.host !== MCS_HOST || request.method !== 'GET') return;
    const mediaSid = /\/Media\/(ME\w+)$/.exec(request.path)?.[1];
    const messageSid = mediaSid === undefined ? undefined : agentMessageOf.get(mediaSid);
    if (mediaSid === undefined || messageSid === undefined) return;
    const label = `the bridge looked up ${shortSid(mediaSid)} in MCS and downloads the file from the temporary link it got`;
    trace.hop(outboundFlowId(messageSid), { stage: 'flex', chip: 'MCS', label, status: 'ok' });
  });
}

const describe = (file: FlexFile) => `${file.name} (${file.contentType}, ${file.data.length} bytes)`;
