/**
 * Safe change and teardown: which settings replace the database, the guard that refuses them on
 * prod, the delete lock, and a dev stack that `pulumi destroy` can remove completely.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { ofType, one, runProgram, type ProgramRun } from "./harness/program";
import { loadStackFile, withSections } from "./harness/stackFiles";
import { IDENTITY_KEYS, replacementChanges, type DatabaseIdentity } from "../lib/replacement";

const LOCK = "azure-native:authorization:ManagementLockByScope";
const prod = loadStackFile("Pulumi.prod.yaml");
const dev = loadStackFile("Pulumi.dev.yaml");

async function deployedIdentity(stack: string, config: Record<string, string>): Promise<DatabaseIdentity> {
    const first = await runProgram({ stack, config });
    assert.equal(first.error, undefined, first.error?.message);
    return first.outputs.databaseIdentity as DatabaseIdentity;
}

function withDatabase(config: Record<string, string>, patch: Record<string, unknown>): Record<string, string> {
    return withSections(config, { database: patch });
}

describe("changes that replace the server", () => {
    const replacing: Array<[string, (c: Record<string, string>) => Record<string, string>, string]> = [
        ["region", (c) => ({ ...c, "azure-native:location": "northeurope" }), "azure-native:location"],
        ["access mode", (c) => withDatabase(c, { access: "public" }), "securepg:database.access"],
        ["server name", (c) => withDatabase(c, { serverName: "psql-renamed-prod" }), "securepg:database.serverName"],
        ["admin login", (c) => withDatabase(c, { adminLogin: "owner" }), "securepg:database.adminLogin"],
        ["geo-redundant backup", (c) => withDatabase(c, { geoRedundantBackup: false }), "securepg:database.geoRedundantBackup"],
        ["delegated subnet", (c) => ({ ...c, "securepg:network": JSON.stringify({ ...JSON.parse(c["securepg:network"] ?? "{}"), databaseSubnet: "10.50.3.0/24" }) }), "securepg:network.databaseSubnet"],
    ];

    for (const [what, change, key] of replacing) {
        it(`refuses a ${what} change on an existing prod stack, before registering anything`, async () => {
            const previousOutputs = { databaseIdentity: await deployedIdentity("prod", prod.config) };
            const run = await runProgram({ stack: "prod", config: change(prod.config), previousOutputs });
            assert.ok(run.error, "the change went ahead");
            assert.match(run.error.message, /refusing to deploy/);
            assert.ok(run.error.message.includes(`  - ${key}:`), run.error.message);
            assert.equal(run.resources.length, 0);
        });
    }

    it("refuses allowReplace while the deployed server is still protected, and says how to lift it first", async () => {
        const previousOutputs = { databaseIdentity: await deployedIdentity("prod", prod.config), protection: { protect: true, deleteLock: true } };
        const config = withSections(prod.config, { database: { access: "public", allowReplace: true } });
        const run = await runProgram({ stack: "prod", config: { ...config, "securepg:protect": "false" }, previousOutputs });
        assert.ok(run.error, "a replacement of a protected server would stop halfway");
        assert.match(run.error.message, /still has Pulumi protect and the CanNotDelete lock/);
        assert.match(run.error.message, /1\. run `pulumi up` with securepg:protect false and securepg:database\.deleteLock false and these settings still at their previous values/);
        assert.match(run.error.message, /2\. run `pulumi up` with the new values and securepg:database\.allowReplace true/);
        assert.equal(run.resources.length, 0);
    });

    it("goes ahead on prod with allowReplace once an earlier update lifted protect and the lock, with a warning", async () => {
        const previousOutputs = { databaseIdentity: await deployedIdentity("prod", prod.config), protection: { protect: false, deleteLock: false } };
        const config = { ...withDatabase(prod.config, { access: "public", allowReplace: true, deleteLock: false }), "securepg:protect": "false" };
        const run = await runProgram({ stack: "prod", config, previousOutputs });
        assert.equal(run.error, undefined, run.error?.message);
        assert.ok(run.warnings.some((w) => w.includes("securepg:database.access") && w.includes("allowReplace")));
        assert.ok(run.resources.every((r) => !r.protect), "nothing protected: the replacement can delete the old server");
        assert.equal(ofType(run, LOCK).length, 0);
    });

    it("also refuses a dev replacement while the deployed server is protected", async () => {
        const previousOutputs = { databaseIdentity: await deployedIdentity("dev", dev.config), protection: { protect: true, deleteLock: false } };
        const run = await runProgram({ stack: "dev", config: withDatabase(dev.config, { access: "public" }), previousOutputs });
        assert.ok(run.error);
        assert.match(run.error.message, /still has Pulumi protect,/);
        assert.match(run.error.message, /with securepg:protect false and these settings/);
        assert.doesNotMatch(run.error.message, /allowReplace/, "dev needs no allowReplace");
    });

    it("only warns on dev", async () => {
        const previousOutputs = { databaseIdentity: await deployedIdentity("dev", dev.config) };
        const run = await runProgram({ stack: "dev", config: withDatabase(dev.config, { access: "public" }), previousOutputs });
        assert.equal(run.error, undefined, run.error?.message);
        assert.ok(run.warnings.some((w) => w.includes("replace the PostgreSQL server")));
    });

    it("lets in-place changes through on prod: password, size, storage, retention, TLS, databases", async () => {
        const previousOutputs = { databaseIdentity: await deployedIdentity("prod", prod.config) };
        const config = withDatabase(prod.config, {
            passwordRotation: 2, skuName: "Standard_D4ds_v5", storageSizeGB: 256, backupRetentionDays: 30,
            tlsMinVersion: "TLSv1.3", databases: ["app", "reporting"], highAvailability: false,
        });
        const run = await runProgram({ stack: "prod", config, previousOutputs });
        assert.equal(run.error, undefined, run.error?.message);
        assert.deepEqual(run.warnings.filter((w) => w.includes("replace")), []);
    });

    it("treats a brand-new stack (no previous outputs) as safe", async () => {
        const run = await runProgram({ stack: "prod", config: prod.config });
        assert.equal(run.error, undefined);
    });

    it("names a configuration key for every identity field", () => {
        const identity: DatabaseIdentity = {
            location: "a", resourceGroup: "b", serverName: "c", access: "vnet", adminLogin: "d", geoRedundantBackup: true, databaseSubnet: "e", privateDnsZone: "f",
        };
        assert.deepEqual(Object.keys(IDENTITY_KEYS).sort(), Object.keys(identity).sort());
        const moved = replacementChanges({ ...identity, location: "z" }, identity);
        assert.deepEqual(moved.map((c) => c.field), ["location"]);
    });
});

describe("protection and teardown", () => {
    async function runOf(stack: string, config: Record<string, string>): Promise<ProgramRun> {
        const run = await runProgram({ stack, config });
        assert.equal(run.error, undefined, run.error?.message);
        return run;
    }

    it("prod: the server carries protect and a CanNotDelete lock scoped to it", async () => {
        const run = await runOf("prod", prod.config);
        const server = one(run, "azure-native:dbforpostgresql:Server");
        assert.equal(server.protect, true);
        const lock = one(run, LOCK);
        assert.equal(lock.inputs.level, "CanNotDelete");
        assert.ok(lock.dependencies.includes(server.urn), "the lock is scoped to the server");
        assert.match(String(lock.inputs.scope), /\/providers\/azure-native:dbforpostgresql:Server\/psql-securepg-prod-/);
        for (const db of ofType(run, "azure-native:dbforpostgresql:Database")) {
            assert.equal(db.protect, true);
        }
    });

    it("dev: nothing protected, no lock, and the DNS link is deleted before its zone and VNet", async () => {
        const run = await runOf("dev", dev.config);
        assert.deepEqual(run.resources.filter((r) => r.protect).map((r) => r.name), []);
        assert.equal(ofType(run, LOCK).length, 0);
        const link = one(run, "azure-native:privatedns:VirtualNetworkLink");
        const zone = one(run, "azure-native:privatedns:PrivateZone");
        const vnet = one(run, "azure-native:network:VirtualNetwork");
        // Destroy runs in reverse dependency order: depending on both means the link goes first.
        assert.ok(link.dependencies.includes(zone.urn) && link.dependencies.includes(vnet.urn));
        const server = one(run, "azure-native:dbforpostgresql:Server");
        assert.ok(server.dependencies.includes(link.urn), "the server (a user of the zone) goes before the link");
    });
});
