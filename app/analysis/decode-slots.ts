/**
 * A small semaphore for image decodes (issue 10): at most `concurrency` run at once, up to
 * `queueLimit` more wait their turn in arrival order, and past that `whenFull()` is thrown at once
 * rather than letting a burst pile up work the process can neither finish soon nor hold in memory.
 * A finished decode hands its slot straight to the oldest waiter, so a newcomer can never overtake
 * the queue.
 */
export interface DecodeSlots {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Decodes running now, and waiting (for tests and figures). */
  readonly active: number;
  readonly waiting: number;
}

export function decodeSlots(options: { concurrency: number; queueLimit: number; whenFull: () => Error }): DecodeSlots {
  const { concurrency, queueLimit, whenFull } = options;
  let active = 0;
  const queue: (() => void)[] = [];
  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (active < concurrency) active++;
      else if (queue.length >= queueLimit) throw whenFull();
      else await new Promise<void>((resolve) => queue.push(resolve)); // the slot is handed over, still counted
      try {
        return await work();
      } finally {
        const next = queue.shift();
        if (next) next();
        else active--;
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
