import { action as consents } from "../../app/routes/proxy.consents";
import { action as scans } from "../../app/routes/proxy.scans";
import { appProxyUrl } from "./shopify";

/**
 * A logged-in shopper through the real proxy routes, with requests signed as Shopify signs them:
 * consent to skin analysis (notice version 1), then one scan of `photo` with the scan token.
 */
export async function consentAndScan(options: { photo: Uint8Array; customerId: string; forwardedFor: string }) {
  const { customerId } = options;
  const network = { "x-forwarded-for": options.forwardedFor };
  const given = await (
    await consents({
      request: new Request(appProxyUrl("/consents", {}, { customerId }), {
        method: "POST",
        headers: network,
        body: JSON.stringify({ noticeVersion: 1, locale: "en", ageConfirmed: true, purposes: ["skin_analysis"] }),
      }),
      params: {},
      context: {},
    })
  ).json();
  const response = await scans({
    request: new Request(appProxyUrl("/scans", {}, { customerId }), {
      method: "POST",
      headers: { "content-type": "image/jpeg", "x-scan-token": given.scanToken, ...network },
      body: new Uint8Array(options.photo),
    }),
    params: {},
    context: {},
  });
  return { response, body: await response.json() };
}
