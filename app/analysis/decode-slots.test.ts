import { describe, expect, it } from "vitest";
import { decodeSlots } from "./decode-slots";

class Full extends Error {}

/** Work that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("decodeSlots", () => {
  it("runs at most `concurrency` at once; the rest wait and start in arrival order", async () => {
    const slots = decodeSlots({ concurrency: 2, queueLimit: 10, whenFull: () => new Full() });
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const runs = gates.map((g, i) =>
      slots.run(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await g.opened;
        running--;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect([slots.active, slots.waiting]).toEqual([2, 3]);
    gates[1]!.open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect([slots.active, slots.waiting]).toEqual([0, 0]);
  });

  it("refuses at once when the queue is full, and takes work again once it drains", async () => {
    const slots = decodeSlots({ concurrency: 1, queueLimit: 2, whenFull: () => new Full("busy") });
    const g = gate();
    const held = [1, 2, 3].map(() => slots.run(() => g.opened));
    await expect(slots.run(async () => "late")).rejects.toBeInstanceOf(Full);
    g.open();
    await Promise.all(held);
    await expect(slots.run(async () => "later")).resolves.toBe("later");
  });

  it("a failed decode gives its slot back", async () => {
    const slots = decodeSlots({ concurrency: 1, queueLimit: 0, whenFull: () => new Full() });
    await expect(slots.run(() => Promise.reject(new Error("corrupt")))).rejects.toThrow("corrupt");
    expect(slots.active).toBe(0);
    await expect(slots.run(async () => 1)).resolves.toBe(1);
  });
});
