import type { LookupAddress, LookupOptions } from "node:dns";
import { lookup as systemLookup } from "node:dns/promises";
import { Agent, buildConnector, type Dispatcher } from "undici";
import { env } from "../env.server";
import { addressClass, hostnameAddress, type AddressClass } from "../http/address-class";

/**
 * The merchant's analysis URL (P16) is a URL someone outside our operations chose, and the app sends
 * it a photo and a bearer key. It must not become a way into the host's own network (issue 10, item 7):
 * the address it reaches is refused unless it is on the public internet, and plain http is refused.
 *
 * Checked twice:
 * - at save time (`problem`), so the merchant gets a clear message on the field;
 * - at connect time, because DNS can change after saving (DNS rebinding): the `dispatcher` resolves
 *   the name itself, refuses the connection when any address it gets is not allowed, and connects
 *   only to the addresses it checked. A literal IP in the URL (which skips DNS) is checked before
 *   connecting, and the connected socket's peer is checked once more before a byte of the request
 *   is written. There is no gap between the check and the use.
 *
 * Redirects are the caller's part: every request that carries a photo or a key is sent with
 * `redirect: "manual"`, and a 3xx is an error (a redirect could point anywhere).
 *
 * This guards URLs the merchant set. `ANALYSIS_API_URL` comes from whoever runs the app (it may well
 * be a service on their private network) and is trusted like the rest of the environment.
 */
export interface EndpointPolicy {
  /**
   * The local-development allowance: loopback addresses (127.0.0.0/8, ::1, `localhost`) are allowed,
   * and so is plain http:// to them, so that `npm run analysis-api` and the tests' fake vendors on
   * http://127.0.0.1 work. Off in production, where only public https endpoints pass. Private,
   * link-local (cloud metadata) and every other non-public address are refused in every mode.
   */
  allowLoopback: boolean;
}

export const PRODUCTION_ENDPOINTS: EndpointPolicy = Object.freeze({ allowLoopback: false });
export const LOCAL_DEVELOPMENT_ENDPOINTS: EndpointPolicy = Object.freeze({ allowLoopback: true });

/** The policy of this process: production is `NODE_ENV=production` (app/env.server.ts). */
export function endpointPolicy(nodeEnv: string = env().NODE_ENV): EndpointPolicy {
  return nodeEnv === "production" ? PRODUCTION_ENDPOINTS : LOCAL_DEVELOPMENT_ENDPOINTS;
}

/** Every address a host name resolves to, as `dns.lookup(name, { all: true })` answers. */
export type Resolve = (hostname: string) => Promise<readonly LookupAddress[]>;

const systemResolve: Resolve = (hostname) => systemLookup(hostname, { all: true, verbatim: true });

/** A connection refused by the policy; the message is written for the merchant. */
export class EndpointRefusedError extends Error {
  override name = "EndpointRefusedError";
  readonly code = "ERR_ENDPOINT_REFUSED";
}

/** The field message for a URL that is not https, or carries a user name or password. */
export const HTTPS_ONLY = "Enter an https:// URL without a user name or password.";

const WHERE: Record<Exclude<AddressClass, "public">, string> = {
  loopback: "this server itself (a loopback address)",
  private: "a private network address",
  "link-local": "a link-local address, where cloud metadata services live",
  unspecified: "an unspecified address (0.0.0.0 or ::)",
  shared: "a carrier-grade NAT address, which is not on the public internet",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  reserved: "a reserved address that is not on the public internet",
  invalid: "an address that is not valid",
};

/** Why `host` may not be reached at `address` over `protocol`, for the merchant; undefined when it may. */
function refusal(host: string, address: string, protocol: string, policy: EndpointPolicy): string | undefined {
  const kind = addressClass(address);
  if (kind === "loopback" && policy.allowLoopback) return undefined;
  if (kind !== "public") {
    return `${host} points to ${WHERE[kind]}. Enter the public https:// address of your analysis provider.`;
  }
  // Plain http only to this machine in development (above); a photo crosses the internet over TLS.
  return protocol === "https:" ? undefined : HTTPS_ONLY;
}

/**
 * What can be told from the URL alone (scheme, credentials, a literal IP, `localhost`): a message
 * for the merchant, or undefined. A host name's addresses are checked by `problem` and at connect time.
 */
export function urlProblem(value: string, policy: EndpointPolicy): string | undefined {
  if (!URL.canParse(value)) return HTTPS_ONLY;
  const url = new URL(value);
  if (url.username || url.password || (url.protocol !== "https:" && url.protocol !== "http:")) return HTTPS_ONLY;
  const literal = hostnameAddress(url.hostname);
  if (literal) return refusal(url.hostname, literal, url.protocol, policy);
  if (url.hostname === "localhost" || url.hostname.endsWith(".localhost")) {
    // RFC 6761: always this machine, whatever DNS says.
    return refusal(url.hostname, "127.0.0.1", url.protocol, policy);
  }
  // Plain http to a name is for development on this machine only: `localhost`, above.
  return url.protocol === "https:" ? undefined : HTTPS_ONLY;
}

/** How long the save-time check waits for DNS before leaving the decision to connect time. */
const SAVE_TIME_DNS_MS = 3_000;

export interface EndpointGuard {
  readonly policy: EndpointPolicy;
  /** Pass as fetch's `dispatcher`: it connects only to addresses the policy allows. */
  readonly dispatcher: Dispatcher;
  /**
   * Save time: why the URL is refused, in words for the merchant, or undefined. A name that does not
   * resolve now is not refused here (the vendor's DNS may not be live yet); connect time decides.
   */
  problem(url: string): Promise<string | undefined>;
}

export interface EndpointGuardOptions {
  policy: EndpointPolicy;
  /** DNS; tests inject their own (there is no DNS here, and rebinding must be simulated). */
  resolve?: Resolve;
}

export function createEndpointGuard(options: EndpointGuardOptions): EndpointGuard {
  const { policy } = options;
  const resolve = options.resolve ?? systemResolve;

  /** A `lookup` for net/tls.connect that resolves with `resolve` and refuses any address not allowed. */
  const guardedLookup =
    (protocol: string) =>
    (
      hostname: string,
      lookupOptions: LookupOptions,
      callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
    ): void => {
      resolve(hostname)
        .then((all) => {
          // Every answer is checked, not just the one used: a name that mixes public and private
          // addresses is someone playing games.
          for (const { address } of all) {
            const reason = refusal(hostname, address, protocol, policy);
            if (reason) throw new EndpointRefusedError(reason);
          }
          const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : undefined;
          const wanted = all.filter((a) => family === undefined || a.family === family);
          const [first] = wanted;
          if (!first) {
            throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname });
          }
          if (lookupOptions.all)
            callback(
              null,
              wanted.map((a) => ({ address: a.address, family: a.family })),
            );
          else callback(null, first.address, first.family);
        })
        .catch((error: Error) => callback(error, ""));
    };

  const connectors = {
    "https:": buildConnector({ lookup: guardedLookup("https:") }),
    "http:": buildConnector({ lookup: guardedLookup("http:") }),
  };

  const connect: buildConnector.connector = (connectOptions, callback) => {
    const { hostname, protocol } = connectOptions;
    const connector = connectors[protocol as keyof typeof connectors];
    if (!connector) return callback(new EndpointRefusedError(HTTPS_ONLY), null);
    // A literal IP never goes through `lookup`: judge it before connecting.
    const literal = hostnameAddress(hostname);
    const early = literal ? refusal(hostname, literal, protocol, policy) : undefined;
    if (early) return callback(new EndpointRefusedError(early), null);
    connector(connectOptions, (error, socket) => {
      if (error) return callback(error, null);
      // The address really connected to, before any request byte is written.
      const peer = socket.remoteAddress;
      const late = peer ? refusal(hostname, peer, protocol, policy) : HTTPS_ONLY;
      if (late) {
        socket.destroy();
        return callback(new EndpointRefusedError(late), null);
      }
      callback(null, socket);
    });
  };

  return {
    policy,
    dispatcher: new Agent({ connect }),
    async problem(value) {
      const syntactic = urlProblem(value, policy);
      if (syntactic) return syntactic;
      const url = new URL(value);
      if (hostnameAddress(url.hostname)) return undefined;
      let all: readonly LookupAddress[];
      try {
        all = await Promise.race([
          resolve(url.hostname),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error("DNS timed out")), SAVE_TIME_DNS_MS).unref(),
          ),
        ]);
      } catch {
        return undefined;
      }
      for (const { address } of all) {
        const reason = refusal(url.hostname, address, url.protocol, policy);
        if (reason) return reason;
      }
      return undefined;
    },
  };
}

let shared: EndpointGuard | undefined;

/** The process's guard: this environment's policy and the system's DNS. */
export function endpointGuard(): EndpointGuard {
  shared ??= createEndpointGuard({ policy: endpointPolicy() });
  return shared;
}

/** Whether an error (or anything in its cause chain) is a refusal by the guard. */
export function endpointRefusal(error: unknown): EndpointRefusedError | undefined {
  const seen = new Set<unknown>();
  for (let e = error; e && typeof e === "object" && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    if (e instanceof EndpointRefusedError) return e;
    seen.add(e);
  }
  return undefined;
}
