import { isIPv4, isIPv6 } from "node:net";

/**
 * Which address is the client's, and which network it belongs to (P7, P15). Pure: no environment,
 * no secrets; app/http/client-network.server.ts applies the configured hop count and the keyed hash.
 *
 * The rule. `X-Forwarded-For` is a list that every proxy extends on the right with the address it
 * received the request from; the client can write anything on the left. With `trustedHops` proxies
 * that we trust in front of the app (Shopify's app proxy, plus the host's own load balancer or TLS
 * proxy), the client's address is the `trustedHops`-th entry counted from the RIGHT of the header as
 * the app receives it:
 *
 *   shopper → Shopify's proxy → host's proxy → app       trustedHops = 2
 *   X-Forwarded-For: <anything the shopper wrote>, <shopper>, <Shopify's egress>
 *                                                   ^ 2nd from the right
 *
 * - `trustedHops = 0`: nothing in front is trusted; the header is ignored and the socket's own peer
 *   address is the client.
 * - Fewer entries than `trustedHops`: some proxy in the chain did not add one (or one replaced the
 *   header). Whatever is left of the missing entries may have been written by the client, so the
 *   right-most entry is used (written by the proxy nearest the app), or the socket's peer when there
 *   is no header at all: a value no client chose. The left-most entry is never taken for that reason.
 * - The chosen entry is not an IP address: the socket's peer, else no address at all.
 *
 * Addresses are normalised before anything compares them: an IPv4-mapped IPv6 address is the IPv4
 * address, IPv6 is expanded (`::`, leading zeros, upper case, zone ids, an embedded IPv4 tail), and a
 * port or brackets a proxy added are dropped. Anything else is not an address.
 */
export type IpAddress = { version: 4; octets: number[] } | { version: 6; groups: number[] };

/**
 * The header server.mjs sets on every request to the socket's peer address, overwriting whatever a
 * client sent under that name. Trusted only because server.mjs (`npm start`) always overwrites it.
 */
export const PEER_ADDRESS_HEADER = "x-scanshield-peer-address";

const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
const BRACKETED_IPV6 = /^\[([^\]]+)\](?::\d{1,5})?$/;

/** One address as a proxy or the socket reports it, normalised; null for anything that is not one. */
export function parseAddress(text: string | null | undefined): IpAddress | null {
  let value = (text ?? "").trim();
  if (value.length === 0 || value.length > 100) return null;
  value = BRACKETED_IPV6.exec(value)?.[1] ?? IPV4_WITH_PORT.exec(value)?.[1] ?? value;
  // A zone id (fe80::1%eth0) names the interface on the proxy's own host, not a network.
  const zone = value.indexOf("%");
  if (zone !== -1) value = value.slice(0, zone);
  if (isIPv4(value)) return { version: 4, octets: value.split(".").map(Number) };
  if (!isIPv6(value)) return null;
  const groups = expandIPv6(value.toLowerCase());
  if (!groups) return null;
  // ::ffff:a.b.c.d (IPv4-mapped) is the IPv4 host a.b.c.d seen through a dual-stack socket.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return { version: 4, octets: [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff] };
  }
  return { version: 6, groups };
}

/** The eight 16-bit groups of a valid IPv6 text (already checked by isIPv6). */
function expandIPv6(value: string): number[] | null {
  let text = value;
  let tail: number[] = [];
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is the last two groups.
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    if (!isIPv4(last)) return null;
    const [a, b, c, d] = last.split(".").map(Number) as [number, number, number, number];
    tail = [(a << 8) | b, (c << 8) | d];
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => Number.parseInt(g, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const groups = [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** The canonical text of an address: dotted IPv4, or eight lower-case IPv6 groups without leading zeros. */
export function formatAddress(address: IpAddress): string {
  return address.version === 4 ? address.octets.join(".") : address.groups.map((g) => g.toString(16)).join(":");
}

/**
 * The network an address belongs to, as text: the IPv4 /24 ("203.0.113") or the IPv6 /48
 * ("2001:db8:1"), which is what a household, an office or a mobile carrier's customer usually shares.
 * Canonical, so two spellings of one network are one network.
 */
export function networkPrefix(address: IpAddress): string {
  return address.version === 4
    ? address.octets.slice(0, 3).join(".")
    : address.groups
        .slice(0, 3)
        .map((g) => g.toString(16))
        .join(":");
}

export interface ClientAddressInput {
  /** The X-Forwarded-For header as the app received it (several header lines joined by commas). */
  forwardedFor: string | null;
  /** The socket's peer address (from server.mjs), when known. */
  peer: string | null;
  /** How many proxies in front of the app append to X-Forwarded-For and are trusted. */
  trustedHops: number;
}

/** The client's address by the rule above, or null when nothing trustworthy names one. */
export function clientAddress({ forwardedFor, peer, trustedHops }: ClientAddressInput): IpAddress | null {
  const fromPeer = () => parseAddress(peer);
  if (trustedHops <= 0) return fromPeer();
  const entries = (forwardedFor ?? "").split(",").map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === "") return fromPeer();
  const chosen = entries.length >= trustedHops ? entries[entries.length - trustedHops] : entries[entries.length - 1];
  return parseAddress(chosen) ?? fromPeer();
}
