import { describe, expect, it } from "vitest";
import { BreakerRegistry, CircuitBreaker, type Permit } from "./circuit-breaker";

function setUp(options: { failureThreshold?: number; coolDownMs?: number } = {}) {
  let time = 1_000_000;
  const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 30_000, ...options, now: () => time });
  const clock = { advance: (ms: number) => void (time += ms) };
  const admit = (): Permit => {
    const admission = breaker.admit();
    if (!admission.allowed) throw new Error(`refused, retry after ${admission.retryAfterMs} ms`);
    return admission.permit;
  };
  const fail = (times: number) => {
    for (let i = 0; i < times; i++) admit().failure();
  };
  return { breaker, clock, admit, fail };
}

describe("circuit breaker", () => {
  it("stays closed below the threshold, and a success resets the count of consecutive failures", () => {
    const { breaker, admit, fail } = setUp();
    fail(2);
    admit().success();
    fail(2);
    expect(breaker.state()).toBe("closed");
    expect(breaker.admit().allowed).toBe(true);
  });

  it("opens after N consecutive failures and refuses calls with the remaining cool-down", () => {
    const { breaker, clock, fail } = setUp();
    fail(3);
    expect(breaker.state()).toBe("open");
    expect(breaker.admit()).toEqual({ allowed: false, retryAfterMs: 30_000 });
    clock.advance(12_000);
    expect(breaker.admit()).toEqual({ allowed: false, retryAfterMs: 18_000 });
  });

  it("half-opens after the cool-down and lets exactly one trial through; its success closes the breaker", () => {
    const { breaker, clock, admit, fail } = setUp();
    fail(3);
    clock.advance(30_000);
    expect(breaker.state()).toBe("half-open");
    const trial = admit();
    expect(breaker.admit()).toEqual({ allowed: false, retryAfterMs: 1_000 });
    trial.success();
    expect(breaker.state()).toBe("closed");
    admit().success();
    admit().success();
  });

  it("a failed trial opens it again for a full cool-down", () => {
    const { breaker, clock, admit, fail } = setUp();
    fail(3);
    clock.advance(31_000);
    admit().failure();
    expect(breaker.state()).toBe("open");
    expect(breaker.admit()).toEqual({ allowed: false, retryAfterMs: 30_000 });
  });

  it("a released trial (caller gave up) lets the next call be the trial, counting nothing", () => {
    const { breaker, clock, admit, fail } = setUp();
    fail(3);
    clock.advance(30_000);
    admit().release();
    expect(breaker.state()).toBe("half-open");
    admit().success();
    expect(breaker.state()).toBe("closed");
  });

  it("a trial that never reports is given up after a cool-down, so the breaker cannot wedge", () => {
    const { breaker, clock, admit, fail } = setUp();
    fail(3);
    clock.advance(30_000);
    const lost = admit();
    clock.advance(29_999);
    expect(breaker.admit().allowed).toBe(false);
    clock.advance(1);
    const next = admit();
    lost.success(); // stale: ignored
    expect(breaker.state()).toBe("half-open");
    next.success();
    expect(breaker.state()).toBe("closed");
  });

  it("ignores outcomes of calls admitted before it opened, and a second report of the same call", () => {
    const { breaker, clock, admit, fail } = setUp();
    const slow = admit();
    fail(3);
    slow.success();
    expect(breaker.state()).toBe("open");
    clock.advance(30_000);
    const trial = admit();
    trial.failure();
    trial.success();
    expect(breaker.state()).toBe("open");
  });

  it("the registry hands out one breaker per key", () => {
    const registry = new BreakerRegistry({ failureThreshold: 1 });
    registry.for("https://in.vendor.test").admit();
    expect(registry.for("https://in.vendor.test")).toBe(registry.for("https://in.vendor.test"));
    expect(registry.for("https://eu.vendor.test")).not.toBe(registry.for("https://in.vendor.test"));
  });

  it.each([
    { failureThreshold: 0, coolDownMs: 1 },
    { failureThreshold: 1, coolDownMs: 0 },
  ])("refuses nonsense options %o", (options) => {
    expect(() => new CircuitBreaker(options)).toThrow(RangeError);
  });
});
