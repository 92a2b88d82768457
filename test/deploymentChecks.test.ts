/**
 * Changes Azure or Pulumi would stop halfway, refused before any resource: a gateway SKU of another
 * generation, deletes blocked by the lock or by protect; and the storage floor, judged by the real
 * program with a previous deployment's outputs (the pure rules: lifecycleRules.test.ts).
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { runProgram, type ProgramRun } from "./harness/program";
import { loadStackFile, withSections } from "./harness/stackFiles";

describe("the program refuses them before any resource", () => {
    const dev = loadStackFile("Pulumi.dev.yaml");
    const prod = loadStackFile("Pulumi.prod.yaml");
    const refused = (run: ProgramRun, pattern: RegExp) => {
        assert.ok(run.error, "the deployment went ahead");
        assert.match(run.error.message, /^refusing to deploy; nothing was changed:/);
        assert.match(run.error.message, pattern);
        assert.equal(run.resources.length, 0, "nothing registered");
    };

    it("VpnGw4AZ on a Generation1 gateway", async () => {
        const first = await runProgram({ stack: "dev", config: dev.config });
        const run = await runProgram({ stack: "dev", config: withSections(dev.config, { vpn: { sku: "VpnGw4AZ" } }), previousOutputs: first.outputs });
        refused(run, /securepg:vpn\.sku VpnGw4AZ is not offered in Generation1/);
    });

    it("removing an allowlist entry while the server is locked, then not once the lock was lifted", async () => {
        const ranges = { access: "public", allowedIpRanges: ["203.0.113.7", "198.51.100.0/28"] };
        const first = await runProgram({ stack: "prod", config: withSections(prod.config, { database: ranges }) });
        assert.deepEqual(first.outputs.firewallRuleNames, ["allow-203-0-113-7-32", "allow-198-51-100-0-28", "allow-proxy-nat-egress"]);
        const fewer = withSections(prod.config, { database: { ...ranges, allowedIpRanges: ["203.0.113.7"] } });
        refused(await runProgram({ stack: "prod", config: fewer, previousOutputs: first.outputs }), /firewall rule allow-198-51-100-0-28 is blocked by the server's CanNotDelete lock/);
        const unlocked = await runProgram({ stack: "prod", config: withSections(prod.config, { database: { ...ranges, deleteLock: false } }), previousOutputs: first.outputs });
        assert.equal(unlocked.error, undefined, unlocked.error?.message);
        const then = await runProgram({ stack: "prod", config: withSections(fewer, { database: { ...ranges, allowedIpRanges: ["203.0.113.7"], deleteLock: false } }), previousOutputs: unlocked.outputs });
        assert.equal(then.error, undefined, then.error?.message);
    });

    it("dropping a protected prod database", async () => {
        const first = await runProgram({ stack: "prod", config: withSections(prod.config, { database: { databases: ["app", "audit"] } }) });
        refused(await runProgram({ stack: "prod", config: prod.config, previousOutputs: first.outputs }), /removing database audit deletes it and the data/);
    });
});
