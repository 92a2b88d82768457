/** Regions with and without availability zones: what the program plans in each, said before any resource. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { closestRegions, POSTGRES_NO_ZONE_REDUNDANT_HA, regionZones, REGIONS_WITH_ZONES, REGIONS_WITHOUT_ZONES, zonePlan } from "../lib/regions";
import { parseStackConfig, StackConfigError } from "../stacks";
import { one, runProgram } from "./harness/program";

describe("region table", () => {
    it("is two disjoint lists of programmatic names", () => {
        const all = [...REGIONS_WITH_ZONES, ...REGIONS_WITHOUT_ZONES];
        assert.equal(new Set(all).size, all.length);
        for (const region of all) {
            assert.match(region, /^[a-z][a-z0-9]+$/);
        }
        assert.ok(REGIONS_WITH_ZONES.length >= 35 && REGIONS_WITHOUT_ZONES.length >= 15);
    });

    it("knows the regions the reviews named", () => {
        assert.equal(regionZones("westeurope"), "zones");
        assert.equal(regionZones("ukwest"), "no-zones");
        assert.equal(regionZones("australiasoutheast"), "no-zones");
        assert.equal(regionZones("mars"), "unknown");
        assert.deepEqual(closestRegions("westeurpoe", 1), ["westeurope"]);
    });

    it("refuses an unknown region with the closest names and where the table comes from", () => {
        assert.throws(() => parseStackConfig({ project: "securepg", stack: "dev", values: { "azure-native:location": "westeurpoe" } }), (error: unknown) => {
            assert.ok(error instanceof StackConfigError);
            assert.match(error.message, /westeurpoe is not an Azure region securepg knows \(did you mean westeurope/);
            assert.match(error.message, /from https:\/\/learn\.microsoft\.com\/azure\/reliability\/regions-list \(\d{4}-\d{2}-\d{2}\)/);
            return true;
        });
    });

    it("plans zone-redundant IPs and HA where the region has zones, regional ones elsewhere", () => {
        assert.deepEqual(zonePlan("westeurope"), { regionHasZones: true, gatewayPublicIpZones: ["1", "2", "3"], highAvailabilityMode: "ZoneRedundant" });
        assert.deepEqual(zonePlan("ukwest"), { regionHasZones: false, gatewayPublicIpZones: undefined, highAvailabilityMode: "SameZone" });
        for (const region of POSTGRES_NO_ZONE_REDUNDANT_HA) {
            assert.equal(zonePlan(region).highAvailabilityMode, "SameZone");
            assert.deepEqual(zonePlan(region).gatewayPublicIpZones, ["1", "2", "3"]);
        }
    });
});

describe("a prod stack in a region without zones", () => {
    const values = { "azure-native:location": "ukwest" };

    it("is planned regionally, and the warning names what changed and the setting", () => {
        const config = parseStackConfig({ project: "securepg", stack: "prod", values });
        assert.equal(config.zones.regionHasZones, false);
        const warning = config.warnings.find((w) => w.startsWith("azure-native:location ukwest has no availability zones"));
        assert.ok(warning, config.warnings.join("\n"));
        assert.match(warning, /regional public IP with no zones/);
        assert.match(warning, /securepg:database\.highAvailability is planned as SameZone HA/);
    });

    it("registers a zoneless gateway IP and SameZone HA", async () => {
        const run = await runProgram({ stack: "prod", config: values });
        assert.equal(run.error, undefined, run.error?.message);
        assert.equal(one(run, "azure-native:network:PublicIPAddress", "vpn-public-ip").inputs.zones, undefined);
        assert.equal(one(run, "azure-native:dbforpostgresql:Server").inputs.highAvailability.mode, "SameZone");
        assert.match(one(run, "azure-native:network:VirtualNetworkGateway").inputs.sku.name, /AZ$/, "AZ SKUs are what Azure creates, regionally here");
        assert.ok(run.warnings.some((w) => w.includes("ukwest has no availability zones")));
    });

    it("in a zonal region keeps zone-redundant IPs and HA, with no zone warning", async () => {
        const run = await runProgram({ stack: "prod", config: { "azure-native:location": "westeurope" } });
        assert.deepEqual(one(run, "azure-native:network:PublicIPAddress", "vpn-public-ip").inputs.zones, ["1", "2", "3"]);
        assert.equal(one(run, "azure-native:dbforpostgresql:Server").inputs.highAvailability.mode, "ZoneRedundant");
        assert.ok(!run.warnings.some((w) => w.includes("availability zones")));
    });

    it("japanwest has zones but no zone-redundant Flexible Server HA: SameZone, said so", async () => {
        const run = await runProgram({ stack: "prod", config: { "azure-native:location": "japanwest" } });
        assert.equal(one(run, "azure-native:dbforpostgresql:Server").inputs.highAvailability.mode, "SameZone");
        assert.ok(run.warnings.some((w) => w.includes("no zone-redundant HA in japanwest")), run.warnings.join("\n"));
    });
});
