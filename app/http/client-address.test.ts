import { describe, expect, it } from "vitest";
import { clientAddress, formatAddress, networkPrefix, parseAddress } from "./client-address";

const SHOPIFY = "23.227.38.65";
const address = (forwardedFor: string | null, trustedHops: number, peer: string | null = "10.0.0.5") => {
  const found = clientAddress({ forwardedFor, peer, trustedHops });
  return found && formatAddress(found);
};

describe("which address is the client (X-Forwarded-For with trusted hops)", () => {
  it.each([
    // Shopify's proxy, then the host's proxy: the 2nd entry from the right is the shopper.
    ["203.0.113.41, 23.227.38.65", 2, "203.0.113.41"],
    ["1.1.1.1, 2.2.2.2, 203.0.113.41, 23.227.38.65", 2, "203.0.113.41"],
    // Shopify's proxy only: the right-most entry.
    ["9.9.9.9, 203.0.113.41", 1, "203.0.113.41"],
    // Nothing trusted: the header is ignored and the socket's peer is the client.
    ["203.0.113.41", 0, "10.0.0.5"],
  ])("P15: %s with %i trusted hops is %s", (header, hops, expected) => {
    expect(address(header, hops)).toBe(expected);
  });

  it("P15: whatever a client writes on the left, the address is the same", () => {
    const honest = address(`203.0.113.41, ${SHOPIFY}`, 2);
    for (const spoofed of ["1.2.3.4", "1.2.3.4, 5.6.7.8", "garbage", "::1, 10.0.0.1, 8.8.8.8"])
      expect(address(`${spoofed}, 203.0.113.41, ${SHOPIFY}`, 2)).toBe(honest);
  });

  it("P15: fewer entries than hops take the right-most (nearest proxy's), never the left-most", () => {
    expect(address("203.0.113.41", 2)).toBe("203.0.113.41");
    expect(address("198.51.100.9, 203.0.113.41", 3)).toBe("203.0.113.41");
  });

  it("P15: no header at all is the socket's peer, and with no peer either, no address", () => {
    expect(address(null, 2)).toBe("10.0.0.5");
    expect(address("", 2)).toBe("10.0.0.5");
    expect(address(null, 2, null)).toBeNull();
  });

  it("P15: an entry that is not an address falls back to the socket's peer", () => {
    expect(address(`unknown, ${SHOPIFY}`, 2)).toBe("10.0.0.5");
    expect(address(`unknown, ${SHOPIFY}`, 2, null)).toBeNull();
  });
});

describe("addresses are normalised before they are compared", () => {
  it.each([
    ["1.2.3.4", "1.2.3.4"],
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["::FFFF:1.2.3.4", "1.2.3.4"],
    ["::ffff:0102:0304", "1.2.3.4"],
    ["[::ffff:1.2.3.4]:443", "1.2.3.4"],
    ["1.2.3.4:8080", "1.2.3.4"],
    ["2001:DB8::1", "2001:db8:0:0:0:0:0:1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8:0:0:0:0:0:1"],
    ["[2001:db8::1]:443", "2001:db8:0:0:0:0:0:1"],
    ["fe80::1%eth0", "fe80:0:0:0:0:0:0:1"],
    ["::1", "0:0:0:0:0:0:0:1"],
    ["::", "0:0:0:0:0:0:0:0"],
    ["64:ff9b::192.0.2.33", "64:ff9b:0:0:0:0:c000:221"],
    ["1:2:3:4:5:6:7.8.9.10", "1:2:3:4:5:6:708:90a"],
  ])("%s is %s", (text, canonical) => {
    const parsed = parseAddress(text);
    expect(parsed && formatAddress(parsed)).toBe(canonical);
  });

  it.each([
    "",
    "unknown",
    "1.2.3",
    "01.2.3.4",
    "256.1.1.1",
    "1.2.3.4.5",
    "2001:db8::g",
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    "::ffff:1.2.3",
    "x".repeat(200),
  ])("%j is not an address", (text) => {
    expect(parseAddress(text)).toBeNull();
  });

  const prefix = (text: string) => {
    const parsed = parseAddress(text);
    return parsed && networkPrefix(parsed);
  };

  it("P15: two spellings of one IPv6 /48 are one network; another /48 is another", () => {
    expect(prefix("2001:db8:1::5")).toBe("2001:db8:1");
    expect(prefix("2001:0DB8:0001:0000:0000:0000:0000:0007")).toBe("2001:db8:1");
    expect(prefix("2001:db8:1:ffff::%en0")).toBe("2001:db8:1");
    expect(prefix("2001:db8::1")).toBe("2001:db8:0");
    expect(prefix("2001:db8:2::1")).not.toBe(prefix("2001:db8:1::1"));
  });

  it("P15: an IPv4-mapped address is its IPv4 /24; mapped addresses of two /24s are two networks", () => {
    expect(prefix("::ffff:1.2.3.4")).toBe("1.2.3");
    expect(prefix("::ffff:1.2.3.4")).toBe(prefix("1.2.3.99"));
    expect(prefix("::ffff:1.2.3.4")).not.toBe(prefix("::ffff:5.6.7.8"));
  });
});
