import { randomUUID } from "node:crypto";
import { confirmStep } from "../admin/onboarding.server";
import { shopSettingsRow } from "../admin/settings.server";
import { RESULT_NOTES } from "../analysis/engine";
import { ITA_GROUPS } from "../analysis/colour";
import { applySubscriptionUpdate } from "../billing/plan.server";
import { countAcceptedScan } from "../billing/quota.server";
import { usageMonth } from "../billing/plans";
import { currentNotice } from "../consent/notice.server";
import type { Keyring } from "../crypto/keyring";
import type { Db } from "../db/client.server";
import { countStorefrontEvent } from "../insights/storefront.server";
import { fileRequest } from "../rights/rights.server";

/**
 * A month of made-up storefront activity for the local preview shop, so the local admin's dashboard,
 * setup checklist, insights and plan page show what a merchant a few weeks in would see. Development
 * only (`node server.mjs --seed-demo` with LOCAL_ADMIN=true, which quickstart runs); never a real
 * shopper: anonymous subjects with made-up ids, results in the engine's stored shape, no photos.
 *
 * Written through the domain functions where they take a time (storefront events, the checklist's
 * marks, the plan webhook, the monthly usage counter, rights requests); consents and scans, which
 * the app only ever stamps "now", are written as rows dated over the past days, as the test seeds do.
 * Idempotent: a shop that already has demo scans is left as it is.
 */
const DAY = 86_400_000;
const DEMO_ENGINE = "demo";
const SHOPPERS = 120;
const DAYS = 28;
const LOGGED_IN = 2;

/** A small deterministic generator, so every fresh clone shows the same demo. */
function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Most refusals are dim light, as in real stores: the dashboard then advises daylight. */
const REFUSALS = [
  ["too_dark"],
  ["too_dark", "uneven_light"],
  ["too_dark"],
  ["too_dark"],
  ["move_closer"],
  ["face_camera"],
];

function measurement(random: () => number) {
  // Tones spread over the groups the way a mixed clientele would be, mostly intermediate to brown.
  const ita = 62 - random() * 80;
  const group = ITA_GROUPS.find((g) => ita > g.above)?.group ?? "dark";
  // Each concern shows in a share of shoppers of its own (moderate or high).
  const index = (value: number, concernShare: number) => {
    const r = random();
    const band = r < concernShare * 0.3 ? "high" : r < concernShare ? "moderate" : "low";
    return { value: Math.round(value * 10) / 10, band };
  };
  return {
    indices: {
      skinTone: { ita: Math.round(ita * 10) / 10, group, range: [Math.round(ita - 4), Math.round(ita + 4)] },
      redness: index(4 + random() * 8, 0.45),
      unevenness: index(1 + random() * 4, 0.6),
      shine: index(random() * 40, 0.3),
      underEyeDarkness: index(2 + random() * 8, 0.5),
    },
    whiteBalance: "none",
    notes: RESULT_NOTES,
  };
}

export interface DemoAdminSeed {
  seeded: boolean;
  shoppers: number;
  scans: number;
}

export async function seedDemoAdmin(db: Db, keyring: Keyring, shop: string, now = new Date()): Promise<DemoAdminSeed> {
  if (await db.scan.findFirst({ where: { shop, engineVersion: DEMO_ENGINE }, select: { id: true } })) {
    return { seeded: false, shoppers: 0, scans: 0 };
  }
  const random = generator(20_261_129);
  await shopSettingsRow(db, shop, { shop: true });
  const notice = await currentNotice(db, shop, "en");
  const month = usageMonth(now);
  let scans = 0;

  for (let i = 0; i < SHOPPERS; i++) {
    // More shoppers in recent days, as a store that added the block a month ago would see.
    const ago = Math.floor(DAYS * random() ** 1.6);
    const at = new Date(now.getTime() - ago * DAY - Math.floor(random() * 8) * 3_600_000 - 60_000);
    const optIn = random() < 0.18;
    const training = random() < 0.1;
    // A few logged-in customers (made-up ids); the rest anonymous, as most shoppers are.
    const customerId = i < LOGGED_IN ? String(8_800_000_001 + i) : null;
    const subject = await db.subject.create({
      data: { shop, customerId, anonymousId: customerId ? null : `demo-${randomUUID()}`, createdAt: at },
    });
    const consent = await db.consentRecord.create({
      data: {
        shop,
        subjectId: subject.id,
        noticeVersionId: notice.id,
        noticeVersion: notice.version,
        textHash: notice.textHash,
        locale: random() < 0.3 ? "hi" : "en",
        action: "grant",
        purposes: JSON.stringify([
          "skin_analysis",
          ...(optIn ? ["extended_retention"] : []),
          ...(training ? ["model_training"] : []),
        ]),
        ageConfirmed: true,
        receipt: `SS-DEMO-${randomUUID().slice(0, 8).toUpperCase()}`,
        createdAt: at,
      },
    });
    // A notice view for each consent, and some shoppers who read it and left.
    const views = random() < 0.45 ? 2 : 1;
    for (let v = 0; v < views; v++) {
      await db.requestLog.create({
        data: { shop, route: "/proxy/notice", method: "GET", status: 200, durationMs: 4, createdAt: at },
      });
    }
    const scan = async (scanAt: Date, refused: boolean) => {
      await db.scan.create({
        data: {
          shop,
          subjectId: subject.id,
          consentId: consent.id,
          status: refused ? "refused" : "accepted",
          provider: "local",
          engineVersion: DEMO_ENGINE,
          quality: JSON.stringify(
            refused
              ? { ok: false, reasons: REFUSALS[Math.floor(random() * REFUSALS.length)], hints: [] }
              : { ok: true, reasons: [], hints: [] },
          ),
          result: refused ? null : JSON.stringify(measurement(random)),
          trainingOptIn: training,
          createdAt: scanAt,
        },
      });
      scans += 1;
      if (!refused && usageMonth(scanAt) === month) await countAcceptedScan(db, shop, month);
    };
    // The widget's own events (no identifiers), per visit: opened, and after a result a product viewed
    // and sometimes added to the cart.
    const visit = async (day: Date, viewed: number, added: number) => {
      await countStorefrontEvent(db, shop, "widget_opened", day);
      if (random() < viewed) await countStorefrontEvent(db, shop, "product_viewed", day);
      if (random() < added) await countStorefrontEvent(db, shop, "added_to_cart", day);
    };
    // First visit: a photo or two (the first one sometimes refused), then the recommendations.
    const attempts = 1 + Math.floor(random() * 2.4);
    for (let k = 0; k < attempts; k++) await scan(new Date(at.getTime() + (k + 1) * 90_000), random() < 0.2);
    await visit(at, 0.7, 0.3);
    // The shoppers who read the notice twice opened the widget twice (once leaving without a scan).
    if (views === 2) await countStorefrontEvent(db, shop, "widget_opened", at);
    // About a quarter come back a week or two later to scan again under the same consent (progress, P19).
    for (let back = at.getTime() + (7 + Math.floor(random() * 7)) * DAY; back < now.getTime() - 3_600_000;) {
      if (random() >= 0.3) break;
      await scan(new Date(back), random() < 0.1);
      await visit(new Date(back), 0.4, 0.15);
      back += (7 + Math.floor(random() * 7)) * DAY;
    }
  }

  // The checklist: the block has been seen on the storefront, the notice kept and the engine chosen;
  // recommendation rules are still to do.
  await db.shopOnboarding.upsert({
    where: { shop },
    create: { shop, storefrontSeenAt: new Date(now.getTime() - DAYS * DAY) },
    update: { storefrontSeenAt: new Date(now.getTime() - DAYS * DAY) },
  });
  await confirmStep(db, shop, "notice", new Date(now.getTime() - DAYS * DAY));
  await confirmStep(db, shop, "provider", new Date(now.getTime() - DAYS * DAY));

  // The plan, as Shopify's app_subscriptions/update would report a Starter subscription.
  await applySubscriptionUpdate(
    db,
    shop,
    {
      app_subscription: {
        admin_graphql_api_id: "gid://shopify/AppSubscription/1001",
        name: "Starter",
        status: "ACTIVE",
        admin_graphql_api_shop_id: "gid://shopify/Shop/1001",
        updated_at: new Date(now.getTime() - DAYS * DAY).toISOString(),
        plan_handle: "starter",
      },
    },
    async () => ({ shopGid: "gid://shopify/Shop/1001", developmentStore: false }),
  );
  // As if the Plan page had asked Shopify an hour ago (the local admin has no Shopify to ask).
  await db.shopPlan.update({ where: { shop }, data: { checkedAt: new Date(now.getTime() - 3_600_000) } });

  // Two requests in the inbox from the logged-in customers: a grievance and an access request.
  await fileRequest(
    db,
    keyring,
    { shop, customerId: String(8_800_000_001) },
    { type: "grievance", message: "My result said uneven tone but the photo was taken at night. Can you explain?" },
  );
  await fileRequest(db, keyring, { shop, customerId: String(8_800_000_002) }, { type: "access", message: "" });
  return { seeded: true, shoppers: SHOPPERS, scans };
}
