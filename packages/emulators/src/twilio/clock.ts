/**
 * The emulator's notion of now, for what Twilio does after a while (conversation timers): real time
 * plus however far a test or the demo has moved it forward.
 */
export class EmulatorClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error('the clock only moves forward');
    this.offsetMs += ms;
  }
}
