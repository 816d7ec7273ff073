import type { TwilioEmulator } from '@flex-bridge/emulators';
import type { FlexSide } from './flex-side.js';
import { shortSid } from './flow-ids.js';
import { ConsoleRequestError } from './request-error.js';
import type { Trace } from './trace.js';
import type { FaultsView } from './views.js';

/** The bridge's next post of a message into a Flex chat: `…/Conversations/CH…/Messages` or `…/Channels/CH…/Messages`. */
const TOO_MANY_REQUESTS = { method: 'POST', path: /\/Messages$/, status: 429, retryAfter: 1 } as const;

/**
 * The console's Flex error buttons: a webhook with a bad signature, a 429 from Twilio on the bridge's
 * next message, and a waiting task that ends without an agent (the workflow times out, or it is canceled).
 */
export class DemoFaults {
  private twilio429Armed = false;

  constructor(
    private readonly twilio: TwilioEmulator,
    private readonly flex: FlexSide,
    trace: Trace,
    private readonly onChange: (faults: FaultsView) => void,
  ) {
    twilio.events.on('request', (request) => {
      if (request.fault !== 'fail' || !this.twilio429Armed) return;
      this.twilio429Armed = false;
      this.onChange(this.view());
      // Only the bridge calls the Twilio API: it was delivering a stored customer message to Flex.
      const flow = trace.oldestActive((f) => f.kind === 'inbound' && f.hops.some((hop) => hop.stage === 'stored'));
      const path = request.path.replace(/[A-Z]{2}[0-9a-f]{32}/g, shortSid);
      const answer = `429 Too Many Requests, Retry-After: ${TOO_MANY_REQUESTS.retryAfter} s`;
      const label = `Twilio answered ${request.method} ${path} with ${answer} (the injected fault)`;
      if (flow) trace.hop(flow.id, { stage: 'flex', chip: '429', label, status: 'retry' });
    });
  }

  view(): FaultsView {
    return { twilio429Armed: this.twilio429Armed };
  }

  /** Arms (or disarms) a 429 for the bridge's next post of a message to Flex; it disarms itself once used. */
  toggleTwilio429(): FaultsView {
    if (this.twilio429Armed) this.twilio.clearFaults();
    else this.twilio.failNext(TOO_MANY_REQUESTS);
    this.twilio429Armed = !this.twilio429Armed;
    this.onChange(this.view());
    return this.view();
  }

  /** The workflow of the newest waiting task times out: TaskRouter cancels it, and the bridge tells the customer no agent is available. */
  noAgentAvailable(): void {
    this.twilio.timeOutTask(this.waitingTaskSid());
  }

  /** Someone (a supervisor, a plugin) cancels the newest waiting task. */
  cancelTask(): void {
    this.twilio.cancelTask(this.waitingTaskSid(), 'Canceled by a supervisor (demo console)');
  }

  private waitingTaskSid(): string {
    if (this.flex.mode !== 'conversations') throw new ConsoleRequestError(409, 'tasks end this way in conversations mode only');
    const task = this.twilio.tasks().filter((t) => t.status === 'pending').at(-1);
    if (!task) throw new ConsoleRequestError(409, 'there is no waiting task: write as a customer first, and do not accept the task');
    return task.sid;
  }

  /** Twilio's webhook for a made-up agent message, signed with a wrong key, into the given chat. */
  async forgeWebhook(chatSid: string | undefined): Promise<void> {
    if (chatSid === undefined) throw new ConsoleRequestError(409, 'there is no Flex chat yet: write as a customer first');
    await this.flex.forgeWebhook(chatSid, { body: 'Please send me your password', author: 'agent_mallory' });
  }
}
