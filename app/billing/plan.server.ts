import { z } from "zod";
import type { Db } from "../db/client.server";
import { DomainError } from "../domain-error";
import { env } from "../env.server";
import { describeError, logger } from "../logger.server";
import { fromAdminClient, type AdminGraphqlClient, type GraphqlCaller } from "../recommendations/catalogue-sync.server";
import {
  billingIsTest,
  effectivePlan,
  planUnconfirmedNote,
  monthResetsAt,
  planPageUrl,
  quotaLevel,
  usageMonth,
  type EffectivePlan,
} from "./plans";
import { usedThisMonth } from "./quota.server";

/**
 * The shop's app plan (P20): read from Shopify with the library's billing check when the merchant
 * opens the Plan page, kept current by app_subscriptions/update, and stored in ShopPlan so a scan
 * never asks Shopify. Shopify App Pricing's free plan creates no subscription, so "no active
 * subscription" is the free plan (or the development allowance on a partner development store).
 */

/** The part of `billing` from authenticate.admin the refresh uses (shopify-app-remix 6). */
export interface BillingChecker {
  check: (options: { isTest: boolean }) => Promise<{
    appSubscriptions: readonly { id: string; name: string; status: string; test: boolean }[];
  }>;
}

export interface PlanReaders {
  graphql: GraphqlCaller;
  billing: BillingChecker;
  /** NODE_ENV is production: test subscriptions then count only on development stores. */
  production: boolean;
}

/** The readers of one admin request: its Admin API client and its `billing` from authenticate.admin. */
export const planReaders = (admin: AdminGraphqlClient, billing: BillingChecker): PlanReaders => ({
  graphql: fromAdminClient(admin),
  billing,
  production: env().NODE_ENV === "production",
});

const SHOP_FACTS = `#graphql
  query ScanShieldShopFacts {
    shop {
      id
      plan {
        partnerDevelopment
      }
    }
  }`;

const shopFactsAnswer = z.object({
  data: z.object({
    shop: z.object({
      id: z.string().regex(/^gid:\/\/shopify\/Shop\/\d+$/),
      plan: z.object({ partnerDevelopment: z.boolean() }),
    }),
  }),
});

export interface ShopFacts {
  shopGid: string;
  developmentStore: boolean;
}

/** Shopify could not tell us the shop's plan (unreachable, or an answer we cannot read). */
export class PlanUnavailableError extends DomainError {
  constructor() {
    super(503, "shopify_unavailable", "Shopify could not be asked for the shop's plan; try again later.");
  }
}

/** The shop's id and whether it is a partner development store, through the Admin GraphQL API. */
export async function readShopFacts(graphql: GraphqlCaller): Promise<ShopFacts> {
  let answer: unknown;
  try {
    answer = await graphql(SHOP_FACTS, {});
  } catch (error) {
    // The library's own answers (a re-authentication) pass through; a network failure is Shopify unavailable.
    if (error instanceof Response) throw error;
    logger.warn("shop facts unavailable", { error: describeError(error) });
    throw new PlanUnavailableError();
  }
  const parsed = shopFactsAnswer.safeParse(answer);
  if (!parsed.success) throw new PlanUnavailableError();
  return { shopGid: parsed.data.data.shop.id, developmentStore: parsed.data.data.shop.plan.partnerDevelopment };
}

/**
 * Asks Shopify for the shop's plan and stores it: the shop's facts first (a development store's
 * subscriptions are test ones, so they count there), then the library's billing check, which reads
 * `currentAppInstallation { activeSubscriptions, oneTimePurchases(…) { edges, pageInfo } }` page by page.
 */
export async function refreshPlan(db: Db, shop: string, readers: PlanReaders, now = new Date()): Promise<void> {
  const facts = await readShopFacts(readers.graphql);
  const payments = await readers.billing.check({
    isTest: billingIsTest({ developmentStore: facts.developmentStore, production: readers.production }),
  });
  const active = payments.appSubscriptions.find((s) => s.status === "ACTIVE");
  const before = await db.shopPlan.findUnique({ where: { shop }, select: { subscriptionId: true, planHandle: true } });
  const state = {
    ...facts,
    subscriptionId: active?.id ?? null,
    planName: active?.name ?? null,
    // The check reports no handle; the webhook's is kept while the subscription is the same.
    planHandle: active && before?.subscriptionId === active.id ? before.planHandle : null,
    status: active ? "ACTIVE" : null,
    // The check is the truth as of now: a delivery about an older change must not undo it.
    subscriptionUpdatedAt: now,
    checkedAt: now,
  };
  await db.shopPlan.upsert({ where: { shop }, create: { shop, ...state }, update: state });
}

const SUBSCRIPTION_STATUSES = ["ACTIVE", "CANCELLED", "DECLINED", "EXPIRED", "FROZEN", "PENDING", "ACCEPTED"] as const;

/** app_subscriptions/update as Shopify sends it (only the fields used here are read). */
const subscriptionUpdate = z.object({
  app_subscription: z.object({
    admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/AppSubscription\/\d+$/),
    name: z.string().min(1).max(255),
    status: z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(z.enum(SUBSCRIPTION_STATUSES)),
    admin_graphql_api_shop_id: z.string().regex(/^gid:\/\/shopify\/Shop\/\d+$/),
    updated_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be a date"),
    plan_handle: z.string().max(255).nullish(),
  }),
});

export type SubscriptionOutcome = "applied" | "stale" | "other_subscription" | "unknown_shop";

/**
 * Applies one app_subscriptions/update to the stored plan. The payload must name the shop the
 * delivery is for (a signed body replayed under another shop's header is refused, 400); the shop's
 * id is learnt from Shopify once if the Plan page has not stored it yet. Deliveries can arrive out
 * of order: an older change never overwrites a newer one, and a change to a subscription that is not
 * the shop's current one (the plan replaced by an upgrade, a pending one) only matters once ACTIVE.
 */
export async function applySubscriptionUpdate(
  db: Db,
  shop: string,
  payload: unknown,
  learnShopFacts: (() => Promise<ShopFacts>) | undefined,
): Promise<SubscriptionOutcome> {
  const parsed = subscriptionUpdate.safeParse(payload);
  if (!parsed.success) {
    throw new DomainError(400, "invalid_payload", "The payload is not an app_subscriptions/update.");
  }
  const update = parsed.data.app_subscription;
  let stored = await db.shopPlan.findUnique({ where: { shop } });
  if (!stored?.shopGid) {
    // No offline session: the app is not installed, and nothing is kept for a shop that is not.
    if (!learnShopFacts) return "unknown_shop";
    const facts = await learnShopFacts();
    stored = await db.shopPlan.upsert({ where: { shop }, create: { shop, ...facts }, update: facts });
  }
  if (stored.shopGid !== update.admin_graphql_api_shop_id) {
    throw new DomainError(400, "shop_mismatch", "The payload is about another shop than the one this delivery is for.");
  }
  const changedAt = new Date(update.updated_at);
  const isCurrent = stored.subscriptionId === update.admin_graphql_api_id;
  const newer = !stored.subscriptionUpdatedAt || changedAt >= stored.subscriptionUpdatedAt;
  if (update.status !== "ACTIVE" && !isCurrent) return "other_subscription";
  if (!newer) return "stale";
  const state = {
    subscriptionId: update.admin_graphql_api_id,
    planName: update.name,
    planHandle: update.plan_handle ?? null,
    status: update.status,
    subscriptionUpdatedAt: changedAt,
  };
  await db.shopPlan.update({ where: { shop }, data: state });
  return "applied";
}

/** When Shopify last told the app about the plan: a billing check or a subscription update, whichever is newer. */
function reportedAt(row: { checkedAt: Date | null; subscriptionUpdatedAt: Date | null } | null): string | null {
  const times = [row?.checkedAt, row?.subscriptionUpdatedAt].filter((t): t is Date => t instanceof Date);
  if (times.length === 0) return null;
  return new Date(Math.max(...times.map((t) => t.getTime()))).toISOString();
}

export interface PlanSummary {
  plan: Pick<EffectivePlan, "name" | "handle" | "monthlyScans" | "source">;
  /** Accepted scans this month, and the share of the allowance they are. */
  used: number;
  share: number;
  level: ReturnType<typeof quotaLevel>;
  month: string;
  resetsAt: string;
  planPageUrl: string;
  developmentStore: boolean;
  subscriptionStatus: string | null;
  /** When Shopify was last asked; null if never. */
  checkedAt: string | null;
  /** Shopify did not answer this time: the figures are as Shopify last reported them. */
  shopifyUnavailable: boolean;
  /** With shopifyUnavailable: which plan the quota enforces meanwhile, and as of when (planUnconfirmedNote). */
  unavailableNote: string | null;
}

/**
 * The plan and this month's usage for the admin. With `refresh`, Shopify is asked first (the Plan
 * page); without, the stored plan is used (the home page's banner). If Shopify cannot be asked, the
 * stored plan is shown and says so; the library's own answers (a re-authentication) pass through.
 */
export async function planSummary(
  db: Db,
  shop: string,
  options: { refresh?: PlanReaders; now?: Date } = {},
): Promise<PlanSummary> {
  const now = options.now ?? new Date();
  let shopifyUnavailable = false;
  if (options.refresh) {
    try {
      await refreshPlan(db, shop, options.refresh, now);
    } catch (error) {
      if (error instanceof Response) throw error;
      shopifyUnavailable = true;
      logger.warn("billing check failed", { shop, error: describeError(error) });
    }
  }
  const month = usageMonth(now);
  const [row, used] = await Promise.all([db.shopPlan.findUnique({ where: { shop } }), usedThisMonth(db, shop, month)]);
  const plan = effectivePlan(row);
  if (plan.unknown) logger.warn("active plan not in app/billing/plans.ts", { shop, plan: plan.name });
  return {
    plan: { name: plan.name, handle: plan.handle, monthlyScans: plan.monthlyScans, source: plan.source },
    used,
    share: plan.monthlyScans > 0 ? used / plan.monthlyScans : 1,
    level: quotaLevel(used, plan.monthlyScans),
    month,
    resetsAt: monthResetsAt(month).toISOString(),
    planPageUrl: planPageUrl(shop),
    developmentStore: row?.developmentStore ?? false,
    subscriptionStatus: row?.status ?? null,
    checkedAt: row?.checkedAt?.toISOString() ?? null,
    shopifyUnavailable,
    unavailableNote: shopifyUnavailable ? planUnconfirmedNote({ plan, reportedAt: reportedAt(row) }) : null,
  };
}
