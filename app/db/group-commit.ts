/**
 * Group commit (docs/decisions/0008-webhook-group-commit.md): callers that each need a small write
 * to be durable before they answer share one transaction. The first caller waits up to `windowMs`
 * for company; while a batch is being written, the next callers gather and go together in the
 * next one. Every caller's promise settles only after the transaction holding its item has
 * committed (or failed), so an answer never runs ahead of the data.
 *
 * A failed batch does not take its neighbours down with it: when the error may be one item's fault
 * (a constraint, a value the database refused), each item is written again on its own and only the
 * items that fail alone are refused. Any other error (the database locked, unreachable, timed out)
 * refuses the whole batch at once, rather than waiting for it once per item. Pure: the commit
 * function is the caller's.
 */
export interface GroupCommitOptions<I, R> {
  /** Writes the items in one transaction and returns one result per item, in the same order. */
  commit(items: readonly I[]): Promise<readonly R[]>;
  /** How long the first item of a batch waits for others (0: until the event loop's next turn). */
  windowMs: number;
  /** The most items one transaction holds. */
  maxBatch: number;
  /** True when an error may be one item's fault, so the others are worth writing without it. */
  isRowError(error: unknown): boolean;
}

interface Waiting<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export type GroupCommit<I, R> = (item: I) => Promise<R>;

export function groupCommit<I, R>(options: GroupCommitOptions<I, R>): GroupCommit<I, R> {
  const { commit, windowMs, maxBatch, isRowError } = options;
  let queue: Waiting<I, R>[] = [];
  let armed = false;
  let writing = false;

  async function write(batch: Waiting<I, R>[]): Promise<void> {
    let results: readonly R[];
    try {
      results = await commit(batch.map((w) => w.item));
    } catch (error) {
      if (batch.length === 1 || !isRowError(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
      // Something in the batch was refused: find it by writing each item alone.
      for (const [i, w] of batch.entries()) {
        try {
          const [result] = await commit([w.item]);
          w.resolve(result as R);
        } catch (failure) {
          w.reject(failure);
          if (!isRowError(failure)) {
            // The database itself is failing now: the rest would only wait to fail the same way.
            for (const rest of batch.slice(i + 1)) rest.reject(failure);
            return;
          }
        }
      }
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i] as R));
  }

  async function drain(): Promise<void> {
    armed = false;
    writing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(maxBatch);
        await write(batch);
      }
    } finally {
      writing = false;
    }
  }

  function arm(): void {
    if (armed || writing) return;
    armed = true;
    if (windowMs > 0) setTimeout(() => void drain(), windowMs);
    else setImmediate(() => void drain());
  }

  return (item: I) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      arm();
    });
}
