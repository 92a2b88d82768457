/** The public-access server's firewall rules and the replacement detector, as pure functions. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { parseAddressOrCidr, type Ipv4Cidr } from "../lib/cidr";
import { ALLOW_AZURE_SERVICES_RULE, allowlistRules, FIREWALL_RULE_NAME_PATTERN, NAT_EGRESS_RULE_NAME } from "../lib/firewall";
import { resourceNames } from "../lib/naming";
import { databaseIdentity, describeChanges, replacementChanges, type DatabaseIdentity } from "../lib/replacement";
import { parseStackConfig } from "../stacks";

const range = (source: string) => ({ source, block: parseAddressOrCidr(source) as Ipv4Cidr });

describe("allowlistRules", () => {
    it("one rule per range, named without periods, spanning the block", () => {
        const rules = allowlistRules({ allowedIpRanges: [range("203.0.113.7"), range("198.51.100.0/28")], allowAzureServices: false });
        assert.deepEqual(rules, [
            { name: "allow-203-0-113-7-32", startIpAddress: "203.0.113.7", endIpAddress: "203.0.113.7" },
            { name: "allow-198-51-100-0-28", startIpAddress: "198.51.100.0", endIpAddress: "198.51.100.15" },
        ]);
        for (const rule of rules) {
            assert.match(rule.name, FIREWALL_RULE_NAME_PATTERN);
        }
        for (const bad of [".allow", "-allow", "allow-", "allow.1", "a".repeat(81), ""]) {
            assert.doesNotMatch(bad, FIREWALL_RULE_NAME_PATTERN, bad);
        }
        assert.match("a".repeat(80), FIREWALL_RULE_NAME_PATTERN);
        assert.match(NAT_EGRESS_RULE_NAME, FIREWALL_RULE_NAME_PATTERN);
        assert.ok(!rules.some((r) => r.name === NAT_EGRESS_RULE_NAME), "no allowlist entry can take the NAT rule's name");
    });

    it("adds Azure's own 0.0.0.0 rule only when asked", () => {
        assert.deepEqual(allowlistRules({ allowedIpRanges: [], allowAzureServices: true }), [ALLOW_AZURE_SERVICES_RULE]);
        assert.deepEqual(ALLOW_AZURE_SERVICES_RULE, { name: "AllowAllAzureServicesAndResourcesWithinAzureIps", startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" });
        assert.deepEqual(allowlistRules({ allowedIpRanges: [], allowAzureServices: false }), []);
    });
});

describe("databaseIdentity", () => {
    const identityOf = (values: Record<string, string>) => {
        const config = parseStackConfig({ project: "securepg", stack: "prod", values: { "azure-native:location": "westeurope", ...values } });
        return databaseIdentity(config, resourceNames("securepg", "prod"));
    };

    it("holds, in VNet mode, the delegated subnet and the private DNS zone", () => {
        assert.deepEqual(identityOf({}), {
            location: "westeurope", resourceGroup: "rg-securepg-prod", serverName: "(generated)", access: "vnet", adminLogin: "pgadmin",
            geoRedundantBackup: true, databaseSubnet: "10.40.2.0/24", privateDnsZone: "securepg-prod.private.postgres.database.azure.com",
        });
    });

    it("holds, in public mode, neither; and a configured server name as written", () => {
        const identity = identityOf({ "securepg:database": JSON.stringify({ access: "public", serverName: "psql-team-a" }) });
        assert.equal(identity.access, "public");
        assert.equal(identity.serverName, "psql-team-a");
        assert.equal(identity.databaseSubnet, null);
        assert.equal(identity.privateDnsZone, null);
    });
});

describe("replacementChanges", () => {
    const identity: DatabaseIdentity = {
        location: "westeurope", resourceGroup: "rg-securepg-prod", serverName: "(generated)", access: "vnet", adminLogin: "pgadmin",
        geoRedundantBackup: true, databaseSubnet: "10.40.2.0/24", privateDnsZone: "securepg-prod.private.postgres.database.azure.com",
    };

    it("lists what changed, with the key that controls it", () => {
        const changes = replacementChanges({ ...identity, location: "northeurope", geoRedundantBackup: false }, identity);
        assert.deepEqual(changes, [
            { field: "location", key: "azure-native:location", from: "northeurope", to: "westeurope" },
            { field: "geoRedundantBackup", key: "securepg:database.geoRedundantBackup", from: false, to: true },
        ]);
        assert.equal(describeChanges(changes), "  - azure-native:location: \"northeurope\" -> \"westeurope\"\n  - securepg:database.geoRedundantBackup: false -> true");
    });

    it("names the setting behind every field", () => {
        const keys = Object.fromEntries((Object.keys(identity) as Array<keyof DatabaseIdentity>).map((field) =>
            [field, replacementChanges({ ...identity, [field]: "something else" }, identity)[0]?.key]));
        assert.deepEqual(keys, {
            location: "azure-native:location", resourceGroup: "the stack name (resource group)", serverName: "securepg:database.serverName",
            access: "securepg:database.access", adminLogin: "securepg:database.adminLogin", geoRedundantBackup: "securepg:database.geoRedundantBackup",
            databaseSubnet: "securepg:network.databaseSubnet", privateDnsZone: "the stack name (private DNS zone)",
        });
    });

    it("says nothing for a new stack, an unchanged one, or a field an older deployment did not export", () => {
        assert.deepEqual(replacementChanges(undefined, identity), []);
        assert.deepEqual(replacementChanges(null, identity), []);
        assert.deepEqual(replacementChanges("garbage", identity), []);
        assert.deepEqual(replacementChanges({ ...identity }, identity), []);
        const { privateDnsZone: _omitted, ...older } = identity;
        assert.deepEqual(replacementChanges(older, identity), []);
    });
});
