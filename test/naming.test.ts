/** Resource names: CAF abbreviations, Azure's length limits for any stack name, stable across runs. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { fitName, NAME_LIMITS, privateZoneConflict, proxyInstanceNames, resourceNames, SERVER_NAME_PATTERN, SERVER_SUFFIX_LENGTH, slug } from "../lib/naming";
import { GENERATION_NAME } from "../lib/proxyTier";

const stackName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/);

describe("fitName", () => {
    it("leaves names that fit untouched", () => {
        fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 40, max: 100 }), (name, max) => fitName(name, max) === name));
    });

    it("shortens longer names to exactly the limit or less, deterministically, keeping the start", () => {
        fc.assert(fc.property(fc.stringMatching(/^[a-z0-9-]{30,200}$/), fc.integer({ min: 20, max: 29 }), (name, max) => {
            const fitted = fitName(name, max);
            return fitted.length <= max && fitted === fitName(name, max) && name.startsWith(fitted.slice(0, fitted.lastIndexOf("-")).replace(/[-._]+$/, ""))
                && /-[0-9a-f]{8}$/.test(fitted);
        }));
    });

    it("gives different names to long names that differ only at the end", () => {
        const a = fitName(`vm-securepg-${"x".repeat(80)}-one-proxy`, 64);
        const b = fitName(`vm-securepg-${"x".repeat(80)}-two-proxy`, 64);
        assert.notEqual(a, b);
        assert.equal(a.length, 64);
    });

    it("never leaves a separator before the digest", () => {
        assert.match(fitName(`abc${"-".repeat(60)}def`, 20), /^abc-[0-9a-f]{8}$/);
    });
});

describe("resourceNames", () => {
    it("keeps today's names for ordinary stacks (existing stacks keep their resources)", () => {
        const n = resourceNames("securepg", "dev");
        assert.deepEqual(n, {
            resourceGroup: "rg-securepg-dev", virtualNetwork: "vnet-securepg-dev", gatewaySubnet: "GatewaySubnet",
            proxySubnet: "snet-securepg-dev-proxy", databaseSubnet: "snet-securepg-dev-psql", proxyNsg: "nsg-securepg-dev-proxy",
            databaseNsg: "nsg-securepg-dev-psql", natGateway: "ng-securepg-dev", natPublicIp: "pip-securepg-dev-ng",
            privateDnsZone: "securepg-dev.private.postgres.database.azure.com", privateDnsZoneLink: "vnetlink-securepg-dev",
            vpnGateway: "vgw-securepg-dev", vpnPublicIp: "pip-securepg-dev-vgw", vpnPublicIp2: "pip-securepg-dev-vgw2", vpnPublicIpP2s: "pip-securepg-dev-vgw-p2s", loadBalancer: "lbi-securepg-dev-proxy",
            availabilitySet: "avail-securepg-dev-proxy", serverPrefix: "psql-securepg-dev",
            logAnalyticsWorkspace: "log-securepg-dev", dataCollectionRule: "dcr-securepg-dev-proxy", actionGroup: "ag-securepg-dev",
            actionGroupShortName: "spg-dev", alertPrefix: "alert-securepg-dev",
        });
    });

    it("fits every name within Azure's limit for any Pulumi stack name (up to 100 characters)", () => {
        fc.assert(fc.property(stackName, (stack) => {
            const n = resourceNames("securepg", stack);
            const within = (name: string, max: number) => name.length <= max || assert.fail(`${name} is ${name.length} > ${max}`);
            within(n.resourceGroup, NAME_LIMITS.resourceGroup);
            within(n.virtualNetwork, NAME_LIMITS.virtualNetwork);
            for (const name of [n.proxySubnet, n.databaseSubnet, n.proxyNsg, n.databaseNsg, n.natGateway, n.natPublicIp, n.privateDnsZoneLink, n.vpnGateway, n.vpnPublicIp, n.loadBalancer, n.availabilitySet]) {
                within(name, 80);
            }
            const proxy = proxyInstanceNames("securepg", stack, 3, "0a1b2c");
            within(proxy.vm, NAME_LIMITS.linuxVirtualMachine);
            within(proxy.nic, NAME_LIMITS.networkInterface);
            within(proxy.osDisk, NAME_LIMITS.disk);
            for (const name of Object.values(proxy)) {
                assert.match(name, GENERATION_NAME, "the generation is never cut off");
            }
            within(n.privateDnsZone.split(".")[0], NAME_LIMITS.dnsLabel);
            within(n.logAnalyticsWorkspace, NAME_LIMITS.logAnalyticsWorkspace);
            // Log Analytics: 4-63 letters, digits and hyphens, a letter or digit at both ends.
            assert.match(n.logAnalyticsWorkspace, /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/);
            within(n.dataCollectionRule, NAME_LIMITS.dataCollectionRule);
            within(n.actionGroup, NAME_LIMITS.actionGroup);
            within(n.actionGroupShortName, NAME_LIMITS.actionGroupShortName);
            // The longest alert key (lib/alerts.ts) after the prefix.
            within(`${n.alertPrefix}-gateway-p2s-connections`, NAME_LIMITS.metricAlert);
            const server = `${n.serverPrefix}-${"a".repeat(SERVER_SUFFIX_LENGTH)}`;
            assert.match(server, SERVER_NAME_PATTERN);
            assert.match(proxy.vm, /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])$/, "a valid Linux host name");
            return true;
        }), { numRuns: 300 });
    });

    it("gives two long stack names that share a prefix different resource names", () => {
        const long = "team-payments-platform-europe-west-production-blue-green-candidate-";
        const a = resourceNames("securepg", `${long}a`);
        const b = resourceNames("securepg", `${long}b`);
        for (const key of Object.keys(a) as Array<keyof typeof a>) {
            if (key !== "gatewaySubnet") {
                assert.notEqual(a[key], b[key], key);
            }
        }
    });

    it("makes names from letters, digits and hyphens only", () => {
        assert.equal(slug("Prod_EU.blue"), "prod-eu-blue");
        assert.equal(slug("__"), "");
    });
});

describe("privateZoneConflict", () => {
    it("accepts a zone under postgres.database.azure.com named after something else", () => {
        assert.equal(privateZoneConflict("securepg-dev.private.postgres.database.azure.com", "psql-securepg-dev-a1b2c3"), undefined);
        assert.equal(privateZoneConflict("team.postgres.database.azure.com", "psql-x"), undefined);
    });

    it("refuses the server's own FQDN, a zone named after the server, and zones outside the suffix", () => {
        assert.equal(privateZoneConflict("PSQL-X.postgres.database.azure.com", "psql-x"), "private DNS zone PSQL-X.postgres.database.azure.com is the server's own FQDN");
        assert.equal(privateZoneConflict("psql-x.private.postgres.database.azure.com", "PSQL-X"),
            "private DNS zone psql-x.private.postgres.database.azure.com is named after the server PSQL-X");
        assert.equal(privateZoneConflict("securepg.example.com", "psql-x"), "private DNS zone securepg.example.com must end in .postgres.database.azure.com");
        assert.match(privateZoneConflict("xpostgres.database.azure.com", "psql-x") ?? "", /must end in \.postgres\.database\.azure\.com/, "the dot belongs to the suffix");
    });
});

describe("fitName at the limit", () => {
    it("leaves a name of exactly the limit alone and shortens one character more", () => {
        assert.equal(fitName("a".repeat(63), 63), "a".repeat(63));
        const longer = fitName("a".repeat(64), 63);
        assert.equal(longer.length, 63);
        assert.notEqual(longer, "a".repeat(63));
    });
});

describe("a server name from the longest stack name", () => {
    it("fills Flexible Server's 63 characters exactly with its random suffix", () => {
        const n = resourceNames("securepg", "x".repeat(100));
        const server = `${n.serverPrefix}-${"a".repeat(SERVER_SUFFIX_LENGTH)}`;
        assert.equal(server.length, NAME_LIMITS.flexibleServer);
        assert.match(server, SERVER_NAME_PATTERN);
    });

    it("is refused by the pattern when it starts or ends with anything but a letter or digit", () => {
        for (const bad of ["-abc", "abc-", "_abc", "abc_", "Abc", "ab", "a--b", "a".repeat(64)]) {
            assert.doesNotMatch(bad, SERVER_NAME_PATTERN, bad);
        }
        assert.match("a-b", SERVER_NAME_PATTERN);
    });
});

describe("proxyInstanceNames", () => {
    it("names each generation of a proxy after its index and its generation", () => {
        assert.deepEqual(proxyInstanceNames("securepg", "dev", 1, "a1b2c3"), {
            vm: "vm-securepg-dev-proxy1-ga1b2c3", nic: "nic-securepg-dev-proxy1-ga1b2c3", osDisk: "osdisk-securepg-dev-proxy1-ga1b2c3",
        });
        assert.notDeepEqual(proxyInstanceNames("securepg", "dev", 1, "a1b2c3"), proxyInstanceNames("securepg", "dev", 1, "a1b2c4"));
        assert.notDeepEqual(proxyInstanceNames("securepg", "dev", 1, "a1b2c3"), proxyInstanceNames("securepg", "dev", 2, "a1b2c3"));
    });

    it("shortens the stack part, never the generation, to exactly the limit", () => {
        const stack = "x".repeat(100);
        const names = proxyInstanceNames("securepg", stack, 2, "0f0f0f");
        assert.equal(names.vm.length, NAME_LIMITS.linuxVirtualMachine);
        assert.equal(names.nic.length, NAME_LIMITS.networkInterface);
        assert.equal(names.osDisk.length, NAME_LIMITS.disk);
        assert.ok(names.vm.endsWith("-g0f0f0f") && names.vm.startsWith("vm-securepg-xxx"), names.vm);
    });
});
