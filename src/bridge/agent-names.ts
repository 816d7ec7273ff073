import type { Logger } from 'pino';
import type { FlexBackend } from '../flex/backend.js';

/** How long a name Flex gave is used before it is asked again (an agent may rename themselves). */
const KEPT_MS = 10 * 60_000;
const MAX_KEPT = 1_000;

/**
 * Agents' names as Flex shows them, by chat identity, kept for a while so that naming each of an
 * agent's messages does not cost a Flex request. A failed lookup is logged and gives no name: the
 * customer gets the message (or the notice) without it rather than later.
 */
export class AgentNames {
  private readonly kept = new Map<string, { name: string | undefined; at: number }>();

  constructor(
    private readonly flex: FlexBackend,
    private readonly log: Logger,
  ) {}

  async nameOf(identity: string, now = Date.now()): Promise<string | undefined> {
    const known = this.kept.get(identity);
    if (known && now - known.at < KEPT_MS) return known.name;
    let name: string | undefined;
    try {
      name = await this.flex.participantName?.(identity);
    } catch (err) {
      this.log.warn({ err, identity }, 'agent name lookup failed: the customer is told without it');
      return undefined;
    }
    if (this.kept.size >= MAX_KEPT) this.kept.clear();
    this.kept.set(identity, { name, at: now });
    return name;
  }
}
