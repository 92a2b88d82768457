/**
 * Bad configurations fed to the real program the way the engine feeds them: each must stop the
 * program before a single resource is registered, with a message that names the offending key.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { runProgram } from "./harness/program";

const location = { "azure-native:location": "westeurope" };
const j = (value: unknown) => JSON.stringify(value);

interface BadCase {
    readonly what: string;
    readonly stack?: string;
    readonly config: Record<string, string>;
    /** The key path the message must name, and optionally more of the message. */
    readonly key: string;
    readonly mentions?: RegExp;
}

const cases: BadCase[] = [
    { what: "no region", config: {}, key: "azure-native:location", mentions: /is not set/ },
    { what: "region with spaces", config: { "azure-native:location": "West Europe" }, key: "azure-native:location" },
    { what: "subnet outside the address space", config: { ...location, "securepg:network": j({ proxySubnet: "10.9.1.0/24" }) }, key: "securepg:network.proxySubnet", mentions: /10\.9\.1\.0\/24 is outside addressSpace 10\.40\.0\.0\/16/ },
    { what: "gateway subnet smaller than /27", config: { ...location, "securepg:network": j({ gatewaySubnet: "10.40.0.0/28" }) }, key: "securepg:network.gatewaySubnet", mentions: /\/27 or larger/ },
    { what: "overlapping subnets", config: { ...location, "securepg:network": j({ databaseSubnet: "10.40.1.128/25" }) }, key: "securepg:network.databaseSubnet", mentions: /overlaps proxySubnet/ },
    { what: "public VNet address space", config: { ...location, "securepg:network": j({ addressSpace: "20.40.0.0/16" }) }, key: "securepg:network.addressSpace", mentions: /not a private range/ },
    { what: "malformed CIDR", config: { ...location, "securepg:network": j({ addressSpace: "10.40.0.0/16x" }) }, key: "securepg:network.addressSpace" },
    { what: "CIDR with host bits", config: { ...location, "securepg:network": j({ proxySubnet: "10.40.1.7/24" }) }, key: "securepg:network.proxySubnet", mentions: /host bits/ },
    { what: "unknown access mode", config: { ...location, "securepg:database": j({ access: "private" }) }, key: "securepg:database.access" },
    { what: "unsupported PostgreSQL version", config: { ...location, "securepg:database": j({ version: "19" }) }, key: "securepg:database.version" },
    { what: "backup retention below 7 days", config: { ...location, "securepg:database": j({ backupRetentionDays: 3 }) }, key: "securepg:database.backupRetentionDays", mentions: /got 3/ },
    { what: "0.0.0.0/0 in the allowlist", config: { ...location, "securepg:database": j({ access: "public", allowedIpRanges: ["0.0.0.0/0"] }) }, key: "securepg:database.allowedIpRanges[0]", mentions: /whole Internet/ },
    { what: "private range in the allowlist", config: { ...location, "securepg:database": j({ access: "public", allowedIpRanges: ["203.0.113.9", "10.0.0.0/8"] }) }, key: "securepg:database.allowedIpRanges[1]", mentions: /private/ },
    { what: "allowlist in vnet mode", config: { ...location, "securepg:database": j({ allowedIpRanges: ["203.0.113.9"] }) }, key: "securepg:database.allowedIpRanges", mentions: /only to access: "public"/ },
    { what: "allowAzureServices in vnet mode", config: { ...location, "securepg:database": j({ allowAzureServices: true }) }, key: "securepg:database.allowAzureServices" },
    { what: "reserved admin login", config: { ...location, "securepg:database": j({ adminLogin: "azure_superuser" }) }, key: "securepg:database.adminLogin", mentions: /reserved/ },
    { what: "admin login starting with pg_", config: { ...location, "securepg:database": j({ adminLogin: "pg_owner" }) }, key: "securepg:database.adminLogin", mentions: /pg_/ },
    { what: "HA on Burstable", config: { ...location, "securepg:database": j({ highAvailability: true }) }, key: "securepg:database.highAvailability", mentions: /Burstable/ },
    { what: "storage size Azure does not offer", config: { ...location, "securepg:database": j({ storageSizeGB: 20 }) }, key: "securepg:database.storageSizeGB" },
    { what: "SKU from another tier", config: { ...location, "securepg:database": j({ skuName: "Standard_D2ds_v5" }) }, key: "securepg:database.skuName", mentions: /tier Burstable/ },
    { what: "server named like the private DNS zone", config: { ...location, "securepg:database": j({ serverName: "securepg-dev" }) }, key: "securepg:database.serverName", mentions: /private DNS zone/ },
    { what: "system database name", config: { ...location, "securepg:database": j({ databases: ["app", "postgres"] }) }, key: "securepg:database.databases[1]" },
    { what: "VPN pool overlapping the VNet", config: { ...location, "securepg:vpn": j({ clientAddressPool: "10.40.200.0/24" }) }, key: "securepg:vpn.clientAddressPool", mentions: /overlaps the VNet/ },
    { what: "Basic VPN gateway", config: { ...location, "securepg:vpn": j({ sku: "Basic" }) }, key: "securepg:vpn.sku", mentions: /Basic/ },
    { what: "non-zonal VPN gateway SKU", config: { ...location, "securepg:vpn": j({ sku: "VpnGw2" }) }, key: "securepg:vpn.sku", mentions: /VpnGw2AZ/ },
    { what: "duplicate VPN client names", config: { ...location, "securepg:vpn": j({ clients: ["alice", "bob", "alice"] }) }, key: "securepg:vpn.clients", mentions: /twice/ },
    { what: "proxy port out of range", config: { ...location, "securepg:proxy": j({ port: 70000 }) }, key: "securepg:proxy.port" },
    { what: "keepalive slower than Azure's idle timeout", config: { ...location, "securepg:proxy": j({ keepaliveIdleSeconds: 300 }) }, key: "securepg:proxy.keepaliveIdleSeconds", mentions: /240/ },
    { what: "misspelled setting inside a section", config: { ...location, "securepg:proxy": j({ vmsize: "Standard_B2ats_v2" }) }, key: "securepg:proxy.vmsize", mentions: /not a known setting/ },
    { what: "misspelled top-level key", config: { ...location, "securepg:databse": j({}) }, key: "securepg:databse", mentions: /not a known setting/ },
    { what: "section that is not an object", config: { ...location, "securepg:database": "vnet" }, key: "securepg:database", mentions: /object of settings/ },
    { what: "stack without an environment", stack: "staging", config: { ...location }, key: "securepg:environment" },
    { what: "misspelled region", config: { "azure-native:location": "westeurpoe" }, key: "azure-native:location", mentions: /not an Azure region securepg knows \(did you mean westeurope/ },
    { what: "stack name with nothing to name resources after", stack: "___", config: { ...location, "securepg:environment": "dev" }, key: "(stack name)", mentions: /no letters or digits/ },
    { what: "server name with a double hyphen", config: { ...location, "securepg:database": j({ serverName: "psql--app" }) }, key: "securepg:database.serverName" },
    { what: "TLS 1.0", config: { ...location, "securepg:database": j({ tlsMinVersion: "TLSv1.0" }) }, key: "securepg:database.tlsMinVersion", mentions: /TLSv1\.2 or TLSv1\.3/ },
    { what: "TLS 1.1", config: { ...location, "securepg:database": j({ tlsMinVersion: "TLSv1.1" }) }, key: "securepg:database.tlsMinVersion" },
    { what: "proxy on SSH's port", config: { ...location, "securepg:proxy": j({ port: 22 }) }, key: "securepg:proxy.port", mentions: /SSH/ },
];

describe("bad configuration stops the program before any resource", () => {
    it("covers at least 15 distinct configurations", () => {
        assert.ok(cases.length >= 15);
        assert.equal(new Set(cases.map((c) => JSON.stringify([c.stack, c.config]))).size, cases.length);
    });

    for (const bad of cases) {
        it(bad.what, async () => {
            const run = await runProgram({ stack: bad.stack ?? "dev", config: bad.config });
            assert.ok(run.error, "the program did not fail");
            assert.equal(run.resources.length, 0, `registered ${run.resources.map((r) => r.type).join(", ")}`);
            const lines = run.error.message.split("\n").filter((l) => l.startsWith("  - "));
            const line = lines.find((l) => l.startsWith(`  - ${bad.key} `));
            assert.ok(line, `no problem names ${bad.key}:\n${run.error.message}`);
            if (bad.mentions) {
                assert.match(line, bad.mentions);
            }
            assert.match(run.error.message, /nothing was deployed/);
        });
    }

    it("lists several problems of one stack together", async () => {
        const run = await runProgram({
            stack: "dev",
            config: { "securepg:database": j({ backupRetentionDays: 99 }), "securepg:vpn": j({ sku: "Basic" }) },
        });
        assert.match(run.error?.message ?? "", /3 problems/);
        assert.equal(run.resources.length, 0);
    });
});
