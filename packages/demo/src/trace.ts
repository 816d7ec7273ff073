import type { FlowView, Hop } from './views.js';

/** Enough history for a demo session; older flows are forgotten. */
const MAX_FLOWS = 200;

type Flow = Omit<FlowView, 'hops' | 'status'> & { status: FlowView['status']; hops: Hop[] };

/**
 * The trace panel's model: one flow per message or event, each a list of hops as they happen. The
 * `trace-*.ts` files translate what the emulators and the bridge report into hops.
 */
export class Trace {
  private readonly flows = new Map<string, Flow>();

  constructor(private readonly onChange: (flow: FlowView) => void) {}

  /** Starts a flow with its first hop (unless a flow with this id exists); later hops find it by id. */
  start(flow: Omit<FlowView, 'hops' | 'status' | 'startedAt'>, first: Omit<Hop, 'at'>, settles?: 'done' | 'failed'): void {
    if (this.flows.has(flow.id)) return;
    const startedAt = Date.now();
    this.flows.set(flow.id, { ...flow, startedAt, status: 'active', hops: [] });
    if (this.flows.size > MAX_FLOWS) this.flows.delete(this.flows.keys().next().value as string);
    this.hop(flow.id, first, settles, startedAt);
  }

  /** Adds a hop to a flow (ignored when the flow is unknown or forgotten); `settles` ends it as done or failed. */
  hop(flowId: string, hop: Omit<Hop, 'at'>, settles?: 'done' | 'failed', at = Date.now()): void {
    const flow = this.flows.get(flowId);
    if (!flow) return;
    flow.hops.push({ ...hop, at });
    if (settles) flow.status = settles;
    this.onChange(this.view(flow));
  }

  /** Files a flow under another kind and title, once it turns out to be something else (a /start the bot answers itself). */
  recast(flowId: string, as: Pick<FlowView, 'kind' | 'title'>): void {
    const flow = this.flows.get(flowId);
    if (!flow) return;
    this.flows.set(flowId, { ...flow, ...as });
    this.onChange(this.view({ ...flow, ...as }));
  }

  /** The oldest flow that is still active and matches. */
  oldestActive(matches: (flow: FlowView) => boolean): FlowView | undefined {
    for (const flow of this.flows.values()) {
      if (flow.status === 'active' && matches(flow)) return this.view(flow);
    }
    return undefined;
  }

  list(): FlowView[] {
    return [...this.flows.values()].map((flow) => this.view(flow));
  }

  private view(flow: Flow): FlowView {
    return { ...flow, hops: [...flow.hops] };
  }
}
