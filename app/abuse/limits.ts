/**
 * The rules of the storefront's rate limits (P15), free of any store: what each limit is, how a
 * shop's settings turn into limits, and what a refused shopper is told.
 */
import { DomainError } from "../domain-error";

export type LimitScope = "shop" | "subject" | "network";
/** What is counted: a scan, a consent, a rights request, or any call that checks a shopper's proof. */
export type LimitedAction = "scan" | "consent" | "request" | "proof" | "event";

/** The shop settings that set the limits (columns of Shop). */
export interface ShopLimits {
  scansPerShopPerMinute: number;
  scansPerSubjectPerHour: number;
  scansPerNetworkPerHour: number;
}

/** The Shop model's defaults: a shop without a Shop row is limited exactly like a new one. */
export const DEFAULT_LIMITS: ShopLimits = {
  scansPerShopPerMinute: 120,
  scansPerSubjectPerHour: 10,
  scansPerNetworkPerHour: 30,
};

/**
 * Consents per network per hour: twice the scans a network may make, so that a household whose
 * consents lapse (a new notice version, a withdrawal and a change of mind) can still reach its
 * scans, while a script minting scan tokens is stopped soon after it starts.
 */
export const consentsPerNetworkPerHour = (limits: ShopLimits): number => 2 * limits.scansPerNetworkPerHour;

/** Rights requests per network per hour: fixed, since a real person files a handful at most. */
export const REQUESTS_PER_NETWORK_PER_HOUR = 20;

/**
 * Calls that check a shopper's proof (subject id + receipt, or Shopify's customer id) per network
 * per hour: reading or erasing my-data, reading or deleting a scan, withdrawing, filing a request.
 * Every call counts, whether the proof matches or not, so guessing pairs is slow; a real shopper
 * makes a handful of these, one per button pressed.
 */
export const PROOF_CHECKS_PER_NETWORK_PER_HOUR = 60;

/**
 * Widget events (widget opened, product viewed, added to cart) per network per hour: a shopper
 * browsing makes a few dozen at most; a script inflating the merchant's funnel is stopped soon.
 */
export const EVENTS_PER_NETWORK_PER_HOUR = 120;

/**
 * Photos the quality gate refuses (too dark, too far, no face...) that do not count against the
 * shopper's own hourly scan limit: the first five each hour. A shopper taking a few photos to get the
 * light right is not using up their scans; a script sending junk meets the limit after five more.
 * The network and shop counts keep them (each refused photo was still analysed).
 */
export const QUALITY_RETRIES_PER_SUBJECT_PER_HOUR = 5;

/** Retry-After in whole seconds, never 0 (a client told "0" would retry at once and be refused again). */
export function retryAfterSeconds(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

const NOUNS: Record<LimitedAction, string> = {
  scan: "scans",
  consent: "consents",
  request: "requests",
  proof: "requests about shopper data",
  event: "widget events",
};

function wait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

/** What the shopper reads: which kind of limit and when to retry; nothing about who they are. */
export function rateLimitMessage(scope: LimitScope, action: LimitedAction, retryAfter: number): string {
  const what =
    scope === "shop"
      ? `This store is receiving too many ${NOUNS[action]} right now`
      : scope === "subject"
        ? `You have reached the limit of ${NOUNS[action]} for now`
        : `Too many ${NOUNS[action]} have come from your network`;
  return `${what}; please try again in ${wait(retryAfter)}.`;
}

/** A limit refused the request; the edge answers 429 rate_limited with Retry-After. */
export class RateLimitedError extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(
    readonly scope: LimitScope,
    readonly action: LimitedAction,
    msBeforeNext: number,
  ) {
    const seconds = retryAfterSeconds(msBeforeNext);
    super(429, "rate_limited", rateLimitMessage(scope, action, seconds), { "retry-after": String(seconds) });
    this.retryAfterSeconds = seconds;
  }
}
