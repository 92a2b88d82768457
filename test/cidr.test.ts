import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { contains, firstUsableAzureAddress, intToIpv4, ipv4ToInt, isRfc1918, nonPublicReason, nthSubnet, overlaps, parseAddressOrCidr, parseCidr, type Ipv4Cidr } from "../lib/cidr";
import { planSubnets } from "../stacks";

const cidr = (text: string) => {
    const parsed = parseCidr(text);
    assert.notEqual(typeof parsed, "string", `${text} should parse`);
    return parsed as Ipv4Cidr;
};

/** Arbitrary aligned IPv4 block. */
const block = (minPrefix = 0, maxPrefix = 32) => fc.tuple(fc.integer({ min: minPrefix, max: maxPrefix }), fc.nat({ max: 2 ** 32 - 1 }))
    .map(([prefix, address]) => {
        const size = 2 ** (32 - prefix);
        return cidr(`${intToIpv4(Math.floor(address / size) * size)}/${prefix}`);
    });

describe("parseCidr", () => {
    it("parses aligned blocks and computes their bounds", () => {
        const b = cidr("10.40.1.0/24");
        assert.equal(b.prefixLength, 24);
        assert.equal(intToIpv4(b.first), "10.40.1.0");
        assert.equal(intToIpv4(b.last), "10.40.1.255");
    });

    it("rejects host bits, bad octets, missing prefixes and junk", () => {
        assert.match(parseCidr("10.40.1.5/24") as string, /host bits set; the network address is 10\.40\.1\.0\/24/);
        // Config can hold any YAML value; something that only looks like a CIDR when printed is refused, not thrown on.
        const lookalike = { toString: () => "10.40.0.0/16" } as unknown as string;
        assert.equal(parseCidr(lookalike), '{} is not an IPv4 CIDR block like 10.40.0.0/16');
        for (const bad of ["10.40.1.0", "10.40.300.0/24", "10.40.1.0/33", "ten/8", "", "10.40.1.0/24 ", "::1/128", "10.0.0.0/008", "010.0.0.0/8"]) {
            assert.equal(typeof parseCidr(bad), "string", bad);
        }
    });

    it("round-trips any aligned block", () => {
        fc.assert(fc.property(block(), (b) => {
            const again = cidr(b.text);
            assert.deepEqual(again, b);
            assert.equal(again.last - again.first + 1, 2 ** (32 - b.prefixLength));
        }));
    });

    it("accepts single addresses as /32 where asked to", () => {
        const one = parseAddressOrCidr("203.0.113.7") as Ipv4Cidr;
        assert.equal(one.text, "203.0.113.7/32");
        assert.equal((parseAddressOrCidr("198.51.100.0/28") as Ipv4Cidr).text, "198.51.100.0/28");
        for (const bad of ["203.0.113.256", "203.0.113", "0203.0.113.7", " 203.0.113.7", { toString: () => "203.0.113.7" } as unknown as string]) {
            assert.equal(typeof parseAddressOrCidr(bad), "string", String(bad));
        }
        assert.equal(ipv4ToInt("255.255.255.255"), 2 ** 32 - 1);
    });
});

describe("containment and overlap", () => {
    it("overlap is symmetric and agrees with containment", () => {
        fc.assert(fc.property(block(8), block(8), (a, b) => {
            assert.equal(overlaps(a, b), overlaps(b, a));
            if (contains(a, b)) {
                assert.ok(overlaps(a, b));
            }
            // Two aligned blocks either nest or are disjoint.
            assert.equal(overlaps(a, b), contains(a, b) || contains(b, a));
        }));
    });

    it("knows neighbours from overlaps", () => {
        assert.equal(overlaps(cidr("10.0.0.0/25"), cidr("10.0.0.128/25")), false);
        assert.equal(overlaps(cidr("10.0.0.0/24"), cidr("10.0.0.128/25")), true);
        assert.equal(contains(cidr("10.40.0.0/16"), cidr("10.9.1.0/24")), false);
    });
});

describe("nthSubnet and planSubnets", () => {
    it("carves consecutive blocks and stops at the parent's end", () => {
        const parent = cidr("10.40.0.0/24");
        assert.equal(nthSubnet(parent, 26, 0)?.text, "10.40.0.0/26");
        assert.equal(nthSubnet(parent, 26, 3)?.text, "10.40.0.192/26");
        assert.equal(nthSubnet(parent, 26, 4), undefined);
        assert.equal(nthSubnet(parent, 23, 0), undefined, "wider than its parent");
        assert.equal(nthSubnet(parent, 33, 0), undefined, "no prefix beyond /32");
        assert.equal(nthSubnet(parent, 26, -1), undefined, "no block before the parent");
        assert.equal(nthSubnet(parent, 32, 255)?.text, "10.40.0.255/32");
        assert.equal(nthSubnet(parent, 24, 0)?.text, parent.text, "the parent itself");
        assert.equal(nthSubnet(parent, 23, 0), undefined);
    });

    it("plans three disjoint subnets inside any address space from /8 to /25", () => {
        fc.assert(fc.property(block(8, 25), (space) => {
            const plan = planSubnets(space);
            assert.ok(plan, `no plan for ${space.text}`);
            const subnets = [plan.gatewaySubnet, plan.proxySubnet, plan.databaseSubnet];
            for (const s of subnets) {
                assert.ok(contains(space, s), `${s.text} outside ${space.text}`);
            }
            assert.equal(plan.gatewaySubnet.prefixLength, 27);
            assert.ok(plan.databaseSubnet.prefixLength <= 28);
            for (let i = 0; i < 3; i++) {
                for (let j = i + 1; j < 3; j++) {
                    assert.ok(!overlaps(subnets[i], subnets[j]), `${subnets[i].text} overlaps ${subnets[j].text}`);
                }
            }
        }));
    });

    it("refuses to plan in a space too small for three /27s", () => {
        assert.equal(planSubnets(cidr("10.0.0.0/26")), undefined);
    });
});

describe("nonPublicReason", () => {
    it("flags private, shared, loopback, link-local, multicast and reserved ranges", () => {
        for (const text of ["10.1.2.3/32", "172.20.0.0/24", "192.168.1.0/24", "100.64.1.0/24", "127.0.0.1/32", "169.254.1.0/24", "224.0.0.1/32", "255.255.255.255/32", "0.0.0.0/32", "8.0.0.0/5"]) {
            assert.ok(nonPublicReason(cidr(text)), text);
        }
    });

    it("accepts public unicast ranges", () => {
        for (const text of ["8.8.8.8/32", "20.50.0.0/24", "203.0.113.0/28", "52.1.2.0/24"]) {
            assert.equal(nonPublicReason(cidr(text)), undefined, text);
        }
    });
});

describe("isRfc1918", () => {
    it("is true inside each of the three private ranges and false across or outside them", () => {
        for (const inside of ["10.255.0.0/16", "172.31.255.0/24", "192.168.0.0/16", "10.0.0.0/8"]) {
            assert.ok(isRfc1918(parseCidr(inside) as Ipv4Cidr), inside);
        }
        for (const outside of ["172.32.0.0/16", "100.64.0.0/10", "8.0.0.0/7", "192.169.0.0/16"]) {
            assert.ok(!isRfc1918(parseCidr(outside) as Ipv4Cidr), outside);
        }
    });
});

describe("nonPublicReason, range by range", () => {
    it("names the range a block falls in", () => {
        const cases: Array<[string, string]> = [
            ["0.1.2.0/24", "'this network' range 0.0.0.0/8"],
            ["10.1.0.0/16", "private (RFC 1918) range 10.0.0.0/8"],
            ["100.100.0.0/16", "shared carrier-grade NAT (RFC 6598) range 100.64.0.0/10"],
            ["127.0.0.1/32", "loopback range 127.0.0.0/8"],
            ["169.254.1.0/24", "link-local range 169.254.0.0/16"],
            ["172.20.0.0/16", "private (RFC 1918) range 172.16.0.0/12"],
            ["192.168.7.0/24", "private (RFC 1918) range 192.168.0.0/16"],
            ["239.1.1.1/32", "multicast range 224.0.0.0/4"],
            ["250.0.0.0/8", "reserved range 240.0.0.0/4"],
        ];
        for (const [block, reason] of cases) {
            assert.equal(nonPublicReason(parseCidr(block) as Ipv4Cidr), reason, block);
        }
        assert.equal(nonPublicReason(parseCidr("203.0.113.0/24") as Ipv4Cidr), undefined);
    });
});

describe("firstUsableAzureAddress", () => {
    it("skips the four addresses Azure reserves at the start of a subnet", () => {
        assert.equal(firstUsableAzureAddress(parseCidr("10.40.1.0/24") as Ipv4Cidr), "10.40.1.4");
    });
});
