/** stacks/deployed.ts: what the previous deployment exported, as the guard reads it. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { DEPLOYMENT_OUTPUTS, previousDeploymentOf, readLiveStorageSizeGB, readPreviousDeployment, type PreviousDeployment } from "../stacks/deployed";
import { mocks, runUnderMocks } from "./harness/program";

const complete = {
    databaseIdentity: { location: "westeurope" }, protection: { protect: true, deleteLock: false }, vpnGateway: { sku: "VpnGw1AZ", generation: "Generation1" },
    serverName: "psql-x", resourceGroupName: "rg-x", firewallRuleNames: ["a"], databaseNames: ["app"],
    databaseAuthentication: { passwordAuth: false, entraAdminObjectId: "0f0e0d0c-0b0a-4908-8706-050403020100" },
    auditWorkspaceId: "/subscriptions/s/resourceGroups/rg-x/providers/Microsoft.OperationalInsights/workspaces/log-x",
};

describe("previousDeploymentOf", () => {
    it("reads the outputs the program exports, under their names", () => {
        assert.deepEqual(Object.values(DEPLOYMENT_OUTPUTS).sort(), Object.keys(complete).sort());
        assert.deepEqual(previousDeploymentOf(complete), {
            identity: { location: "westeurope" }, protection: { protect: true, deleteLock: false }, vpnGateway: { sku: "VpnGw1AZ", generation: "Generation1" },
            serverName: "psql-x", resourceGroupName: "rg-x", firewallRuleNames: ["a"], databaseNames: ["app"],
            databaseAuthentication: { passwordAuth: false, entraAdminObjectId: "0f0e0d0c-0b0a-4908-8706-050403020100" },
            auditWorkspaceId: "/subscriptions/s/resourceGroups/rg-x/providers/Microsoft.OperationalInsights/workspaces/log-x",
        });
        assert.deepEqual(previousDeploymentOf({ ...complete, databaseAuthentication: { passwordAuth: true, entraAdminObjectId: null } }).databaseAuthentication,
            { passwordAuth: true, entraAdminObjectId: null });
        for (const databaseAuthentication of [undefined, null, "x", {}, { passwordAuth: "false", entraAdminObjectId: null }, { passwordAuth: true }, { passwordAuth: true, entraAdminObjectId: 7 }]) {
            assert.equal(previousDeploymentOf({ ...complete, databaseAuthentication }).databaseAuthentication, undefined, JSON.stringify(databaseAuthentication));
        }
        assert.deepEqual(previousDeploymentOf({ ...complete, protection: { protect: false, deleteLock: true }, firewallRuleNames: [], databaseNames: ["a", "b"] }).protection, { protect: false, deleteLock: true });
        assert.deepEqual(previousDeploymentOf({ ...complete, firewallRuleNames: [] }).firewallRuleNames, []);
    });

    it("reads a stack without outputs (its first deployment) as nothing deployed", () => {
        assert.deepEqual(previousDeploymentOf({}), {
            identity: undefined, protection: undefined, vpnGateway: undefined, serverName: undefined, resourceGroupName: undefined, firewallRuleNames: undefined, databaseNames: undefined,
            databaseAuthentication: undefined, auditWorkspaceId: undefined,
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

describe("reading what is deployed, under mocks", () => {
    const nothing = previousDeploymentOf({});
    const deployed: PreviousDeployment = { ...nothing, serverName: "psql-x", resourceGroupName: "rg-x" };

    it("reads the previous outputs through a StackReference to this very stack", async () => {
        let read: PreviousDeployment | undefined;
        // A StackReference is read, not registered: the mock provider is where it shows.
        const references: Array<[string, unknown]> = [];
        const newResource = mocks.newResource;
        mocks.newResource = (args) => {
            references.push([args.name, args.inputs.name]);
            return newResource.call(mocks, args);
        };
        try {
            const run = await runUnderMocks({ stack: "dev", config: {}, previousOutputs: complete }, async () => {
                read = await readPreviousDeployment({ project: "securepg", stack: "dev" });
                return {};
            });
            assert.equal(run.error, undefined, run.error?.message);
        } finally {
            mocks.newResource = newResource;
        }
        assert.deepEqual(references, [["previous-deployment", "organization/securepg/dev"]]);
        assert.deepEqual(read, previousDeploymentOf(complete));
    });

    async function liveSize(previous: PreviousDeployment, liveServer?: Record<string, unknown>): Promise<{ size?: number; error?: Error; invoked: number }> {
        let size: number | undefined;
        const run = await runUnderMocks({ stack: "dev", config: {}, liveServer }, async () => {
            size = await readLiveStorageSizeGB(previous);
            return {};
        });
        return { size, error: run.error, invoked: run.invokes.length };
    }

    it("asks Azure only when a server was deployed", async () => {
        assert.deepEqual(await liveSize(nothing), { size: undefined, error: undefined, invoked: 0 });
        assert.deepEqual(await liveSize({ ...deployed, resourceGroupName: undefined }), { size: undefined, error: undefined, invoked: 0 });
        assert.deepEqual(await liveSize({ ...deployed, serverName: undefined }), { size: undefined, error: undefined, invoked: 0 });
        assert.deepEqual(await liveSize(deployed, { storage: { storageSizeGB: 256 } }), { size: 256, error: undefined, invoked: 1 });
    });

    it("a server deleted outside Pulumi counts as none; any other failure stops the deployment with Azure's message", async () => {
        assert.deepEqual(await liveSize(deployed), { size: undefined, error: undefined, invoked: 1 });
        for (const notFound of ["ResourceNotFound: gone", "the server could not be found", "HTTP 404", "NotFound", "server psql-x was not found"]) {
            assert.deepEqual(await liveSize(deployed, { throws: notFound }), { size: undefined, error: undefined, invoked: 1 }, notFound);
        }
        for (const failure of ["AuthorizationFailed: no read permission", "status 4040", "Forbidden"]) {
            const { error } = await liveSize(deployed, { throws: failure });
            assert.ok(error instanceof Error, failure);
            assert.equal(error.message, `could not read the deployed server psql-x (its storage size, which Azure may have grown): ${failure}`);
        }
    });
});
