import { describe, expect, it } from 'vitest';
import { TurnBatch } from '../../src/store/turn-batch.js';

describe('TurnBatch', () => {
  it('carries out the calls of one turn together, and those of a later turn in a batch of their own', async () => {
    const batches: number[][] = [];
    const batch = new TurnBatch<number>((items) => void batches.push([...items]));
    const first = [batch.add(1), batch.add(2), batch.add(3)];
    expect(batches).toEqual([]);
    await Promise.all(first);
    await batch.add(4);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every call of a batch that fails, and settles without throwing', async () => {
    const batch = new TurnBatch<number>(async () => {
      throw new Error('database gone');
    });
    const calls = [batch.add(1), batch.add(2)];
    await expect(batch.settled()).resolves.toBeUndefined();
    for (const call of calls) await expect(call).rejects.toThrow('database gone');
  });
});
