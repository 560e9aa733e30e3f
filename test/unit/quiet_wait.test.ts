// QuietWait (src/runtime/device.ts): the nap before awaiting dawn.node's promises. Timing here is only ever a lower
// bound (a nap that did not happen cannot take its time); no speed is asserted.
import { describe, expect, it } from 'vitest';
import { QuietWait } from '../../src/runtime/device.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('QuietWait', () => {
  it('off: runs the wait at once and learns nothing', async () => {
    const q = new QuietWait({ quietWait: false });
    q.estimateMs = 5000; // a nap would take 4249 ms
    const t = performance.now();
    expect(await q.after(async () => 7)).toBe(7);
    expect(performance.now() - t).toBeLessThan(2000);
    expect(q.estimateMs).toBe(5000);
  });

  it('learns the job time, then naps through most of it before asking', async () => {
    const q = new QuietWait({ quietWait: true });
    let asked = 0;
    // the first run has no estimate: no nap; the job takes ~60 ms
    const t0 = performance.now();
    await q.after(async () => {
      asked = performance.now() - t0;
      await sleep(60);
    }, t0);
    expect(asked).toBeLessThan(1000); // no estimate yet: no nap
    expect(q.estimateMs).toBeGreaterThanOrEqual(55);
    // the second run: `wait` is called only after the nap (≥ 85% of the estimate, less 1 ms, less timer slack)
    const est = q.estimateMs;
    const t1 = performance.now();
    await q.after(async () => {
      asked = performance.now() - t1;
    }, t1);
    // setTimeout may fire up to ~1 ms before performance.now() says the nap is over (CI measured 1.08 ms early):
    // allow 5 ms; without a nap `asked` would be ~0, far below this bound
    expect(asked).toBeGreaterThanOrEqual(est * 0.85 - 5);
    // the wait returned at once after the nap: the job may be shorter now, so the estimate shrinks
    // (halved: the next run finds the true time)
    expect(q.estimateMs).toBeCloseTo(est * 0.5, 5);
  });

  it('one slow run (a burst of other load) does not inflate the runs after it', async () => {
    const q = new QuietWait({ quietWait: true });
    for (let i = 0; i < 3; i++) await q.after(() => sleep(10));
    await q.after(() => sleep(400)); // the burst
    // the next naps follow the fastest recent run (~10 ms), not the slow one: an estimate from the last run alone
    // was ≥ 400 ms here, and the next run napped ≥ 339 ms whatever its own time
    expect(q.estimateMs).toBeLessThan(300);
    await q.after(async () => undefined);
    expect(q.estimateMs).toBeLessThan(300);
  });

  it('after a long slow spell, a fast job is found again within a few runs', async () => {
    const q = new QuietWait({ quietWait: true });
    for (let i = 0; i < 8; i++) await q.after(() => sleep(100));
    // every run now returns at once after its nap: each halves the estimate (shrinking by 10% a run, it was
    // still ≥ 59 ms after these 5)
    for (let i = 0; i < 5; i++) await q.after(async () => undefined);
    expect(q.estimateMs).toBeLessThan(20);
  });

  it('a nap never runs past a job that already took longer (submittedAt in the past)', async () => {
    const q = new QuietWait({ quietWait: true });
    q.estimateMs = 5000;
    const t = performance.now();
    await q.after(async () => undefined, t - 10_000); // submitted 10 s ago: the expected time has passed
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('errors from the wait reach the caller', async () => {
    const q = new QuietWait({ quietWait: true });
    await expect(
      q.after(async () => {
        throw new Error('validation');
      }),
    ).rejects.toThrow('validation');
  });
});
