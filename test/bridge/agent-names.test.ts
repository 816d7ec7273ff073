import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AgentNames } from '../../src/bridge/agent-names.js';
import type { FlexBackend } from '../../src/flex/backend.js';

/** A Flex whose agents' names are looked up from `names`, counting the lookups; `fail` makes the next lookup throw. */
function flexNaming(names: Map<string, string>) {
  const asked: string[] = [];
  let fail = false;
  const flex = {
    async participantName(identity: string) {
      asked.push(identity);
      if (fail) {
        fail = false;
        throw new Error('Twilio is down');
      }
      return names.get(identity);
    },
  } as Pick<FlexBackend, 'participantName'> as FlexBackend;
  return { flex, asked, failNext: () => (fail = true) };
}

describe('AgentNames', () => {
  const MINUTE = 60_000;

  it('asks Flex once per agent for ten minutes, then again (an agent may rename themselves)', async () => {
    const names = new Map([['agent_alice', 'Alice']]);
    const { flex, asked } = flexNaming(names);
    const agents = new AgentNames(flex, pino({ level: 'silent' }));
    expect(await agents.nameOf('agent_alice', 0)).toBe('Alice');
    names.set('agent_alice', 'Alice M.');
    expect(await agents.nameOf('agent_alice', 9 * MINUTE)).toBe('Alice');
    expect(await agents.nameOf('agent_alice', 10 * MINUTE)).toBe('Alice M.');
    expect(asked).toEqual(['agent_alice', 'agent_alice']);
  });

  it('keeps that an agent has no name too, and does not keep a failed lookup', async () => {
    const { flex, asked, failNext } = flexNaming(new Map([['agent_bob', 'Bob']]));
    const agents = new AgentNames(flex, pino({ level: 'silent' }));
    expect(await agents.nameOf('agent_nameless', 0)).toBeUndefined();
    expect(await agents.nameOf('agent_nameless', 1)).toBeUndefined();
    failNext();
    expect(await agents.nameOf('agent_bob', 2)).toBeUndefined();
    expect(await agents.nameOf('agent_bob', 3)).toBe('Bob');
    expect(asked).toEqual(['agent_nameless', 'agent_bob', 'agent_bob']);
  });
});
