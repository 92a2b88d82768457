/** stacks/deployed.ts: what the previous deployment exported, as the guard reads it. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { DEPLOYMENT_OUTPUTS, previousDeploymentOf } from "../stacks/deployed";

const complete = {
    databaseIdentity: { location: "westeurope" }, protection: { protect: true, deleteLock: false }, vpnGateway: { sku: "VpnGw1AZ", generation: "Generation1" },
    serverName: "psql-x", resourceGroupName: "rg-x", firewallRuleNames: ["a"], databaseNames: ["app"],
};

describe("previousDeploymentOf", () => {
    it("reads the outputs the program exports, under their names", () => {
        assert.deepEqual(Object.values(DEPLOYMENT_OUTPUTS).sort(), Object.keys(complete).sort());
        assert.deepEqual(previousDeploymentOf(complete), {
            identity: { location: "westeurope" }, protection: { protect: true, deleteLock: false }, vpnGateway: { sku: "VpnGw1AZ", generation: "Generation1" },
            serverName: "psql-x", resourceGroupName: "rg-x", firewallRuleNames: ["a"], databaseNames: ["app"],
        });
        assert.deepEqual(previousDeploymentOf({ ...complete, protection: { protect: false, deleteLock: true }, firewallRuleNames: [], databaseNames: ["a", "b"] }).protection, { protect: false, deleteLock: true });
        assert.deepEqual(previousDeploymentOf({ ...complete, firewallRuleNames: [] }).firewallRuleNames, []);
    });

    it("reads a stack without outputs (its first deployment) as nothing deployed", () => {
        assert.deepEqual(previousDeploymentOf({}), {
            identity: undefined, protection: undefined, vpnGateway: undefined, serverName: undefined, resourceGroupName: undefined, firewallRuleNames: undefined, databaseNames: undefined,
        });
    });

    it("ignores what an older deployment lacks or mangled, field by field", () => {
        for (const protection of [null, "yes", ["protect"], { protect: "yes", deleteLock: false }, { protect: true }, { deleteLock: true }, { protect: true, deleteLock: 1 }]) {
            assert.equal(previousDeploymentOf({ ...complete, protection }).protection, undefined, JSON.stringify(protection));
        }
        for (const vpnGateway of [null, "VpnGw1AZ", { sku: "VpnGw1AZ" }, { generation: "Generation1" }, { sku: "", generation: "Generation1" }, { sku: "VpnGw1AZ", generation: "" }, { sku: 1, generation: "Generation1" }]) {
            assert.equal(previousDeploymentOf({ ...complete, vpnGateway }).vpnGateway, undefined, JSON.stringify(vpnGateway));
        }
        for (const serverName of ["", null, 7]) {
            const p = previousDeploymentOf({ ...complete, serverName, resourceGroupName: serverName });
            assert.equal(p.serverName, undefined);
            assert.equal(p.resourceGroupName, undefined);
        }
        for (const names of [[1], ["a", 2], "a", null, { 0: "a" }]) {
            const p = previousDeploymentOf({ ...complete, firewallRuleNames: names, databaseNames: names });
            assert.equal(p.firewallRuleNames, undefined, JSON.stringify(names));
            assert.equal(p.databaseNames, undefined, JSON.stringify(names));
        }
    });
});
