import { BlockList, isIP } from "node:net";

/**
 * What kind of network an IP address is on, for outbound requests to a URL someone else chose
 * (the merchant's analysis API, P16). Only `"public"` is a host on the internet; everything else
 * reaches this machine, the host's own network or the cloud's services (169.254.169.254), or
 * nothing at all.
 *
 * IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address it carries, and so is an address
 * under the NAT64 prefix `64:ff9b::/96`. Other IPv6 outside global
 * unicast (2000::/3) is never public: unique local fc00::/7, link-local fe80::/10, multicast ff00::/8,
 * the IPv4-compatible ::/96 and the rest of ::/8.
 */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "unspecified"
  | "shared"
  | "multicast"
  | "broadcast"
  | "reserved"
  | "invalid";

type Range = readonly [network: string, prefix: number];

const RANGES: readonly (readonly [Exclude<AddressClass, "public" | "invalid">, "ipv4" | "ipv6", readonly Range[]])[] = [
  ["loopback", "ipv4", [["127.0.0.0", 8]]],
  ["loopback", "ipv6", [["::1", 128]]],
  ["unspecified", "ipv4", [["0.0.0.0", 8]]],
  ["unspecified", "ipv6", [["::", 128]]],
  [
    "private",
    "ipv4",
    [
      ["10.0.0.0", 8],
      ["172.16.0.0", 12],
      ["192.168.0.0", 16],
    ],
  ],
  ["private", "ipv6", [["fc00::", 7]]],
  // 169.254.169.254 (cloud metadata) is in here.
  ["link-local", "ipv4", [["169.254.0.0", 16]]],
  [
    "link-local",
    "ipv6",
    [
      ["fe80::", 10],
      // Deprecated site-local, still routed inside some networks.
      ["fec0::", 10],
    ],
  ],
  // Carrier-grade NAT (RFC 6598): a provider's internal network.
  ["shared", "ipv4", [["100.64.0.0", 10]]],
  ["broadcast", "ipv4", [["255.255.255.255", 32]]],
  ["multicast", "ipv4", [["224.0.0.0", 4]]],
  ["multicast", "ipv6", [["ff00::", 8]]],
  [
    "reserved",
    "ipv4",
    [
      ["192.0.0.0", 24], // IETF protocol assignments
      ["192.0.2.0", 24], // documentation
      ["192.88.99.0", 24], // 6to4 relay anycast
      ["198.18.0.0", 15], // benchmarking
      ["198.51.100.0", 24], // documentation
      ["203.0.113.0", 24], // documentation
      ["240.0.0.0", 4], // future use
    ],
  ],
  [
    "reserved",
    "ipv6",
    [
      ["::", 8], // IPv4-compatible and other legacy forms (the mapped ::ffff:0:0/96 is judged as IPv4)
      ["100::", 64], // discard-only
      ["2001::", 23], // IETF protocol assignments, Teredo among them
      ["2001:db8::", 32], // documentation
      ["2002::", 16], // 6to4: an IPv4 address of any kind inside
      ["3fff::", 20], // documentation
    ],
  ],
];

// One list per family: a BlockList also matches an IPv4 address against IPv6 rules (as ::ffff:a.b.c.d),
// so ::/8 would swallow every IPv4 address if both lived in one list.
const lists = (family: "ipv4" | "ipv6") =>
  RANGES.filter(([, f]) => f === family).map(([kind, , ranges]) => {
    const list = new BlockList();
    for (const [network, prefix] of ranges) list.addSubnet(network, prefix, family);
    return [kind, list] as const;
  });
const LISTS = { ipv4: lists("ipv4"), ipv6: lists("ipv6") };

const subnet = (network: string, prefix: number) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, "ipv6");
  return list;
};
const GLOBAL_UNICAST = subnet("2000::", 3);
const IPV4_MAPPED = subnet("::ffff:0:0", 96);
const NAT64 = subnet("64:ff9b::", 96);

/** The IPv4 address in the last 32 bits of an IPv6 address. */
function embeddedIPv4(address: string): string {
  // The WHATWG URL parser canonicalises IPv6: lower case, "::" compression, hex groups only.
  const groups = new URL(`http://[${address}]/`).hostname.slice(1, -1).split(":");
  const [high = 0, low = 0] = groups.slice(-2).map((g) => Number.parseInt(g || "0", 16));
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

/** The class of one IP address (v4, or v6 without brackets or zone); `"invalid"` for anything else. */
export function addressClass(address: string): AddressClass {
  const version = isIP(address);
  if (version === 0) return "invalid";
  if (version === 6 && (IPV4_MAPPED.check(address, "ipv6") || NAT64.check(address, "ipv6"))) {
    return addressClass(embeddedIPv4(address));
  }
  const family = version === 4 ? "ipv4" : "ipv6";
  for (const [kind, list] of LISTS[family]) if (list.check(address, family)) return kind;
  if (family === "ipv6" && !GLOBAL_UNICAST.check(address, "ipv6")) return "reserved";
  return "public";
}

/** An IP literal as a URL's hostname holds it (IPv6 in brackets), or undefined for a name. */
export function hostnameAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? undefined : bare;
}
