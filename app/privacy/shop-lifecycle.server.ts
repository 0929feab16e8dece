import { database } from "../db.server";

/** Called after Shopify authenticates a shop: (re)activates its row and cancels any pending deletion. */
export async function onShopInstalled(shop: string): Promise<void> {
  const { client } = await database();
  await client.shop.upsert({
    where: { shop },
    create: { shop },
    update: { uninstalledAt: null, dataDeletionDueAt: null },
  });
}
