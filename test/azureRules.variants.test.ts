/**
 * Azure's own rules (lib/azureRules.ts) against generated variants of the real program: long stack
 * names, regions with and without zones, both access modes, every gateway SKU, any proxy port. Kept
 * apart from test/azureRules.test.ts (stack files and broken copies), which is fast enough to run
 * first for every mutant of the rules.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { checkAzureRequests } from "../lib/azureRules";
import { REGIONS_WITH_ZONES, REGIONS_WITHOUT_ZONES } from "../lib/regions";
import { VPN_SKUS } from "../stacks/fields";
import { runProgram } from "./harness/program";
import { propertyRuns } from "./harness/tools";
import { describeAll, requests } from "./harness/azureRequests";

describe("generated variants pass Azure's rules", () => {
    const j = JSON.stringify;
    const variant = fc.record({
        stack: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,99}$/).filter((s) => /[a-z0-9]/.test(s)),
        environment: fc.constantFrom("dev", "prod"),
        location: fc.constantFrom(...REGIONS_WITH_ZONES, ...REGIONS_WITHOUT_ZONES),
        access: fc.constantFrom("vnet", "public"),
        sku: fc.constantFrom(...VPN_SKUS),
        port: fc.integer({ min: 1024, max: 65535 }),
        ranges: fc.subarray(["203.0.113.7", "198.51.100.0/28", "192.0.2.0/24"]),
        allowAzureServices: fc.boolean(),
        databases: fc.uniqueArray(fc.stringMatching(/^[a-z_][a-z0-9_-]{0,20}$/).filter((d) => !["postgres", "template0", "template1", "azure_sys", "azure_maintenance"].includes(d)), { minLength: 1, maxLength: 3 }),
    });

    it(`for ${propertyRuns(30)} of them`, async () => {
        await fc.assert(fc.asyncProperty(variant, async (v) => {
            const config: Record<string, string> = {
                "azure-native:location": v.location,
                "securepg:environment": v.environment,
                "securepg:database": j({ access: v.access, databases: v.databases, ...(v.access === "public" ? { allowedIpRanges: v.ranges, allowAzureServices: v.allowAzureServices } : {}) }),
                "securepg:vpn": j({ sku: v.sku, clients: ["c1"] }),
                "securepg:proxy": j({ port: v.port }),
            };
            const run = await runProgram({ stack: v.stack, config });
            assert.equal(run.error, undefined, run.error?.message);
            assert.equal(describeAll(checkAzureRequests(requests(run))), "", `variant ${j(v)}`);
        }), { numRuns: propertyRuns(30) });
    });
});
