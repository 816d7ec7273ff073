import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '@flex-bridge/emulators';
import type { GatewayEvent } from '@flex-bridge/emulators';
import { bridgeForCrashes, type BridgeProcess } from '../support/bridge-process.js';
import { eventually } from '../support/wait.js';

let box: Sandbox | undefined;
let bridge: BridgeProcess | undefined;
afterEach(async () => {
  await bridge?.kill('SIGKILL');
  await box?.stop();
});

const CUSTOMERS = ['1100000000000000201', '1100000000000000202', '1100000000000000203'];

describe('Discord gateway across a crash', () => {
  it('a SIGKILLed bridge loses no DM: the next one resumes the gateway session, Discord replays what came meanwhile, each DM reaches Flex once, in order', async () => {
    box = await startSandbox({ discord: 0 });
    const discord = box.discord!;
    const twilio = box.twilio;
    bridge = await bridgeForCrashes(box);
    const sent = new Map(CUSTOMERS.map((id) => [id, [] as string[]]));
    CUSTOMERS.forEach((id, i) => discord.addUser({ id, username: `d${i}` }));
    const writeRound = (label: string) => {
      for (const [id, texts] of sent) {
        const text = `${label} ${texts.length + 1}`;
        texts.push(text);
        discord.userSendsDm(id, text);
      }
    };
    const inFlex = (id: string) => twilio.conversations().flatMap((c) => twilio.messages(c.sid).filter((m) => m.author === `discord_${id}`).map((m) => m.body));
    const allInFlex = () => eventually(() => CUSTOMERS.every((id) => inFlex(id).length >= sent.get(id)!.length), 'every DM in Flex', 15_000);
    const gateway: GatewayEvent[] = [];
    discord.events.on('gateway', (event) => gateway.push(event));

    await bridge.start();
    await eventually(() => discord.connectedSessions === 1, 'the gateway held');
    for (let i = 0; i < 3; i++) writeRound('before the crash');
    await allInFlex(); // the last of these were stored well within a checkpoint interval of the kill
    await bridge.kill('SIGKILL');
    await eventually(() => discord.connectedSessions === 0, 'the dead socket noticed');

    for (let i = 0; i < 3; i++) writeRound('while no bridge runs');
    const sentWhileDown = 3 * CUSTOMERS.length;
    const restartedAt = gateway.length;
    await bridge.start();
    writeRound('after the restart');
    await allInFlex();
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a copy, were one to come

    for (const id of CUSTOMERS) expect(inFlex(id), `DMs of ${id} in Flex`).toEqual(sent.get(id));
    const afterRestart = gateway.slice(restartedAt).flatMap((e) => (e.kind === 'sent' && e.t ? [e.t] : []));
    expect(afterRestart.filter((t) => t === 'READY'), 'no new session: the old one was resumed').toEqual([]);
    expect(afterRestart.filter((t) => t === 'RESUMED')).toHaveLength(1);
    const replayed = afterRestart.indexOf('RESUMED');
    const dropped = bridge.output.split('duplicate customer message dropped').length - 1;
    // Discord replays everything after the kept sequence: the DMs sent while down, and those stored
    // after the last checkpoint, which intake drops by message id.
    expect(replayed).toBe(sentWhileDown + dropped);
    const resumedLine = bridge.output.split('\n').find((line) => line.includes('"msg":"discord gateway resumed"'));
    expect(JSON.parse(resumedLine ?? '{}')).toMatchObject({ replayed });
    console.log(
      `discord crash test: ${sentWhileDown} DMs sent while no bridge held the gateway, ${replayed} events replayed on RESUME, ` +
        `${dropped} of them already stored and dropped as duplicates, 0 lost, 0 duplicated in Flex`,
    );
  }, 30_000);
});
