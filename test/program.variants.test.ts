/** Configurations that are valid but not shipped as stack files: public access, rotations, overrides. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { ofType, one, runProgram, unwrapSecret } from "./harness/program";

const location = { "azure-native:location": "westeurope" };
const j = (value: unknown) => JSON.stringify(value);

describe("public access mode", () => {
    it("opens the public endpoint with one firewall rule per allowed range plus the NAT egress IP", async () => {
        const run = await runProgram({
            stack: "dev",
            config: { ...location, "securepg:database": j({ access: "public", allowedIpRanges: ["203.0.113.7", "198.51.100.0/28"] }) },
        });
        assert.equal(run.error, undefined, run.error?.message);
        const server = one(run, "azure-native:dbforpostgresql:Server");
        assert.equal(server.inputs.network.publicNetworkAccess, "Enabled");
        assert.equal(server.inputs.network.delegatedSubnetResourceId, undefined);
        assert.equal(ofType(run, "azure-native:privatedns:PrivateZone").length, 0);
        assert.equal(ofType(run, "azure-native:network:Subnet").length, 2, "no delegated database subnet in public mode");
        const rules = ofType(run, "azure-native:dbforpostgresql:FirewallRule").map((r) => [r.inputs.startIpAddress, r.inputs.endIpAddress]);
        assert.deepEqual(rules, [
            ["203.0.113.7", "203.0.113.7"],
            ["198.51.100.0", "198.51.100.15"],
            [run.outputs.natEgressIp, run.outputs.natEgressIp],
        ]);
        const proxySubnet = one(run, "azure-native:network:Subnet", "proxy-subnet");
        assert.deepEqual(proxySubnet.inputs.serviceEndpoints, [], "Microsoft.Sql breaks connections to a public endpoint");
        assert.equal(run.outputs.accessMode, "public");
    });

    it("adds the 0.0.0.0 rule only when allowAzureServices is true", async () => {
        const run = await runProgram({
            stack: "dev",
            config: { ...location, "securepg:database": j({ access: "public", allowAzureServices: true }) },
        });
        const zero = ofType(run, "azure-native:dbforpostgresql:FirewallRule").filter((r) => r.inputs.startIpAddress === "0.0.0.0");
        assert.equal(zero.length, 1);
        assert.equal(zero[0].inputs.endIpAddress, "0.0.0.0");
    });

    it("warns when a public-mode stack asks for the Microsoft.Sql endpoint", async () => {
        const run = await runProgram({
            stack: "dev",
            config: { ...location, "securepg:database": j({ access: "public" }), "securepg:network": j({ serviceEndpoints: ["Microsoft.Sql"] }) },
        });
        assert.equal(run.error, undefined);
        assert.ok(run.warnings.some((w) => w.includes("Microsoft.Sql")), run.warnings.join("\n"));
        const proxySubnet = one(run, "azure-native:network:Subnet", "proxy-subnet");
        assert.deepEqual(proxySubnet.inputs.serviceEndpoints, [{ service: "Microsoft.Sql" }]);
    });
});

describe("admin password rotation", () => {
    it("changes nothing on the server but the password, so Azure updates it in place", async () => {
        const before = await runProgram({ stack: "dev", config: { ...location } });
        const after = await runProgram({ stack: "dev", config: { ...location, "securepg:database": j({ passwordRotation: 2 }) } });
        const a = one(before, "azure-native:dbforpostgresql:Server");
        const b = one(after, "azure-native:dbforpostgresql:Server");
        assert.notEqual(unwrapSecret(a.inputs.administratorLoginPassword), unwrapSecret(b.inputs.administratorLoginPassword));
        const { administratorLoginPassword: _a, ...restA } = a.inputs;
        const { administratorLoginPassword: _b, ...restB } = b.inputs;
        assert.deepEqual(restB, restA, "an input other than the password changed: that could replace the server");
        assert.deepEqual(b.replaceOnChanges, []);
        assert.equal(b.urn, a.urn);
        assert.ok(!b.ignoreChanges.includes("administratorLoginPassword"), "the new password must reach Azure");
        assert.notEqual(before.outputs.adminPassword, after.outputs.adminPassword);
    });
});

describe("overrides", () => {
    it("honours an explicit server name and admin login", async () => {
        const run = await runProgram({ stack: "dev", config: { ...location, "securepg:database": j({ serverName: "psql-payments-dev", adminLogin: "dbowner" }) } });
        assert.equal(run.outputs.serverFqdn, "psql-payments-dev.postgres.database.azure.com");
        assert.equal(run.outputs.adminLogin, "dbowner");
        assert.equal(ofType(run, "random:index/randomString:RandomString").length, 0);
    });

    it("protects nothing when a prod stack opts out, and warns", async () => {
        const run = await runProgram({ stack: "prod", config: { ...location, "securepg:protect": "false" } });
        assert.ok(run.resources.every((r) => !r.protect));
        assert.ok(run.warnings.some((w) => w.includes("securepg:protect")));
    });

    it("gives a differently named stack the environment it declares", async () => {
        const run = await runProgram({ stack: "staging", config: { ...location, "securepg:environment": "prod" } });
        assert.equal(run.error, undefined, run.error?.message);
        assert.equal(one(run, "azure-native:dbforpostgresql:Server").protect, true);
        assert.equal(run.outputs.resourceGroupName, "rg-securepg-staging");
    });
});
