/**
 * stacks/fields.ts, setting by setting: what each accepts at its limits and the exact message each
 * refusal gives, as the user reads it (key path, message, the value got). Pure and fast: the program
 * is not run.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { parseStackConfig, StackConfigError, type StackConfig } from "../stacks";

const location = { "azure-native:location": "westeurope" };

function run(values: Record<string, unknown>, stack = "dev"): StackConfig | string[] {
    const engine: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...location, ...values })) {
        engine[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    try {
        return parseStackConfig({ project: "securepg", stack, values: engine });
    } catch (error) {
        assert.ok(error instanceof StackConfigError, String(error));
        return error.problems.map((p) => `${p.key} ${p.message}`);
    }
}

/** The problems one section setting gives, or [] when it is accepted. */
function problemsOf(section: string, field: string, value: unknown, context: Record<string, unknown> = {}): string[] {
    const result = run({ [`securepg:${section}`]: { ...context, [field]: value } });
    return Array.isArray(result) ? result : [];
}

function accepts(section: string, field: string, value: unknown, context: Record<string, unknown> = {}): void {
    assert.deepEqual(problemsOf(section, field, value, context), [], `${section}.${field} ${JSON.stringify(value)}`);
}

function refuses(section: string, field: string, value: unknown, expected: string[], context: Record<string, unknown> = {}): void {
    assert.deepEqual(problemsOf(section, field, value, context), expected, `${section}.${field} ${JSON.stringify(value)}`);
}

const PUBLIC = { access: "public" };

describe("network settings", () => {
    it("addressSpace: a private CIDR string", () => {
        accepts("network", "addressSpace", "10.9.0.0/16");
        accepts("network", "addressSpace", "100.64.0.0/16");
        refuses("network", "addressSpace", 5, ["securepg:network.addressSpace must be a CIDR string like 10.40.0.0/16 (got 5)"]);
        refuses("network", "addressSpace", "8.8.0.0/16", [
            "securepg:network.addressSpace 8.8.0.0/16 is not a private range: the VNet address space must lie in 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10",
        ]);
        refuses("network", "addressSpace", "100.128.0.0/16", [
            "securepg:network.addressSpace 100.128.0.0/16 is not a private range: the VNet address space must lie in 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10",
        ]);
        refuses("network", "addressSpace", "10.40.0.1/16", ["securepg:network.addressSpace 10.40.0.1/16 has host bits set; the network address is 10.40.0.0/16"]);
    });

    it("subnets: each at its own minimum size, and no smaller", () => {
        accepts("network", "gatewaySubnet", "10.40.0.0/27");
        accepts("network", "gatewaySubnet", "10.40.0.0/26");
        refuses("network", "gatewaySubnet", "10.40.0.0/28", ["securepg:network.gatewaySubnet 10.40.0.0/28 is too small: the VPN gateway subnet (GatewaySubnet) needs /27 or larger"]);
        accepts("network", "proxySubnet", "10.40.1.0/29");
        refuses("network", "proxySubnet", "10.40.1.0/30", ["securepg:network.proxySubnet 10.40.1.0/30 is too small: an Azure subnet needs /29 or larger"]);
        accepts("network", "databaseSubnet", "10.40.2.0/28");
        refuses("network", "databaseSubnet", "10.40.2.0/29", ["securepg:network.databaseSubnet 10.40.2.0/29 is too small: a subnet delegated to Flexible Server needs /28 or larger"]);
    });

    it("serviceEndpoints: a list of distinct Microsoft.* service names", () => {
        accepts("network", "serviceEndpoints", []);
        accepts("network", "serviceEndpoints", ["Microsoft.Sql", "Microsoft.Storage.Global", "Microsoft.KeyVault"]);
        refuses("network", "serviceEndpoints", "Microsoft.Sql", ['securepg:network.serviceEndpoints must be a list of service names (got "Microsoft.Sql")']);
        refuses("network", "serviceEndpoints", [5], ["securepg:network.serviceEndpoints[0] must be a string (a service name like Microsoft.Sql) (got 5)"]);
        for (const bad of ["Sql", "xMicrosoft.Sql", "Microsoft.Sql!", "Microsoft.", "Microsoft.Sql.", "Microsoft.Storage.2", "microsoft.sql"]) {
            refuses("network", "serviceEndpoints", [bad], [`securepg:network.serviceEndpoints[0] is not valid: a service name like Microsoft.Sql (got ${JSON.stringify(bad)})`]);
        }
        refuses("network", "serviceEndpoints", ["Microsoft.Sql", "Microsoft.Sql"], ["securepg:network.serviceEndpoints lists Microsoft.Sql twice"]);
        refuses("network", "serviceEndpoints", ["Microsoft.Sql", "Microsoft.SQL"], ["securepg:network.serviceEndpoints lists Microsoft.SQL twice"]);
    });
});

describe("database settings", () => {
    it("access: vnet or public", () => {
        accepts("database", "access", "vnet");
        accepts("database", "access", "public");
        refuses("database", "access", "private", ['securepg:database.access must be "vnet" or "public" (got "private")']);
    });

    it("serverName: a DNS label of 3-63 characters", () => {
        accepts("database", "serverName", "psql-app-1");
        refuses("database", "serverName", 5, ["securepg:database.serverName must be a string (3-63 lowercase letters, digits and single hyphens, no hyphen at either end) (got 5)"]);
        refuses("database", "serverName", "A", ['securepg:database.serverName is not valid: 3-63 lowercase letters, digits and single hyphens, no hyphen at either end (got "A")']);
    });

    it("version: a major version Flexible Server offers, as a string or a number", () => {
        for (const v of ["11", "14", "17", "18", 16]) {
            const c = run({ "securepg:database": { version: v } });
            assert.ok(!Array.isArray(c), String(c));
            assert.equal(c.database.version, String(v));
        }
        refuses("database", "version", true, ["securepg:database.version must be a major version (got true)"]);
        refuses("database", "version", "10", ['securepg:database.version must be one of 11, 12, 13, 14, 15, 16, 17, 18 (got "10")']);
        refuses("database", "version", 19, ["securepg:database.version must be one of 11, 12, 13, 14, 15, 16, 17, 18 (got 19)"]);
    });

    it("skuName and tier", () => {
        refuses("database", "skuName", "B1ms", ['securepg:database.skuName is not valid: an Azure compute size like Standard_B1ms or Standard_D2ds_v5 (got "B1ms")']);
        refuses("database", "skuName", "Standard_B1ms ", ['securepg:database.skuName is not valid: an Azure compute size like Standard_B1ms or Standard_D2ds_v5 (got "Standard_B1ms ")']);
        refuses("database", "tier", "Basic", ['securepg:database.tier must be Burstable, GeneralPurpose or MemoryOptimized (got "Basic")']);
        accepts("database", "tier", "GeneralPurpose", { skuName: "Standard_D2ds_v5" });
        accepts("database", "tier", "MemoryOptimized", { skuName: "Standard_E2ds_v5" });
        refuses("database", "skuName", "Standard_E2ds_v5", ["securepg:database.skuName Standard_E2ds_v5 does not belong to tier GeneralPurpose (expected Standard_D...)"], { tier: "GeneralPurpose" });
        refuses("database", "skuName", "Standard_D2ds_v5", ["securepg:database.skuName Standard_D2ds_v5 does not belong to tier MemoryOptimized (expected Standard_E...)"], { tier: "MemoryOptimized" });
        refuses("database", "skuName", "Standard_D2ds_v5", ["securepg:database.skuName Standard_D2ds_v5 does not belong to tier Burstable (expected Standard_B...)"]);
    });

    it("storageSizeGB: one of the sizes Azure offers", () => {
        for (const size of [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767]) {
            accepts("database", "storageSizeGB", size);
        }
        const offered = "must be one of 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767 (GiB)";
        refuses("database", "storageSizeGB", 33, [`securepg:database.storageSizeGB ${offered}`]);
        refuses("database", "storageSizeGB", 32768, [`securepg:database.storageSizeGB ${offered}`]);
        refuses("database", "storageSizeGB", "32", ['securepg:database.storageSizeGB must be a number (got "32")']);
    });

    it("booleans are booleans", () => {
        for (const field of ["geoRedundantBackup", "allowReplace", "deleteLock"]) {
            accepts("database", field, true);
            accepts("database", field, false);
            refuses("database", field, "yes", [`securepg:database.${field} must be true or false (got "yes")`]);
        }
        refuses("database", "highAvailability", "yes", ['securepg:database.highAvailability must be true or false (got "yes")']);
        refuses("database", "allowAzureServices", 1, ["securepg:database.allowAzureServices must be true or false (got 1)"], PUBLIC);
    });

    it("whole numbers at both limits: backup retention 7-35, password rotation 1-1000000", () => {
        for (const [field, min, max] of [["backupRetentionDays", 7, 35], ["passwordRotation", 1, 1_000_000]] as const) {
            accepts("database", field, min);
            accepts("database", field, max);
            refuses("database", field, min - 1, [`securepg:database.${field} must be from ${min} to ${max} (got ${min - 1})`]);
            refuses("database", field, max + 1, [`securepg:database.${field} must be from ${min} to ${max} (got ${max + 1})`]);
            refuses("database", field, min + 0.5, [`securepg:database.${field} must be a whole number from ${min} to ${max} (got ${min + 0.5})`]);
            refuses("database", field, "x", [`securepg:database.${field} must be a whole number from ${min} to ${max} (got "x")`]);
        }
    });

    it("allowedIpRanges: public addresses and blocks no wider than a /24", () => {
        const c = run({ "securepg:database": { ...PUBLIC, allowedIpRanges: ["203.0.113.7", "198.51.100.0/24"] } });
        assert.ok(!Array.isArray(c) && c.database.access === "public");
        assert.deepEqual(c.database.allowedIpRanges, [
            { source: "203.0.113.7", block: { ...c.database.allowedIpRanges[0].block, text: "203.0.113.7/32", prefixLength: 32 } },
            { source: "198.51.100.0/24", block: { ...c.database.allowedIpRanges[1].block, text: "198.51.100.0/24", prefixLength: 24 } },
        ]);
        refuses("database", "allowedIpRanges", "x", ['securepg:database.allowedIpRanges must be a list of IPv4 addresses or CIDR blocks (got "x")'], PUBLIC);
        refuses("database", "allowedIpRanges", [5, "1.2.3.4.5", "203.0.113.0/23", "198.51.0.0/16", "0.0.0.0/0", "10.1.0.0/24", "100.64.0.1"], [
            "securepg:database.allowedIpRanges[0] must be an IPv4 address or CIDR string (got 5)",
            'securepg:database.allowedIpRanges[1] "1.2.3.4.5" is not an IPv4 CIDR block like 10.40.0.0/16',
            "securepg:database.allowedIpRanges[2] 203.0.113.0/23 has host bits set; the network address is 203.0.112.0/23",
            "securepg:database.allowedIpRanges[3] 198.51.0.0/16 is wider than a /24; list the office or CI ranges you need",
            "securepg:database.allowedIpRanges[4] 0.0.0.0/0 would open the server to the whole Internet",
            "securepg:database.allowedIpRanges[5] 10.1.0.0/24 touches the private (RFC 1918) range 10.0.0.0/8; the firewall only ever sees public source addresses",
            "securepg:database.allowedIpRanges[6] 100.64.0.1 touches the shared carrier-grade NAT (RFC 6598) range 100.64.0.0/10; the firewall only ever sees public source addresses",
        ], PUBLIC);
    });

    it("adminLogin: a PostgreSQL role name that Azure does not reserve", () => {
        accepts("database", "adminLogin", "a");
        accepts("database", "adminLogin", `A${"b_9".repeat(20)}xy`);
        accepts("database", "adminLogin", "pgowner");
        refuses("database", "adminLogin", 5, ["securepg:database.adminLogin must be a string (got 5)"]);
        for (const bad of ["1abc", "_abc", "ab-c"]) {
            refuses("database", "adminLogin", bad, [`securepg:database.adminLogin must start with a letter and use only letters, digits and _ (at most 63) (got ${JSON.stringify(bad)})`]);
        }
        // Values longer than 60 characters are shortened in messages.
        refuses("database", "adminLogin", `a${"b".repeat(63)}`, [`securepg:database.adminLogin must start with a letter and use only letters, digits and _ (at most 63) (got "a${"b".repeat(55)}...)`]);
        // Azure's reserved names (Microsoft Learn, security-manage-users), any case, and the engine's own role.
        for (const reserved of ["azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public", "postgres", "Admin", "ROOT"]) {
            refuses("database", "adminLogin", reserved, ["securepg:database.adminLogin is a reserved name Azure refuses"]);
        }
        for (const pg of ["pg_owner", "PG_x"]) {
            refuses("database", "adminLogin", pg, ["securepg:database.adminLogin may not start with pg_"]);
        }
    });

    it("databases: distinct names that are not system databases", () => {
        accepts("database", "databases", []);
        accepts("database", "databases", ["app", "_x", "my-db", `a${"b".repeat(62)}`]);
        refuses("database", "databases", "app", ['securepg:database.databases must be a list of database names (got "app")']);
        refuses("database", "databases", [5, "9x", `a${"b".repeat(63)}`], [
            "securepg:database.databases[0] must be a string (letters, digits, _ and -, at most 63, not starting with a digit) (got 5)",
            'securepg:database.databases[1] is not valid: letters, digits, _ and -, at most 63, not starting with a digit (got "9x")',
            `securepg:database.databases[2] is not valid: letters, digits, _ and -, at most 63, not starting with a digit (got "a${"b".repeat(55)}...)`,
        ]);
        for (const system of ["postgres", "azure_maintenance", "azure_sys", "template0", "template1", "Template1"]) {
            refuses("database", "databases", [system], ["securepg:database.databases[0] is a system database name"]);
        }
        refuses("database", "databases", ["App", "app"], ["securepg:database.databases lists app twice"]);
    });

    it("tlsMinVersion: TLSv1.2 or TLSv1.3 only", () => {
        accepts("database", "tlsMinVersion", "TLSv1.2");
        accepts("database", "tlsMinVersion", "TLSv1.3");
        for (const bad of ["TLSv1.0", "TLSv1.1", "TLSv1.4", "tlsv1.2", "1.2"]) {
            refuses("database", "tlsMinVersion", bad, ["securepg:database.tlsMinVersion must be TLSv1.2 or TLSv1.3 (TLS 1.0 and 1.1 are refused by Azure)"]);
        }
        refuses("database", "tlsMinVersion", 5, ["securepg:database.tlsMinVersion must be TLSv1.2 or TLSv1.3 (got 5)"]);
    });
});

describe("VPN settings", () => {
    it("clientAddressPool: a private /29 or larger", () => {
        accepts("vpn", "clientAddressPool", "172.16.201.0/29");
        refuses("vpn", "clientAddressPool", "172.16.201.0/30", ["securepg:vpn.clientAddressPool 172.16.201.0/30 is too small: the P2S client address pool needs /29 or larger"]);
        refuses("vpn", "clientAddressPool", "8.8.8.0/24", [
            "securepg:vpn.clientAddressPool 8.8.8.0/24 is not a private range: the VPN client pool must lie in 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10",
        ]);
    });

    it("sku: an AZ SKU, with the reason for every refusal", () => {
        for (const sku of ["VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"]) {
            accepts("vpn", "sku", sku);
        }
        refuses("vpn", "sku", 5, ["securepg:vpn.sku must be a VPN gateway SKU (got 5)"]);
        refuses("vpn", "sku", "Basic", ["securepg:vpn.sku Basic is not allowed: it has no OpenVPN, IKEv2 or Entra ID and needs a retired Basic public IP"]);
        for (const n of [1, 5]) {
            refuses("vpn", "sku", `VpnGw${n}`, [`securepg:vpn.sku VpnGw${n} is a non-zonal SKU that Azure no longer creates (retired 2026); use VpnGw${n}AZ`]);
        }
        for (const bad of ["VpnGw6", "VpnGw9AZ", "xVpnGw1", "VpnGw1x", "vpngw1az"]) {
            refuses("vpn", "sku", bad, ["securepg:vpn.sku must be one of VpnGw1AZ, VpnGw2AZ, VpnGw3AZ, VpnGw4AZ, VpnGw5AZ"]);
        }
    });

    it("clients and rootCertificates: distinct lowercase names", () => {
        accepts("vpn", "clients", ["alice", "0-bob", `a${"b".repeat(62)}`]);
        refuses("vpn", "clients", ["Alice", "-bob", `a${"b".repeat(63)}`], [
            'securepg:vpn.clients[0] is not valid: lowercase letters, digits and -, at most 63 (got "Alice")',
            'securepg:vpn.clients[1] is not valid: lowercase letters, digits and -, at most 63 (got "-bob")',
            `securepg:vpn.clients[2] is not valid: lowercase letters, digits and -, at most 63 (got "a${"b".repeat(55)}...)`,
        ]);
        refuses("vpn", "clients", "alice", ['securepg:vpn.clients must be a list of client names (got "alice")']);
        refuses("vpn", "clients", ["alice", "alice"], ["securepg:vpn.clients lists alice twice"]);
        accepts("vpn", "rootCertificates", ["r"]);
        accepts("vpn", "rootCertificates", Array.from({ length: 20 }, (_, i) => `root-${i}`));
        refuses("vpn", "rootCertificates", [], ["securepg:vpn.rootCertificates must list 1 to 20 roots (Azure's limit is 20)"]);
        refuses("vpn", "rootCertificates", Array.from({ length: 21 }, (_, i) => `root-${i}`), ["securepg:vpn.rootCertificates must list 1 to 20 roots (Azure's limit is 20)"]);
        refuses("vpn", "rootCertificates", "r", ['securepg:vpn.rootCertificates must be a list of root certificate names (got "r")']);
        refuses("vpn", "rootCertificates", ["R"], ['securepg:vpn.rootCertificates[0] is not valid: lowercase letters, digits and -, at most 63 (got "R")']);
        refuses("vpn", "rootCertificates", ["r", "r"], ["securepg:vpn.rootCertificates lists r twice"]);
    });

    it("clientCertificateValidityDays: 1 to 3650", () => {
        accepts("vpn", "clientCertificateValidityDays", 1);
        accepts("vpn", "clientCertificateValidityDays", 3650);
        refuses("vpn", "clientCertificateValidityDays", 0, ["securepg:vpn.clientCertificateValidityDays must be from 1 to 3650 (got 0)"]);
        refuses("vpn", "clientCertificateValidityDays", 3651, ["securepg:vpn.clientCertificateValidityDays must be from 1 to 3650 (got 3651)"]);
    });
});

describe("VPN authentication settings", () => {
    const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    it("authentication: certificate, entra or both", () => {
        accepts("vpn", "authentication", "certificate");
        accepts("vpn", "authentication", "both");
        accepts("vpn", "authentication", "entra", { clients: [] });
        for (const bad of ["Entra", "aad", "", 1]) {
            refuses("vpn", "authentication", bad, ['securepg:vpn.authentication must be "certificate", "entra" or "both" (got ' + JSON.stringify(bad) + ")"]);
        }
    });

    it("entraAudience: a GUID", () => {
        accepts("vpn", "entraAudience", TENANT.toUpperCase(), { authentication: "both" });
        for (const bad of ["contoso.onmicrosoft.com", `${TENANT}/`, ""]) {
            refuses("vpn", "entraAudience", bad, [`securepg:vpn.entraAudience must be an app id (a GUID) (got ${JSON.stringify(bad)})`], { authentication: "both" });
        }
        refuses("vpn", "entraAudience", 5, ["securepg:vpn.entraAudience must be an app id (a GUID) (got 5)"], { authentication: "both" });
    });
});

describe("database Entra settings", () => {
    const ADMIN = { objectId: "0f0e0d0c-0b0a-4908-8706-050403020100", principalName: "PostgreSQL Admins" };

    it("entraAdmin: an object id, a principal name, and a principal type that defaults to Group", () => {
        const config = run({ "securepg:database": { entraAdmin: ADMIN } }) as StackConfig;
        assert.deepEqual(config.database.entraAdmin, { ...ADMIN, principalType: "Group" });
        for (const principalType of ["User", "ServicePrincipal", "Group"]) {
            accepts("database", "entraAdmin", { ...ADMIN, principalType });
        }
        accepts("database", "entraAdmin", { ...ADMIN, objectId: ADMIN.objectId.toUpperCase(), principalName: "x".repeat(128) });
    });

    it("entraAdmin: each problem at its own path", () => {
        refuses("database", "entraAdmin", { ...ADMIN, objectId: "pg-admins" }, ['securepg:database.entraAdmin.objectId must be the Entra object id (a GUID) (got "pg-admins")']);
        refuses("database", "entraAdmin", { ...ADMIN, principalName: "" }, ['securepg:database.entraAdmin.principalName must not be empty (got "")']);
        refuses("database", "entraAdmin", { ...ADMIN, principalName: "x".repeat(129) }, [`securepg:database.entraAdmin.principalName must be at most 128 characters (got "${"x".repeat(56)}...)`]);
        refuses("database", "entraAdmin", { ...ADMIN, principalType: "group" }, ['securepg:database.entraAdmin.principalType must be "Group", "User" or "ServicePrincipal" (got "group")']);
        refuses("database", "entraAdmin", { objectId: ADMIN.objectId }, ["securepg:database.entraAdmin.principalName must be the group's display name, a user's UPN or an app's display name (got undefined)"]);
        refuses("database", "entraAdmin", { ...ADMIN, tenantId: ADMIN.objectId }, ["securepg:database.entraAdmin has unknown settings: tenantId (known: objectId, principalName, principalType)"]);
        refuses("database", "entraAdmin", { ...ADMIN, tenantId: ADMIN.objectId, name: "x" }, ["securepg:database.entraAdmin has unknown settings: tenantId, name (known: objectId, principalName, principalType)"]);
        refuses("database", "entraAdmin", "pg-admins", ['securepg:database.entraAdmin must be an object { objectId, principalName, principalType } (got "pg-admins")']);
    });

    it("passwordAuth: a boolean, and false only with an Entra administrator", () => {
        accepts("database", "passwordAuth", true);
        accepts("database", "passwordAuth", false, { entraAdmin: ADMIN });
        refuses("database", "passwordAuth", "false", ['securepg:database.passwordAuth must be true or false (got "false")']);
        refuses("database", "passwordAuth", false, ["securepg:database.passwordAuth is false without securepg:database.entraAdmin: nobody could sign in to the server"]);
        assert.equal((run({}) as StackConfig).database.passwordAuth, undefined, "unset: decided against what is deployed");
    });
});

describe("monitoring settings", () => {
    const WORKSPACE = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/log-central";

    it("retentionInDays: Azure's 30 to 730 days", () => {
        accepts("monitoring", "retentionInDays", 30);
        accepts("monitoring", "retentionInDays", 730);
        refuses("monitoring", "retentionInDays", 29, ["securepg:monitoring.retentionInDays must be from 30 to 730 (got 29)"]);
        refuses("monitoring", "retentionInDays", 731, ["securepg:monitoring.retentionInDays must be from 30 to 730 (got 731)"]);
        refuses("monitoring", "retentionInDays", 90.5, ["securepg:monitoring.retentionInDays must be a whole number from 30 to 730 (got 90.5)"]);
    });

    it("workspaceId: a Log Analytics workspace resource id, in any case Azure writes it, read into its parts", () => {
        accepts("monitoring", "workspaceId", WORKSPACE);
        assert.deepEqual((run({ "securepg:monitoring": { workspaceId: WORKSPACE } }) as StackConfig).monitoring.existingWorkspace, {
            id: WORKSPACE, subscriptionId: "00000000-0000-0000-0000-000000000000", resourceGroupName: "rg-logs", workspaceName: "log-central",
        });
        assert.equal((run({}) as StackConfig).monitoring.existingWorkspace, undefined);
        accepts("monitoring", "workspaceId", WORKSPACE.toLowerCase());
        const rule = "must be a Log Analytics workspace resource id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>";
        for (const bad of ["log-central", `${WORKSPACE}/`, WORKSPACE.replace("OperationalInsights", "Insights"), WORKSPACE.replace("log-central", "-log"), WORKSPACE.replace("log-central", "lo")]) {
            const got = JSON.stringify(bad).length > 60 ? `${JSON.stringify(bad).slice(0, 57)}...` : JSON.stringify(bad);
            refuses("monitoring", "workspaceId", bad, [`securepg:monitoring.workspaceId ${rule} (got ${got})`]);
        }
    });

    it("alertEmails: a list of distinct addresses", () => {
        accepts("monitoring", "alertEmails", []);
        accepts("monitoring", "alertEmails", ["ops@example.com", "dba@example.org"]);
        refuses("monitoring", "alertEmails", ["ops"], ['securepg:monitoring.alertEmails[0] must be an email address (got "ops")']);
        refuses("monitoring", "alertEmails", ["a@example.com", "A@example.com"], ["securepg:monitoring.alertEmails lists A@example.com twice"]);
        refuses("monitoring", "alertEmails", "ops@example.com", ['securepg:monitoring.alertEmails must be a list of email addresses (got "ops@example.com")']);
    });

    it("diagnostics: a boolean, on by default", () => {
        assert.equal((run({}) as StackConfig).monitoring.diagnostics, true);
        refuses("monitoring", "diagnostics", "off", ['securepg:monitoring.diagnostics must be true or false (got "off")']);
    });
});

describe("proxy settings", () => {
    it("vmSize, port, adminUsername and sshPublicKey", () => {
        accepts("proxy", "vmSize", "Standard_D2as_v5");
        refuses("proxy", "vmSize", "B2", ['securepg:proxy.vmSize is not valid: an Azure VM size like Standard_B2ats_v2 (got "B2")']);
        accepts("proxy", "port", 1);
        accepts("proxy", "port", 65535);
        accepts("proxy", "port", 23);
        refuses("proxy", "port", 0, ["securepg:proxy.port must be from 1 to 65535 (got 0)"]);
        refuses("proxy", "port", 65536, ["securepg:proxy.port must be from 1 to 65535 (got 65536)"]);
        refuses("proxy", "port", 22, ["securepg:proxy.port may not be 22, which SSH uses on the proxy"]);
        accepts("proxy", "adminUsername", "_ops-1");
        accepts("proxy", "adminUsername", `a${"b".repeat(31)}`);
        // Names starting with a digit (Azure's reserved "1" and "123" among them) are refused by the pattern.
        for (const bad of ["Admin", "1ops", "123", `a${"b".repeat(32)}`]) {
            refuses("proxy", "adminUsername", bad, [`securepg:proxy.adminUsername is not valid: a Linux user name: lowercase letters, digits, _ and -, at most 32 (got ${JSON.stringify(bad)})`]);
        }
        // Azure's list for Linux VMs (Microsoft Learn, Linux VM FAQ: username requirements).
        for (const reserved of ["administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1", "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john", "owner", "root", "server", "sql", "support", "support_388945a0", "sys", "test2", "test3", "user4", "user5"]) {
            refuses("proxy", "adminUsername", reserved, ["securepg:proxy.adminUsername is a user name Azure refuses for Linux VMs"]);
        }
        accepts("proxy", "sshPublicKey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB+x/y= ops@laptop");
        accepts("proxy", "sshPublicKey", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ==");
        refuses("proxy", "sshPublicKey", 5, ["securepg:proxy.sshPublicKey must be an OpenSSH public key (got 5)"]);
        for (const bad of ["ssh-dss AAAA", "x ssh-rsa AAAA", "ssh-rsa AAAA\nssh-rsa BBBB", "ssh-rsa AA=A"]) {
            refuses("proxy", "sshPublicKey", bad, [`securepg:proxy.sshPublicKey must be one OpenSSH ssh-rsa or ssh-ed25519 public key line (got ${JSON.stringify(bad)})`]);
        }
    });

    it("instances: 1 to 3, one per availability zone", () => {
        accepts("proxy", "instances", 1);
        accepts("proxy", "instances", 3);
        refuses("proxy", "instances", 0, ["securepg:proxy.instances must be from 1 to 3 (got 0)"]);
        refuses("proxy", "instances", 4, ["securepg:proxy.instances must be from 1 to 3: one proxy per availability zone, so that Azure never patches or maintains two at once (got 4)"]);
        refuses("proxy", "instances", 1.5, ["securepg:proxy.instances must be a whole number from 1 to 3 (got 1.5)"]);
    });

    it("timeouts and keepalives at both limits", () => {
        for (const [field, min, max] of [
            ["idleTimeoutSeconds", 1, 604_800], ["connectTimeoutSeconds", 1, 60], ["resolverValidSeconds", 1, 300],
            ["keepaliveIntervalSeconds", 1, 120], ["keepaliveProbes", 1, 20],
        ] as const) {
            accepts("proxy", field, min, field === "idleTimeoutSeconds" ? { keepaliveIdleSeconds: 1 } : {});
            accepts("proxy", field, max);
            refuses("proxy", field, min - 1, [`securepg:proxy.${field} must be from ${min} to ${max} (got ${min - 1})`]);
            refuses("proxy", field, max + 1, [`securepg:proxy.${field} must be from ${min} to ${max} (got ${max + 1})`]);
            refuses("proxy", field, 1.5, [`securepg:proxy.${field} must be a whole number from ${min} to ${max} (got 1.5)`]);
        }
        accepts("proxy", "keepaliveIdleSeconds", 239);
        refuses("proxy", "keepaliveIdleSeconds", 240, ["securepg:proxy.keepaliveIdleSeconds must be below 240 s, the idle time after which Azure drops a TCP flow (got 240)"]);
        refuses("proxy", "keepaliveIdleSeconds", 0, ["securepg:proxy.keepaliveIdleSeconds must be from 1 to 239 (got 0)"]);
    });
});

describe("top-level settings", () => {
    it("location, environment and protect", () => {
        assert.deepEqual(run({ "azure-native:location": "5" }), ['azure-native:location must be an Azure region name like westeurope (lowercase, no spaces) (got "5")']);
        assert.deepEqual(run({ "azure-native:location": "West Europe" }), ['azure-native:location must be an Azure region name like westeurope (lowercase, no spaces) (got "West Europe")']);
        assert.deepEqual(run({ "securepg:environment": "test" }), ['securepg:environment must be "dev" or "prod" (got "test")']);
        assert.deepEqual(run({ "securepg:protect": "maybe" }), ['securepg:protect must be true or false (got "maybe")']);
        const c = run({ "securepg:environment": "prod" }, "staging");
        assert.ok(!Array.isArray(c));
        assert.equal(c.environment, "prod");
    });
});
