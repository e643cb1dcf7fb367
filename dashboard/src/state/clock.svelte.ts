import { createSubscriber } from 'svelte/reactivity';

/**
 * One shared one-second tick for everything that shows a relative time; the interval runs only
 * while something on screen reads `now`.
 */
class Clock {
  readonly #subscribe = createSubscriber((update) => {
    const timer = setInterval(update, 1_000);
    return () => clearInterval(timer);
  });

  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}

export const clock = new Clock();
