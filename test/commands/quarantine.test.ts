import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, startHarnessWithDiscord, type Harness } from '../support/harness.js';
import { eventually } from '../support/wait.js';
import { envOf, runCli } from './run-cli.js';

let h: Harness | undefined;
const openDatabases: Database.Database[] = [];
afterEach(async () => {
  for (const db of openDatabases.splice(0)) if (db.open) db.close();
  await h?.stop();
  h = undefined;
});

const REFUSAL = 'the store refuses this row';
const QUARANTINE_WAIT_MS = 30_000;

/** The bridge's database refuses any outbox row that carries POISON, as a database may for reasons of its own. */
function refusePoison(harness: Harness): { allow(): void } {
  const db = new Database(harness.config.DATABASE_URL.replace(/^sqlite:/, ''));
  openDatabases.push(db);
  db.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON outbox WHEN NEW.payload LIKE '%POISON%' BEGIN SELECT RAISE(ABORT, '${REFUSAL}'); END`);
  return {
    allow() {
      db.exec('DROP TRIGGER refuse_poison');
    },
  };
}

const bodiesFrom = (harness: Harness, handle: string) =>
  harness.twilio
    .conversations()
    .filter((c) => c.friendlyName === handle)
    .flatMap((c) => harness.twilio.messages(c.sid).filter((m) => m.author !== 'flex-bridge').map((m) => m.body));

describe('flex-bridge quarantine', () => {
  it('Telegram: a message the store refuses is kept aside, the next ones go on; an operator lists it and takes it in again', async () => {
    h = await startHarness();
    const harness = h;
    const poison = refusePoison(harness);
    harness.telegram.addUser({ id: 7, username: 'pia', first_name: 'Pia' });
    harness.telegram.addUser({ id: 8, username: 'quin', first_name: 'Quin' });
    harness.telegram.userSends(7, 'POISON');
    harness.telegram.userSends(8, 'hello');
    await eventually(() => bodiesFrom(harness, 'telegram:quin').length === 1, "the other customer's message in Flex", QUARANTINE_WAIT_MS);
    await eventually(async () => (await harness.app.store.listQuarantine()).length === 1, 'the refused message kept aside', QUARANTINE_WAIT_MS);
    harness.telegram.userSends(7, 'after');
    await eventually(() => bodiesFrom(harness, 'telegram:pia').includes('after'), "the same customer's next message in Flex", QUARANTINE_WAIT_MS);

    const env = envOf(harness.config);
    const listed = await runCli(['quarantine', 'list'], env);
    expect(listed.code).toBe(0);
    const [header, row, ...more] = listed.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+CUSTOMER\s+MESSAGE ID\s+QUARANTINED\s+ERROR$/);
    expect(row).toMatch(new RegExp(`^1\\s+telegram:7\\s+7:\\d+\\s+\\S+ \\S+\\s+.*${REFUSAL}`));
    expect(more).toEqual([]);
    expect(listed.stdout).not.toContain('POISON');

    const stillRefused = await runCli(['quarantine', 'retry'], env);
    expect(stillRefused.code).toBe(1);
    expect(stillRefused.stderr).toContain(`Still not storable: 1 (`);

    poison.allow();
    const retried = await runCli(['quarantine', 'retry', '1'], env);
    expect(retried).toMatchObject({ code: 0, stdout: 'Took 1 quarantined message(s) in again.\n' });
    await eventually(() => bodiesFrom(harness, 'telegram:pia').includes('POISON'), 'the quarantined message in Flex');
    expect((await runCli(['quarantine', 'list'], env)).stdout).toBe('No quarantined messages.\n');
  });

  it('Discord: the DMs behind a refused one go on once it is kept aside', async () => {
    const started = await startHarnessWithDiscord();
    h = started.h;
    const harness = h;
    refusePoison(harness);
    started.discord.addUser({ id: '110000000000000701', username: 'rae' });
    started.discord.addUser({ id: '110000000000000702', username: 'sol' });
    started.discord.userSendsDm('110000000000000701', 'POISON');
    started.discord.userSendsDm('110000000000000702', 'hello');
    await eventually(() => bodiesFrom(harness, 'discord:sol').length === 1, 'the DM behind it in Flex', QUARANTINE_WAIT_MS);
    const [kept] = await harness.app.store.listQuarantine();
    expect(kept).toMatchObject({ source: 'discord', message: { externalUserId: '110000000000000701', text: 'POISON' } });

    const dropped = await runCli(['quarantine', 'drop', String(kept!.id), '99'], envOf(harness.config));
    expect(dropped).toMatchObject({ code: 1, stdout: 'Dropped 1 quarantined message(s).\n', stderr: 'Not quarantined: 99\n' });
    expect(await harness.app.store.listQuarantine()).toEqual([]);
  });
});
