import { describe, expect, it } from "vitest";
import { groupCommit } from "./group-commit";

class RowRefused extends Error {}
class DatabaseGone extends Error {}

/** A commit function that records every transaction and can be told to refuse items or fail outright. */
function fakeDatabase(options: { refuse?: (item: string) => boolean; down?: boolean } = {}) {
  const transactions: string[][] = [];
  let release: (() => void) | undefined;
  let hold = false;
  return {
    transactions,
    /** Makes the next transaction wait until `open()` is called. */
    block() {
      hold = true;
    },
    open() {
      hold = false;
      release?.();
    },
    commit: async (items: readonly string[]) => {
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      transactions.push([...items]);
      if (options.down) throw new DatabaseGone("connection refused");
      if (items.some((item) => options.refuse?.(item))) throw new RowRefused("constraint failed");
      return items.map((item) => `committed ${item}`);
    },
  };
}

const isRowError = (error: unknown) => error instanceof RowRefused;

describe("group commit", () => {
  it("writes items that arrive together in one transaction and answers each with its own result", async () => {
    const db = fakeDatabase();
    const write = groupCommit({ commit: db.commit, windowMs: 0, maxBatch: 100, isRowError });
    const results = await Promise.all(["a", "b", "c"].map(write));
    expect(results).toEqual(["committed a", "committed b", "committed c"]);
    expect(db.transactions).toEqual([["a", "b", "c"]]);
  });

  it("answers no caller before the transaction holding its item has committed", async () => {
    const db = fakeDatabase();
    db.block();
    const write = groupCommit({ commit: db.commit, windowMs: 0, maxBatch: 100, isRowError });
    const settled: string[] = [];
    const pending = ["a", "b"].map((item) => write(item).then((r) => settled.push(r)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toEqual([]);
    db.open();
    await Promise.all(pending);
    expect(settled).toEqual(["committed a", "committed b"]);
  });

  it("gathers the items that arrive while a transaction is being written into the next one", async () => {
    const db = fakeDatabase();
    db.block();
    const write = groupCommit({ commit: db.commit, windowMs: 0, maxBatch: 100, isRowError });
    const first = write("a");
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = ["b", "c", "d"].map(write);
    db.open();
    await Promise.all([first, ...later]);
    expect(db.transactions).toEqual([["a"], ["b", "c", "d"]]);
  });

  it("puts at most maxBatch items in one transaction", async () => {
    const db = fakeDatabase();
    const write = groupCommit({ commit: db.commit, windowMs: 0, maxBatch: 2, isRowError });
    await Promise.all(["a", "b", "c", "d", "e"].map(write));
    expect(db.transactions).toEqual([["a", "b"], ["c", "d"], ["e"]]);
  });

  it("waits up to windowMs for company before writing the first item", async () => {
    const db = fakeDatabase();
    const write = groupCommit({ commit: db.commit, windowMs: 30, maxBatch: 100, isRowError });
    const first = write("a");
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = write("b");
    await Promise.all([first, second]);
    expect(db.transactions).toEqual([["a", "b"]]);
  });

  it("refuses only the item the database refused; its neighbours are written without it", async () => {
    const db = fakeDatabase({ refuse: (item) => item === "bad" });
    const write = groupCommit({ commit: db.commit, windowMs: 0, maxBatch: 100, isRowError });
    const outcomes = await Promise.allSettled(["a", "bad", "c"].map(write));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(RowRefused);
    expect(db.transactions).toEqual([["a", "bad", "c"], ["a"], ["bad"], ["c"]]);
  });

  it("refuses the whole batch at once, without a retry per item, when the database is unavailable", async () => {
    const db = fakeDatabase({ down: true });
    const write = groupCommit({ commit: db.commit, windowMs: 0, maxBatch: 100, isRowError });
    const outcomes = await Promise.allSettled(["a", "b", "c"].map(write));
    expect(outcomes.every((o) => o.status === "rejected" && o.reason instanceof DatabaseGone)).toBe(true);
    expect(db.transactions).toEqual([["a", "b", "c"]]);
  });

  it("keeps working after a failed batch", async () => {
    let down = true;
    const write = groupCommit({
      commit: async (items: readonly string[]) => {
        if (down) throw new DatabaseGone("connection refused");
        return items.map((item) => `committed ${item}`);
      },
      windowMs: 0,
      maxBatch: 100,
      isRowError,
    });
    await expect(write("a")).rejects.toBeInstanceOf(DatabaseGone);
    down = false;
    await expect(write("b")).resolves.toBe("committed b");
  });
});
