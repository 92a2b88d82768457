/**
 * The pure rules of what a later deployment must respect (lib/lifecycle.ts) and how the previous
 * deployment is read back (stacks/deployed.ts): the storage floor, the gateway generation, deletes
 * blocked by the lock or by protect. Kept apart from the program runs in deploymentChecks.test.ts
 * so that they run in a second.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { auditChanges, blockedRemovals, gatewaySkuProblem, generationForNewGateway, GENERATION_SKUS, plannedStorageSize } from "../lib/lifecycle";

describe("plannedStorageSize", () => {
    it("sends the configured size unless the server already has more", () => {
        assert.deepEqual(plannedStorageSize(128, undefined), { sizeGB: 128, warning: undefined });
        assert.deepEqual(plannedStorageSize(128, 128), { sizeGB: 128, warning: undefined });
        assert.deepEqual(plannedStorageSize(512, 256), { sizeGB: 512, warning: undefined });
        const grown = plannedStorageSize(128, 256);
        assert.equal(grown.sizeGB, 256);
        assert.equal(grown.warning, "securepg:database.storageSizeGB is 128 GiB but the server already has 256 GiB (storage auto-grow, or an earlier " +
            "larger setting); storage never shrinks, so the server keeps 256 GiB. Set storageSizeGB to 256 or more to silence this.");
    });
});

describe("gateway generation", () => {
    it("creates VpnGw1AZ as Generation1 and every other AZ SKU as Generation2", () => {
        assert.equal(generationForNewGateway("VpnGw1AZ"), "Generation1");
        for (const sku of ["VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"]) {
            assert.equal(generationForNewGateway(sku), "Generation2", sku);
            assert.ok(GENERATION_SKUS.Generation2.includes(sku));
        }
        assert.ok(!GENERATION_SKUS.Generation2.includes("VpnGw1AZ") && !GENERATION_SKUS.Generation1.includes("VpnGw4AZ"));
    });

    it("refuses resizing across generations, and nothing else", () => {
        const gen1 = { sku: "VpnGw1AZ", generation: "Generation1" };
        assert.equal(gatewaySkuProblem(undefined, "VpnGw5AZ"), undefined, "a new gateway can be anything");
        assert.equal(gatewaySkuProblem(gen1, "VpnGw1AZ"), undefined);
        assert.equal(gatewaySkuProblem(gen1, "VpnGw3AZ"), undefined);
        assert.equal(gatewaySkuProblem(gen1, "VpnGw4AZ"), "VpnGw4AZ is not offered in Generation1, and the deployed gateway (VpnGw1AZ) is Generation1: " +
            "Azure resizes a gateway only within its generation and cannot change the generation in place. Choose one of VpnGw1AZ, VpnGw2AZ, VpnGw3AZ " +
            "(Microsoft is migrating gateways to Generation2; after that, `pulumi refresh` and try again).");
        const migrated = { sku: "VpnGw2AZ", generation: "Generation2" };
        assert.equal(gatewaySkuProblem(migrated, "VpnGw5AZ"), undefined);
        assert.equal(gatewaySkuProblem(migrated, "VpnGw1AZ"), "VpnGw1AZ is not offered in Generation2, and the deployed gateway (VpnGw2AZ) is Generation2: " +
            "Azure resizes a gateway only within its generation and cannot change the generation in place. Choose one of VpnGw2AZ, VpnGw3AZ, VpnGw4AZ, VpnGw5AZ.");
        assert.equal(gatewaySkuProblem({ sku: "VpnGw1AZ", generation: "Generation3" }, "VpnGw5AZ"), undefined, "an unknown generation: leave it to Azure");
        assert.equal(gatewaySkuProblem({ sku: "VpnGw1AZ", generation: "Generation2" }, "VpnGw1AZ"), undefined, "what Azure migrated stays as it is");
    });
});

describe("blockedRemovals", () => {
    const previous = (protect: boolean, deleteLock: boolean) => ({ protection: { protect, deleteLock }, firewallRuleNames: ["allow-a", "allow-b"], databaseNames: ["app", "audit"] });

    it("refuses removing a firewall rule under the lock, a database under protect or the lock", () => {
        const locked = blockedRemovals({ previous: previous(true, true), firewallRuleNames: ["allow-a"], databaseNames: ["app"] });
        assert.equal(locked.length, 2);
        assert.match(locked[0], /firewall rule allow-b is blocked by the server's CanNotDelete lock.*deleteLock false/);
        assert.match(locked[1], /database audit .*securepg:protect false and securepg:database\.deleteLock false/);
        assert.match(locked[1], /still has Pulumi protect and the CanNotDelete lock\./);
    });

    it("lets them go once an earlier update lifted the lock and protect, and lets additions through", () => {
        assert.deepEqual(blockedRemovals({ previous: previous(false, false), firewallRuleNames: [], databaseNames: [] }), []);
        assert.deepEqual(blockedRemovals({ previous: previous(true, true), firewallRuleNames: ["allow-a", "allow-b", "allow-c"], databaseNames: ["app", "audit", "new"] }), []);
        assert.deepEqual(blockedRemovals({ previous: previous(true, false), firewallRuleNames: ["allow-a"], databaseNames: ["app", "audit"] }), [],
            "protect alone does not block a rule: rules are not protected");
        assert.deepEqual(blockedRemovals({ previous: { firewallRuleNames: ["x"] }, firewallRuleNames: [], databaseNames: [] }), [], "no protection known: nothing to say");
        assert.deepEqual(blockedRemovals({ previous: { protection: { protect: true, deleteLock: true } }, firewallRuleNames: [], databaseNames: [] }), [],
            "an older deployment that exported no rules or databases: nothing known to be removed");
    });

    it("names every removal, in the plural where there are several", () => {
        const [rules, databases] = blockedRemovals({ previous: previous(false, true), firewallRuleNames: [], databaseNames: [] });
        assert.match(rules, /^removing firewall rules allow-a, allow-b is blocked by the server's CanNotDelete lock \(ScopeLocked\)\. First run an update with securepg:database\.deleteLock false/);
        assert.match(databases, /^removing databases app, audit deletes them and the data, and the deployed stack still has the CanNotDelete lock\. After a backup, first run an update with securepg:database\.deleteLock false and/);
        const [one] = blockedRemovals({ previous: previous(true, false), firewallRuleNames: ["allow-a", "allow-b"], databaseNames: ["app"] });
        assert.match(one, /^removing database audit deletes it and the data, and the deployed stack still has Pulumi protect\. After a backup, first run an update with securepg:protect false and the databases/);
    });
});

describe("auditChanges", () => {
    const OWN = "/subscriptions/s/resourceGroups/rg-securepg-prod/providers/Microsoft.OperationalInsights/workspaces/log-securepg-prod";
    const SHARED = "/subscriptions/s/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/log-central";
    const names = { workspaceName: "log-securepg-prod", resourceGroup: "rg-securepg-prod" };
    const change = (auditWorkspaceId: string | undefined, protect: boolean, deleteLock: boolean, diagnostics: boolean, createsWorkspace: boolean) =>
        auditChanges({ previous: { auditWorkspaceId, protection: { protect, deleteLock } }, diagnostics, createsWorkspace, ...names });
    const LOCK = "securepg:monitoring.diagnostics false deletes the server's diagnostic setting, which the server's CanNotDelete lock blocks (ScopeLocked). " +
        "First run an update with securepg:database.deleteLock false and diagnostics still on (it removes the lock), then turn diagnostics off, then the lock back on.";

    it("nothing when nothing was deployed, or when the trail stays", () => {
        assert.deepEqual(change(undefined, true, true, false, false), { problems: [], warnings: [] });
        assert.deepEqual(change(OWN, true, true, true, true), { problems: [], warnings: [] });
        assert.deepEqual(change(SHARED, true, true, true, false), { problems: [], warnings: [] }, "an existing workspace stays in use");
        assert.deepEqual(change(SHARED, false, false, true, true), { problems: [], warnings: [] }, "moving from a shared workspace to its own deletes nothing");
    });

    it("turning diagnostics off under the server's lock is refused, with the steps", () => {
        assert.deepEqual(change(SHARED, false, true, false, false), { problems: [LOCK], warnings: [] });
        assert.deepEqual(change(SHARED, true, false, false, false), { problems: [], warnings: [] }, "protect alone does not stop deleting a setting");
    });

    it("deleting the stack's own workspace: refused while protected, a warning otherwise", () => {
        const protectedProblem = /^turning diagnostics off deletes the stack's audit workspace log-securepg-prod and the logs in it, which Pulumi protect keeps\. Export/;
        const off = change(OWN, true, true, false, false);
        assert.equal(off.problems.length, 2);
        assert.equal(off.problems[0], LOCK);
        assert.match(off.problems[1], protectedProblem);
        assert.match(change(OWN, true, false, true, false).problems[0], /^using another workspace deletes the stack's audit workspace log-securepg-prod/);
        assert.deepEqual(change(OWN, false, false, false, false), {
            problems: [], warnings: ["turning diagnostics off deletes the stack's audit workspace log-securepg-prod and the logs in it (Azure keeps a deleted workspace recoverable for 14 days)"],
        });
        assert.deepEqual(change(OWN.toLowerCase(), false, false, true, false).warnings.length, 1, "Azure's casing of the id");
        assert.deepEqual(change(OWN.replace("rg-securepg-prod", "rg-other"), true, false, true, false), { problems: [], warnings: [] }, "a workspace of that name elsewhere is not the stack's");
        assert.deepEqual(change(OWN.replace(/log-securepg-prod$/, "log-shared"), true, false, true, false), { problems: [], warnings: [] }, "another workspace in the stack's group is not the stack's");
        assert.deepEqual(change("log-securepg-prod", true, false, true, false), { problems: [], warnings: [] }, "an id that is not an ARM id");
        assert.deepEqual(auditChanges({ previous: { auditWorkspaceId: OWN }, diagnostics: false, createsWorkspace: false, ...names }).problems, [], "no protection recorded");
    });
});
