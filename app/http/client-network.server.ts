import { pseudonymise } from "../crypto/keyring.server";
import { env } from "../env.server";
import { clientAddress, networkPrefix, PEER_ADDRESS_HEADER } from "./client-address";

/**
 * The client's network as the app keeps it (P7) and counts it (P15): a keyed hash (PSEUDONYM_KEY) of
 * the IPv4 /24 or IPv6 /48 of the address app/http/client-address.ts picks with TRUSTED_PROXY_HOPS.
 * Enough to spot abuse from one network; never an address. Null only when no address is known at
 * all (a request that did not come through server.mjs and has no X-Forwarded-For).
 */
export function clientNetwork(headers: Headers, trustedHops: number = env().TRUSTED_PROXY_HOPS): string | null {
  const address = clientAddress({
    forwardedFor: headers.get("x-forwarded-for"),
    peer: headers.get(PEER_ADDRESS_HEADER),
    trustedHops,
  });
  return address ? pseudonymise("network", networkPrefix(address)) : null;
}
