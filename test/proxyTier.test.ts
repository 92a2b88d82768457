/** lib/proxyTier.ts: the tier's plan, its addresses, generations and load balancer ids, without Pulumi. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { ipv4ToInt, parseCidr, usableAzureAddresses, type Ipv4Cidr } from "../lib/cidr";
import {
    addressesNeeded, AVAILABILITY_ZONES, frontendAddress, GENERATION_NAME, loadBalancerChildId, loadBalancerParts,
    MAX_PROXY_INSTANCES, planProxyTier, proxyGeneration, type ProxyGenerationInput,
} from "../lib/proxyTier";

const cidr = (text: string): Ipv4Cidr => {
    const parsed = parseCidr(text);
    assert.notEqual(typeof parsed, "string", String(parsed));
    return parsed as Ipv4Cidr;
};

describe("proxy tier plan", () => {
    it("one proxy per zone, in zone order, in a region with zones", () => {
        for (const instances of [1, 2, 3]) {
            const plan = planProxyTier({ instances, regionHasZones: true, proxySubnet: cidr("10.40.1.0/24") });
            assert.deepEqual(plan.instances, AVAILABILITY_ZONES.slice(0, instances).map((zone, i) => ({ index: i + 1, zone })));
            assert.equal(plan.availabilitySet, false);
            assert.equal(plan.frontendAddress, "10.40.1.254");
        }
    });

    it("no zones and an availability set in a region without zones", () => {
        const plan = planProxyTier({ instances: 2, regionHasZones: false, proxySubnet: cidr("10.40.1.0/24") });
        assert.deepEqual(plan.instances, [{ index: 1, zone: undefined }, { index: 2, zone: undefined }]);
        assert.equal(plan.availabilitySet, true);
    });

    it("refuses a count outside 1 to 3, or not whole", () => {
        assert.equal(MAX_PROXY_INSTANCES, 3);
        for (const instances of [0, -1, 4, 1.5, Number.NaN]) {
            assert.throws(() => planProxyTier({ instances, regionHasZones: true, proxySubnet: cidr("10.40.1.0/24") }),
                new RegExp(`^Error: proxy tier: instances must be 1 to 3, got ${instances}$`));
        }
    });

    it("refuses a subnet without room for the frontend and two addresses per proxy", () => {
        // A /29 has 8 addresses, 3 usable after Azure's five: the frontend and one proxy, twice during a rollout.
        assert.equal(usableAzureAddresses(cidr("10.0.0.0/29")), 3);
        assert.equal(addressesNeeded(1), 3);
        assert.doesNotThrow(() => planProxyTier({ instances: 1, regionHasZones: true, proxySubnet: cidr("10.0.0.0/29") }));
        assert.throws(() => planProxyTier({ instances: 2, regionHasZones: true, proxySubnet: cidr("10.0.0.0/29") }),
            /^Error: proxy tier: 10\.0\.0\.0\/29 has 3 usable addresses; 2 proxies need 5$/);
        // A /28: 11 usable, enough for three proxies (7).
        assert.doesNotThrow(() => planProxyTier({ instances: 3, regionHasZones: true, proxySubnet: cidr("10.0.0.0/28") }));
        assert.equal(usableAzureAddresses(cidr("10.0.0.0/30")), 0, "never negative");
        assert.equal(usableAzureAddresses(cidr("10.0.0.0/31")), 0);
    });

    it("the frontend is the last usable address of any subnet: inside it, above every address the proxies take", () => {
        fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 16, max: 29 }), (base, prefix) => {
            const size = 2 ** (32 - prefix);
            const first = Math.floor(base / size) * size;
            const subnet = cidr(`${[24, 16, 8, 0].map((s) => (first >>> s) & 255).join(".")}/${prefix}`);
            const frontend = ipv4ToInt(frontendAddress(subnet));
            // Azure keeps the first four and the last address.
            assert.equal(frontend, subnet.last - 1);
            assert.ok(frontend >= subnet.first + 4);
            assert.equal(usableAzureAddresses(subnet), size - 5);
        }));
    });
});

describe("proxy generations", () => {
    const base: ProxyGenerationInput = {
        userData: "#cloud-config\n", vmSize: "Standard_D2as_v5", zone: "1", adminUsername: "azureuser",
        sshPublicKey: "ssh-ed25519 AAAA", image: "Canonical:ubuntu-24_04-lts:server:latest",
    };

    it("six hex digits, the same for the same settings", () => {
        assert.match(proxyGeneration(base), /^[0-9a-f]{6}$/);
        assert.equal(proxyGeneration({ ...base }), proxyGeneration(base));
        assert.match(`vm-securepg-dev-proxy1-g${proxyGeneration(base)}`, GENERATION_NAME);
    });

    it("every setting Azure cannot change in place gives a new generation", () => {
        const changes: Array<Partial<ProxyGenerationInput>> = [
            { userData: "#cloud-config\n# changed\n" }, { vmSize: "Standard_D4as_v5" }, { zone: "2" }, { zone: undefined },
            { adminUsername: "ops" }, { sshPublicKey: "ssh-ed25519 BBBB" }, { image: "Canonical:ubuntu-24_04-lts:server:24.04.202611010" },
        ];
        const seen = new Set([proxyGeneration(base)]);
        for (const change of changes) {
            const generation = proxyGeneration({ ...base, ...change });
            assert.ok(!seen.has(generation), JSON.stringify(change));
            seen.add(generation);
        }
    });

    it("settings are not confused with one another (no concatenation ambiguity)", () => {
        assert.notEqual(proxyGeneration({ ...base, adminUsername: "a", sshPublicKey: "bc" }), proxyGeneration({ ...base, adminUsername: "ab", sshPublicKey: "c" }));
    });

    it("a generation name is a suffix of exactly -g and six hex digits", () => {
        for (const name of ["vm-x-g0a1b2c", "nic-securepg-prod-proxy2-gffffff"]) {
            assert.match(name, GENERATION_NAME);
        }
        for (const name of ["vm-x-g0a1b2", "vm-x-g0a1b2cd", "vm-x-g0A1B2C", "vm-x-g0a1b2c-nic", "vm-x-0a1b2c"]) {
            assert.doesNotMatch(name, GENERATION_NAME);
        }
    });
});

describe("load balancer parts", () => {
    const subnet = "/subscriptions/0000/resourceGroups/rg-securepg-dev/providers/Microsoft.Network/virtualNetworks/vnet-x/subnets/snet-x-proxy";

    it("a probe and a rule named for the port, one frontend and one pool", () => {
        assert.deepEqual(loadBalancerParts(6432), { frontend: "frontend", backendPool: "proxies", probe: "tcp-6432", rule: "tcp-6432" });
    });

    it("child ids live under the load balancer in the subnet's resource group", () => {
        assert.equal(loadBalancerChildId(subnet, "lbi-securepg-dev-proxy", "probes", "tcp-5432"),
            "/subscriptions/0000/resourceGroups/rg-securepg-dev/providers/Microsoft.Network/loadBalancers/lbi-securepg-dev-proxy/probes/tcp-5432");
        assert.equal(loadBalancerChildId(subnet.toLowerCase(), "lb", "backendAddressPools", "proxies"),
            "/subscriptions/0000/resourcegroups/rg-securepg-dev/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/proxies");
    });

    it("refuses anything but a resource group's subnet id", () => {
        for (const bad of ["", "snet-x", "/subscriptions/0000/providers/Microsoft.Network/x", "/resourceGroups/rg/providers/x",
            "/subscriptions/0000/resourceGroups/rg/extra/providers/x", "x/subscriptions/0000/resourceGroups/rg/providers/x"]) {
            assert.throws(() => loadBalancerChildId(bad, "lb", "probes", "p"), /^Error: proxy tier: .* is not a subnet id$/, bad);
        }
    });
});
