/**
 * A circuit breaker for one remote endpoint. After `failureThreshold` consecutive failures it opens
 * for `coolDownMs` and refuses every call at once (the vendor is spared, the shopper is told when to
 * come back); then it half-opens and lets exactly one trial call through, whose outcome closes it or
 * opens it again. Pure: time comes from `now`, so tests drive it with a fake clock.
 */
export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  failureThreshold?: number;
  coolDownMs?: number;
  now?: () => number;
}

/** One admitted call. Report exactly one outcome; later reports are ignored. */
export interface Permit {
  /** The endpoint answered properly (including a well-formed refusal such as 401 or 404). */
  success(): void;
  /** The endpoint failed: unreachable, timed out, 5xx, overloaded, or an answer in the wrong shape. */
  failure(): void;
  /** Says nothing about the endpoint (e.g. our caller gave up): frees a trial slot, counts nothing. */
  release(): void;
}

export type Admission = { allowed: true; permit: Permit } | { allowed: false; retryAfterMs: number };

/** How long callers are asked to wait while another call is the half-open trial. */
const TRIAL_WAIT_MS = 1_000;

export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly coolDownMs: number;
  private readonly now: () => number;
  private failures = 0;
  private openedAt: number | null = null;
  private trial: { startedAt: number } | null = null;
  // Bumped whenever the breaker opens: outcomes of calls admitted before that are stale and ignored.
  private generation = 0;

  constructor(options: BreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.coolDownMs = options.coolDownMs ?? 30_000;
    this.now = options.now ?? (() => Date.now());
    if (!(this.failureThreshold >= 1) || !(this.coolDownMs > 0)) throw new RangeError("Invalid breaker options.");
  }

  state(): BreakerState {
    if (this.openedAt === null) return "closed";
    return this.now() - this.openedAt < this.coolDownMs ? "open" : "half-open";
  }

  /** Asks to make a call now. */
  admit(): Admission {
    const now = this.now();
    if (this.openedAt === null) return { allowed: true, permit: this.permit(null) };
    const remaining = this.openedAt + this.coolDownMs - now;
    if (remaining > 0) return { allowed: false, retryAfterMs: remaining };
    // Half-open: one trial at a time. A trial that never reports (a bug) is given up after a cool-down.
    if (this.trial !== null && now - this.trial.startedAt < this.coolDownMs) {
      return { allowed: false, retryAfterMs: Math.min(TRIAL_WAIT_MS, this.coolDownMs) };
    }
    this.trial = { startedAt: now };
    return { allowed: true, permit: this.permit(this.trial) };
  }

  private permit(trial: { startedAt: number } | null): Permit {
    const generation = this.generation;
    let reported = false;
    const report = (outcome: "success" | "failure" | "release") => {
      if (reported) return;
      reported = true;
      // Stale: admitted before the breaker last opened, or a trial that was given up on.
      if (generation !== this.generation || (trial !== null && trial !== this.trial)) return;
      this.trial = null;
      if (outcome === "release") return;
      if (outcome === "success") {
        this.failures = 0;
        this.openedAt = null;
        return;
      }
      this.failures++;
      if (trial !== null || this.failures >= this.failureThreshold) this.open();
    };
    return {
      success: () => report("success"),
      failure: () => report("failure"),
      release: () => report("release"),
    };
  }

  private open(): void {
    this.openedAt = this.now();
    this.trial = null;
    this.generation++;
  }
}

/** One breaker per key (an endpoint URL), shared by everything in the process that calls it. */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();
  constructor(private readonly options: BreakerOptions = {}) {}

  for(key: string): CircuitBreaker {
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options);
      this.breakers.set(key, breaker);
    }
    return breaker;
  }
}
