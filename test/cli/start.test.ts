import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '@flex-bridge/emulators';
import { freePort } from '@flex-bridge/emulators';
import { tempDatabaseUrl } from '../support/harness.js';
import { eventually } from '../support/wait.js';

let box: Sandbox | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  await box?.stop();
});

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
}

describe('flex-bridge start (a real process against the emulators)', () => {
  it('bridges a customer message and an agent reply, then exits 0 on SIGTERM', async () => {
    box = await startSandbox();
    const port = await freePort();
    let output = '';
    child = spawn(process.execPath, ['bin/flex-bridge.js', 'start'], {
      env: {
        PATH: process.env.PATH ?? '',
        ...box.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: tempDatabaseUrl(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(() => output.includes('flex-bridge started'), 'the bridge to start', 15_000);

    box.telegram.addUser({ id: 99, username: 'ivy', first_name: 'Ivy' });
    box.telegram.userSends(99, 'hello from a real process');
    const task = await eventually(() => box!.twilio.tasks()[0], 'a task');
    // With the default settings the customer is told that their message was received, then who answers.
    await box.telegram.waitForMessages(99, 1);
    box.twilio.acceptTask(task.sid);
    await box.telegram.waitForMessages(99, 2);
    box.twilio.agentSend(task.conversationSid, 'hello back');
    const received = await box.telegram.waitForMessages(99, 3);
    expect(received.map((m) => m.text)).toEqual([
      'Thanks, we got your message. An agent will be with you shortly.',
      'Alice has joined the chat.',
      'hello back',
    ]);

    const code = exited(child);
    child.kill('SIGTERM');
    expect(await code).toBe(0);
    const lines = output.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toContain('stopped');
    expect(output).not.toContain(box.env.TELEGRAM_BOT_TOKEN);
    expect(output).not.toContain('hello from a real process');
  });
});
