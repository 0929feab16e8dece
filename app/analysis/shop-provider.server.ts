import { shopApiKeyContext } from "../crypto/contexts";
import type { Keyring } from "../crypto/keyring";
import type { Db } from "../db/client.server";
import { selectRows } from "../db/raw.server";
import type { AnalysisProvider } from "./engine";
import { endpointGuard } from "./endpoint-guard.server";
import { analysisProvider } from "./provider.server";
import { createRemoteProvider } from "./remote-provider.server";

/**
 * The provider for one shop (P16): the shop's own analysis endpoint (and region) when the merchant
 * set one, else the process default (ANALYSIS_API_URL or the built-in engine). The shop's key is
 * stored sealed (P14) and opened only to build the client. The merchant chose that URL, so the
 * client reaches it only at a public address (and over https in production): `endpointGuard`.
 */
const clients = new Map<string, AnalysisProvider>();

export async function providerForShop(db: Db, keyring: Keyring, shop: string): Promise<AnalysisProvider> {
  // Raw: it runs on every scan, and a Prisma 6 model query compiles on every call.
  const [settings] = await selectRows<{ analysisApiUrl: string | null; analysisApiKeyCiphertext: Uint8Array | null }>(
    db,
    `SELECT "analysisApiUrl", "analysisApiKeyCiphertext" FROM "Shop" WHERE "shop" = ?`,
    shop,
  );
  if (!settings?.analysisApiUrl || !settings.analysisApiKeyCiphertext) return analysisProvider();
  const apiKey = keyring.openText(Buffer.from(settings.analysisApiKeyCiphertext), shopApiKeyContext(shop));
  const cacheKey = `${shop}\u0000${settings.analysisApiUrl}\u0000${apiKey}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = createRemoteProvider({ url: settings.analysisApiUrl, apiKey, guard: endpointGuard() });
    clients.set(cacheKey, client);
  }
  return client;
}
