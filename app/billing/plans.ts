/**
 * Plans and their monthly scan allowances: the one place they are configured (P20). The plans
 * themselves are set up in the Partner Dashboard (Shopify App Pricing); Shopify hosts the plan page
 * and reports the shop's active subscription by the plan's name (billing check) and, in
 * app_subscriptions/update, also by its handle. Each entry here must carry the same name and
 * handle as its plan in the Partner Dashboard. See docs/billing.md.
 */
export interface Plan {
  /** The plan's handle in the Partner Dashboard. */
  handle: string;
  /** The plan's name in the Partner Dashboard, as the subscription reports it. */
  name: string;
  /** Accepted scans per calendar month (UTC). */
  monthlyScans: number;
}

/** The app's handle in the Partner Dashboard: the plan page is under it. */
export const APP_HANDLE = "scanshield";

/** A shop with no active subscription: Shopify App Pricing's free plan creates none. */
export const FREE_PLAN: Plan = { handle: "free", name: "Free", monthlyScans: 100 };

/** The paid plans, smallest first. */
export const PAID_PLANS: readonly Plan[] = [
  { handle: "starter", name: "Starter", monthlyScans: 1_000 },
  { handle: "growth", name: "Growth", monthlyScans: 5_000 },
  { handle: "scale", name: "Scale", monthlyScans: 25_000 },
];

/** Partner development stores are free and get this allowance unless they chose a (test) plan with more. */
export const DEVELOPMENT_PLAN: Plan = { handle: "development", name: "Development store", monthlyScans: 500 };

/** The admin warns from this share of the allowance on, and says scans have paused at 1. */
export const WARN_AT_SHARE = 0.8;

export interface StoredPlanState {
  planName: string | null;
  planHandle: string | null;
  status: string | null;
  developmentStore: boolean;
}

export interface EffectivePlan extends Plan {
  /** Where the allowance comes from. */
  source: "subscription" | "development" | "free";
  /** An active subscription to a plan this file does not name: it gets the largest allowance (and a warning in the log). */
  unknown: boolean;
}

const LARGEST_PAID = PAID_PLANS.reduce((a, b) => (b.monthlyScans > a.monthlyScans ? b : a));

/** The plan a shop's scans count against, from what Shopify last reported. Only an ACTIVE subscription counts. */
export function effectivePlan(state: StoredPlanState | null): EffectivePlan {
  const development = state?.developmentStore ?? false;
  const floor = development ? DEVELOPMENT_PLAN : FREE_PLAN;
  const fallback: EffectivePlan = { ...floor, source: development ? "development" : "free", unknown: false };
  if (!state || state.status !== "ACTIVE" || (!state.planName && !state.planHandle)) return fallback;
  const byHandle = state.planHandle ? PAID_PLANS.find((p) => p.handle === state.planHandle) : undefined;
  const wanted = state.planName?.trim().toLowerCase();
  const found = byHandle ?? PAID_PLANS.find((p) => p.name.toLowerCase() === wanted);
  if (found === undefined && wanted === FREE_PLAN.name.toLowerCase()) return fallback;
  // A paying merchant is never held to less than they pay for because this file lags the dashboard.
  const plan = found ?? { ...LARGEST_PAID, name: state.planName ?? state.planHandle ?? LARGEST_PAID.name };
  // A development store on a small test plan keeps the development allowance if that is larger.
  if (plan.monthlyScans < floor.monthlyScans) return fallback;
  return { ...plan, source: "subscription", unknown: found === undefined };
}

/**
 * The billing check's `isTest`: test subscriptions count on development stores (whose charges are
 * always test charges) and outside production; a real store in production counts real ones only.
 */
export const billingIsTest = (input: { developmentStore: boolean; production: boolean }): boolean =>
  input.developmentStore || !input.production;

/** The UTC calendar month an instant falls in, "YYYY-MM": usage resets at its end. */
export const usageMonth = (now: Date): string => now.toISOString().slice(0, 7);

/** The first instant of the month after `month` ("YYYY-MM"), when usage starts again from zero. */
export function monthResetsAt(month: string): Date {
  const [year, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(year, m, 1));
}

export type QuotaLevel = "ok" | "nearing" | "reached";

export function quotaLevel(used: number, allowance: number): QuotaLevel {
  if (used >= allowance) return "reached";
  if (used >= allowance * WARN_AT_SHARE) return "nearing";
  return "ok";
}

/** Shopify's hosted plan page for this app in this shop's admin. */
export function planPageUrl(shop: string): string {
  const storeHandle = shop.replace(/\.myshopify\.com$/i, "");
  return `https://admin.shopify.com/store/${encodeURIComponent(storeHandle)}/charges/${APP_HANDLE}/pricing_plans`;
}

export interface QuotaBannerContent {
  tone: "warning" | "critical";
  title: string;
  body: string;
}

/** What the admin's banner says about this month's usage; null below 80 %. */
export function quotaBanner(input: {
  used: number;
  allowance: number;
  planName: string;
  resetsAt: string;
}): QuotaBannerContent | null {
  const level = quotaLevel(input.used, input.allowance);
  if (level === "ok") return null;
  const resets = new Date(input.resetsAt).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "long",
    timeZone: "UTC",
  });
  const used = `${input.used.toLocaleString("en")} of ${input.allowance.toLocaleString("en")}`;
  if (level === "reached") {
    return {
      tone: "critical",
      title: "Skin scans are paused: this month's allowance is used up",
      body:
        `${used} scans on the ${input.planName} plan. Shoppers are told scans are paused; the notice, consent ` +
        `withdrawal and every data right keep working. Scans resume on ${resets} (UTC), or at once on a larger plan.`,
    };
  }
  return {
    tone: "warning",
    title: `${Math.floor((input.used / input.allowance) * 100)} % of this month's scans are used`,
    body:
      `${used} scans on the ${input.planName} plan. When the allowance is used up, new scans pause until ` +
      `${resets} (UTC). A larger plan raises it at once.`,
  };
}

/**
 * What the Plan page says when Shopify could not be asked just now: always the plan the quota enforces
 * (effectivePlan of what is stored), and where that came from, so the text never names one allowance
 * while scans count against another. `reportedAt` is the newest of the last billing check and the last
 * app_subscriptions/update applied; null when Shopify has told the app nothing yet.
 */
export function planUnconfirmedNote(input: {
  plan: Pick<EffectivePlan, "name" | "monthlyScans" | "source">;
  reportedAt: string | null;
}): string {
  const allowance = `${input.plan.monthlyScans.toLocaleString("en")} scans a month`;
  if (!input.reportedAt) {
    return `Until Shopify answers, scans count against the ${input.plan.name} plan's allowance (${allowance}).`;
  }
  const when = new Date(input.reportedAt).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
  return `This is your plan as Shopify last reported it (${when}): scans count against its allowance (${allowance}).`;
}
