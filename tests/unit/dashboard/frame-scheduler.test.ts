import { describe, expect, it } from 'vitest';
import { FrameScheduler, type FrameHost } from '../../../dashboard/src/charts/frame-scheduler.ts';

/** Frames run by hand; each job "takes" `cost` ms of the fake clock. */
function fakeHost() {
  let clock = 0;
  let next: (() => void) | null = null;
  let id = 0;
  const host: FrameHost = {
    requestFrame: (run) => {
      next = run;
      return ++id;
    },
    cancelFrame: () => void (next = null),
    now: () => clock,
  };
  return {
    host,
    advance: (ms: number) => void (clock += ms),
    /** Runs one frame; false when none was asked for. */
    frame(): boolean {
      const run = next;
      next = null;
      run?.();
      return run !== null;
    },
  };
}

describe('FrameScheduler', () => {
  it('spreads twelve slide redraws over frames instead of running them in one', () => {
    const fake = fakeHost();
    const frames = new FrameScheduler(fake.host, 8);
    const perFrame: number[] = [];
    let ran = 0;
    const charts = Array.from({ length: 12 }, () => () => {
      ran++;
      fake.advance(6); // a chart redraw on a slow machine
    });
    for (const chart of charts) frames.schedule(chart, false);
    while (fake.frame()) {
      perFrame.push(ran);
      ran = 0;
    }
    // 6 ms fits the 8 ms budget once, twice is over it: two a frame, never all twelve together.
    expect(perFrame).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('always runs at least one job a frame, however long it takes', () => {
    const fake = fakeHost();
    const frames = new FrameScheduler(fake.host, 8);
    let ran = 0;
    for (let i = 0; i < 3; i++) frames.schedule(() => (ran++, fake.advance(30)), false);
    fake.frame();
    expect(ran).toBe(1);
    fake.frame();
    fake.frame();
    expect(ran).toBe(3);
    expect(fake.frame()).toBe(false);
  });

  it('draws new data before waiting slides, and queues a job once', () => {
    const fake = fakeHost();
    const frames = new FrameScheduler(fake.host, 0);
    const order: string[] = [];
    const job = (name: string) => () => void order.push(name);
    const a = job('a');
    const b = job('b');
    const c = job('c');
    frames.schedule(a, false);
    frames.schedule(b, false);
    frames.schedule(a, false);
    frames.schedule(c, true);
    // b's new data moves it ahead of a's slide.
    frames.schedule(b, true);
    expect(frames.pending).toBe(3);
    while (fake.frame());
    expect(order).toEqual(['c', 'b', 'a']);
  });

  it('drops a cancelled job and asks for no frame when nothing is left', () => {
    const fake = fakeHost();
    const frames = new FrameScheduler(fake.host);
    let ran = false;
    const job = () => void (ran = true);
    frames.schedule(job, true);
    frames.cancel(job);
    expect(fake.frame()).toBe(false);
    expect(ran).toBe(false);
  });
});
