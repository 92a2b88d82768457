/** The stack configuration parser on its own: defaults, overrides, warnings and error reporting. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { parseStackConfig, StackConfigError, type StackConfig } from "../stacks";

const base = { "azure-native:location": "westeurope" };

function parse(stack: string, values: Record<string, unknown>): StackConfig {
    const engine: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...base, ...values })) {
        engine[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return parseStackConfig({ project: "securepg", stack, values: engine });
}

function problems(stack: string, values: Record<string, unknown>): string[] {
    try {
        parse(stack, values);
    } catch (error) {
        assert.ok(error instanceof StackConfigError, String(error));
        return error.problems.map((p) => `${p.key} ${p.message}`);
    }
    assert.fail("expected a configuration error");
}

/** The configuration with CIDR blocks as their text, undefined settings left out. */
function plain(c: StackConfig): unknown {
    return JSON.parse(JSON.stringify(c, (_key, v) => (v && typeof v === "object" && typeof v.text === "string" && "prefixLength" in v ? v.text : v)));
}

describe("per-environment defaults", () => {
    const shared = {
        project: "securepg", location: "westeurope",
        zones: { regionHasZones: true, gatewayPublicIpZones: ["1", "2", "3"], highAvailabilityMode: "ZoneRedundant" },
        network: { addressSpace: "10.40.0.0/16", gatewaySubnet: "10.40.0.0/27", proxySubnet: "10.40.1.0/24", databaseSubnet: "10.40.2.0/24", serviceEndpoints: ["Microsoft.Sql"] },
        vpn: { clientAddressPool: "172.16.201.0/24", sku: "VpnGw1AZ", clients: [], rootCertificates: ["root-1"], clientCertificateValidityDays: 365, authentication: "certificate", sites: [], siteKeys: {}, activeActive: false },
        proxy: {
            port: 5432, adminUsername: "azureuser", idleTimeoutSeconds: 28800, connectTimeoutSeconds: 5,
            resolverValidSeconds: 10, keepaliveIdleSeconds: 120, keepaliveIntervalSeconds: 30, keepaliveProbes: 4, targets: [],
        },
        warnings: ["securepg:vpn.clients is empty: no VPN client certificate will be issued"],
    };
    const monitoring = { diagnostics: true, alertEmails: [] };
    const prodWarnings = [
        ...shared.warnings,
        "securepg:database.entraAdmin is not set on a prod stack: everyone shares the admin password; set an Entra group as administrator (docs/operations.md, \"Entra ID for the database\")",
        "securepg:monitoring.alertEmails is empty on a prod stack: alerts fire without notifying anyone",
    ];
    const database = { access: "vnet", version: "17", adminLogin: "pgadmin", databases: ["app"], tlsMinVersion: "TLSv1.2", passwordRotation: 1, allowReplace: false };

    it("every dev default", () => {
        assert.deepEqual(plain(parse("dev", {})), {
            ...shared, stack: "dev", environment: "dev", protect: false,
            proxy: { ...shared.proxy, instances: 1, vmSize: "Standard_B2ats_v2" },
            monitoring: { ...monitoring, retentionInDays: 30 },
            database: { ...database, skuName: "Standard_B1ms", tier: "Burstable", storageSizeGB: 32, highAvailability: false, geoRedundantBackup: false, backupRetentionDays: 7, deleteLock: false },
        });
    });

    it("every prod default", () => {
        assert.deepEqual(plain(parse("prod", {})), {
            ...shared, stack: "prod", environment: "prod", protect: true, warnings: prodWarnings,
            proxy: { ...shared.proxy, instances: 2, vmSize: "Standard_D2as_v5" },
            monitoring: { ...monitoring, retentionInDays: 90 },
            database: { ...database, skuName: "Standard_D2ds_v5", tier: "GeneralPurpose", storageSizeGB: 128, highAvailability: true, geoRedundantBackup: true, backupRetentionDays: 35, deleteLock: true },
        });
    });

    it("dev is small, VNet-integrated and unprotected", () => {
        const c = parse("dev", {});
        assert.equal(c.environment, "dev");
        assert.equal(c.protect, false);
        assert.equal(c.database.access, "vnet");
        assert.equal(c.database.version, "17");
        assert.equal(c.database.tier, "Burstable");
        assert.equal(c.database.highAvailability, false);
        assert.equal(c.database.adminLogin, "pgadmin");
        assert.equal(c.vpn.sku, "VpnGw1AZ");
        assert.equal(c.proxy.port, 5432);
        assert.deepEqual(c.network.serviceEndpoints, ["Microsoft.Sql"]);
    });

    it("prod has HA, geo-redundant 35-day backups and protection", () => {
        const c = parse("prod", {});
        assert.equal(c.environment, "prod");
        assert.equal(c.protect, true);
        assert.equal(c.database.highAvailability, true);
        assert.equal(c.database.geoRedundantBackup, true);
        assert.equal(c.database.backupRetentionDays, 35);
        assert.notEqual(c.database.tier, "Burstable");
    });

    it("derives the environment from stack names like prod-eu and dev-alice", () => {
        assert.equal(parse("prod-eu", {}).environment, "prod");
        assert.equal(parse("dev-alice", {}).environment, "dev");
        assert.equal(parse("staging", { "securepg:environment": "prod" }).environment, "prod");
    });

    it("lets the stack file override a default key by key", () => {
        const c = parse("prod", { "securepg:database": { backupRetentionDays: 14 }, "securepg:protect": "false" });
        assert.equal(c.database.backupRetentionDays, 14);
        assert.equal(c.database.highAvailability, true, "untouched keys keep the prod default");
        assert.equal(c.protect, false);
        assert.ok(c.warnings.some((w) => w.includes("securepg:protect")));
    });

    it("warns when a prod stack turns off HA or geo-redundant backup (the policy pack blocks it)", () => {
        const c = parse("prod", { "securepg:database": { highAvailability: false } });
        assert.ok(c.warnings.some((w) => w.includes("highAvailability") && w.includes("postgres-prod-resilience")), c.warnings.join("\n"));
        assert.ok(!parse("prod", {}).warnings.some((w) => w.includes("postgres-prod-resilience")));
    });

    it("plans subnets inside a custom address space", () => {
        const c = parse("dev", { "securepg:network": { addressSpace: "10.9.0.0/16" } });
        assert.equal(c.network.gatewaySubnet.text, "10.9.0.0/27");
        assert.equal(c.network.proxySubnet.text, "10.9.1.0/24");
        assert.equal(c.network.databaseSubnet.text, "10.9.2.0/24");
    });
});

describe("access modes", () => {
    it("public mode carries the allowlist and starts without service endpoints", () => {
        const c = parse("dev", { "securepg:database": { access: "public", allowedIpRanges: ["203.0.113.7", "198.51.100.0/28"] } });
        assert.equal(c.database.access, "public");
        if (c.database.access !== "public") return;
        assert.deepEqual(c.database.allowedIpRanges.map((r) => r.block.text), ["203.0.113.7/32", "198.51.100.0/28"]);
        assert.equal(c.database.allowAzureServices, false);
        assert.deepEqual(c.network.serviceEndpoints, []);
    });

    it("warns, but allows, an explicit Microsoft.Sql endpoint in public mode", () => {
        const c = parse("dev", { "securepg:database": { access: "public" }, "securepg:network": { serviceEndpoints: ["Microsoft.Sql"] } });
        assert.deepEqual(c.network.serviceEndpoints, ["Microsoft.Sql"]);
        assert.ok(c.warnings.some((w) => /serviceEndpoints.*Microsoft\.Sql.*public/.test(w)), c.warnings.join("\n"));
    });

    it("refuses public-only settings in vnet mode", () => {
        const found = problems("dev", { "securepg:database": { allowedIpRanges: ["203.0.113.7"], allowAzureServices: true } });
        assert.ok(found.some((p) => p.startsWith("securepg:database.allowedIpRanges applies only")));
        assert.ok(found.some((p) => p.startsWith("securepg:database.allowAzureServices applies only")));
    });
});

describe("error reporting", () => {
    it("reports every problem at once, with key paths and values", () => {
        const found = problems("dev", {
            "azure-native:location": "West Europe",
            "securepg:network": { proxySubnet: "10.9.1.0/24" },
            "securepg:database": { backupRetentionDays: 3, adminLogin: "postgres" },
            "securepg:vpn": { sku: "Basic" },
        });
        assert.ok(found.includes("securepg:network.proxySubnet 10.9.1.0/24 is outside addressSpace 10.40.0.0/16"), found.join("\n"));
        assert.ok(found.some((p) => p.startsWith("azure-native:location ") && p.includes("West Europe")));
        assert.ok(found.some((p) => p.startsWith("securepg:database.backupRetentionDays ") && p.includes("(got 3)")));
        assert.ok(found.some((p) => p.startsWith("securepg:database.adminLogin is a reserved name")));
        assert.ok(found.some((p) => p.startsWith("securepg:vpn.sku Basic is not allowed")));
        assert.equal(found.length, 5, found.join("\n"));
    });

    it("names list elements by index", () => {
        const found = problems("dev", { "securepg:database": { access: "public", allowedIpRanges: ["8.8.8.8", "192.168.1.0/24"] } });
        assert.ok(found.some((p) => p.startsWith("securepg:database.allowedIpRanges[1] 192.168.1.0/24 touches the private")), found.join("\n"));
    });

    it("reports a missing location with the command that fixes it", () => {
        let message = "";
        try {
            parseStackConfig({ project: "securepg", stack: "dev", values: {} });
        } catch (error) {
            message = (error as Error).message;
        }
        assert.match(message, /azure-native:location is not set; run `pulumi config set azure-native:location/);
    });

    it("warns about extended-support versions and B-series v1 proxies", () => {
        const c = parse("dev", { "securepg:database": { version: "13" }, "securepg:proxy": { vmSize: "Standard_B1s" } });
        assert.ok(c.warnings.some((w) => w.includes("extended support")));
        assert.ok(c.warnings.some((w) => w.includes("B-series v1")));
    });
});
