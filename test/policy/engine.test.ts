/**
 * The pack through @pulumi/policy's own analyzer handlers (the functions its gRPC server binds),
 * fed protobuf requests shaped like the engine's: properties in wire form with secret markers,
 * unknown values during preview. No PolicyPack is constructed and no server is started.
 *
 * This pins what the fake-args tests assume about @pulumi/policy 1.21:
 * - a policy sees secrets unwrapped and cannot tell them from plaintext (pulumi/pulumi-policy#241),
 *   so secrets-stay-secret checks what it can see instead (policy/README.md, Secrets);
 * - values unknown during preview reach the rules as UNKNOWN, not as errors.
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import type { AnalyzeResponse } from "@pulumi/pulumi/proto/analyzer_pb";
import type { StackValidationPolicy } from "@pulumi/policy";
import { runProgram, unwrapSecret } from "../harness/program";
import { loadAllStackFiles } from "../harness/stackFiles";
import { policies } from "../../policy/policies";
import { describeViolations, find, resourcesOf, type SimResource, type Violation } from "./simulate";
import { analyzeRequest, analyzeStackRequest, violationsOf } from "./wire";

type Handler = (call: { request: unknown }, callback: (error: unknown, response: AnalyzeResponse) => void) => void;
interface PolicyServer {
    makeAnalyzeRpcFun(name: string, version: string, level: string, list: unknown[]): Handler;
    makeAnalyzeStackRpcFun(name: string, version: string, level: string, list: unknown[]): Handler;
}
// Internal modules of @pulumi/policy (no typings): its analyzer handlers and unknown-value sentinels.
const server = require("@pulumi/policy/server") as PolicyServer;
const UNKNOWN_STRING = (require("@pulumi/policy/proxy") as { unknownStringValue: string }).unknownStringValue;

function call(handler: Handler, request: unknown): Promise<Violation[]> {
    return new Promise((resolve, reject) => handler({ request }, (error, response) => (error ? reject(error) : resolve(violationsOf(response)))));
}

const analyzeStack = (resources: SimResource[], list: unknown[] = policies) =>
    call(server.makeAnalyzeStackRpcFun("securepg", "0.1.0", "advisory", list), analyzeStackRequest(resources));

async function analyzeEach(resources: SimResource[]): Promise<Violation[]> {
    const handler = server.makeAnalyzeRpcFun("securepg", "0.1.0", "advisory", policies);
    const all: Violation[] = [];
    for (const resource of resources) {
        all.push(...await call(handler, analyzeRequest(resource)));
    }
    return all;
}

/** A stack policy that records the props it is given. */
function spy(seen: Array<Record<string, unknown>>): StackValidationPolicy {
    return {
        name: "spy", description: "records props", enforcementLevel: "advisory",
        validateStack: (args) => {
            seen.push(...args.resources.filter((r) => r.type === "azure-native:dbforpostgresql:Server").map((r) => r.props));
        },
    };
}

const dev = loadAllStackFiles().find((s) => s.stack === "dev")!;
let shipped: SimResource[];
before(async () => {
    const run = await runProgram({ stack: dev.stack, config: dev.config, secretKeys: dev.secretKeys });
    assert.equal(run.error, undefined, run.error?.message);
    shipped = resourcesOf(run, dev.stack);
});

/** The shipped dev stack with the admin password sent as plaintext. */
function plaintextPassword(): SimResource[] {
    const resources = structuredClone(shipped);
    const server = find(resources, "azure-native:dbforpostgresql:Server");
    server.inputs.administratorLoginPassword = unwrapSecret(server.inputs.administratorLoginPassword);
    return resources;
}

describe("secrets, as @pulumi/policy hands them to a policy", () => {
    it("a policy gets secrets unwrapped, with nothing to tell them from plaintext", async () => {
        const seen: Array<Record<string, unknown>> = [];
        await analyzeStack(shipped, [spy(seen)]);
        assert.equal(seen.length, 1);
        assert.equal(typeof seen[0].administratorLoginPassword, "string");
        const plain: Array<Record<string, unknown>> = [];
        await analyzeStack(plaintextPassword(), [spy(plain)]);
        assert.deepEqual(plain[0], seen[0], "a secret and a plaintext password look the same to a policy");
    });

    it("so a plaintext password input passes: the limit policy/README.md states", async () => {
        assert.deepEqual(await analyzeStack(plaintextPassword()), []);
    });

    it("the shipped dev stack passes every stack policy", async () => {
        const violations = await analyzeStack(shipped);
        assert.deepEqual(violations, [], describeViolations(violations));
    });

    it("a password copied into a stack output that is not named as a credential is blocked, naming the stack", async () => {
        const resources = structuredClone(shipped);
        const stack = find(resources, "pulumi:pulumi:Stack");
        const password = String(unwrapSecret(find(resources, "azure-native:dbforpostgresql:Server").inputs.administratorLoginPassword));
        stack.inputs.dsn = `host=db user=pgadmin password=${password}`;
        const violations = await analyzeStack(resources);
        assert.deepEqual(violations.map((v) => [v.policy, v.enforcementLevel, v.urn]), [["secrets-stay-secret", "mandatory", stack.urn]]);
        // The first holder of the value the pack meets names it: the stack's own adminPassword output.
        assert.equal(violations[0].message, "stack output dsn contains the value of stack output adminPassword under a name that does not say it is a credential; keep it in a secret output named for it");
    });

    it("the admin password not declared in additionalSecretOutputs is blocked, naming the server", async () => {
        const resources = structuredClone(shipped);
        const server = find(resources, "azure-native:dbforpostgresql:Server");
        server.additionalSecretOutputs = [];
        const violations = await analyzeStack(resources);
        assert.deepEqual(violations.map((v) => [v.policy, v.urn]), [["secrets-stay-secret", server.urn]]);
    });

    it("resource by resource, the shipped dev stack gets only its two resilience advisories", async () => {
        const violations = await analyzeEach(shipped);
        assert.deepEqual(violations.map((v) => `${v.enforcementLevel} ${v.policy}`), ["advisory postgres-dev-resilience", "advisory postgres-dev-resilience"]);
    });
});

describe("during preview, with values not known yet", () => {
    it("a VNet server whose subnet id is unknown is still checked", async () => {
        const resources = structuredClone(shipped);
        const server = find(resources, "azure-native:dbforpostgresql:Server");
        server.inputs.serverName = UNKNOWN_STRING;
        server.inputs.network = { delegatedSubnetResourceId: UNKNOWN_STRING, privateDnsZoneArmResourceId: UNKNOWN_STRING, publicNetworkAccess: "Enabled" };
        const violations = await analyzeEach([server]);
        assert.ok(violations.some((v) => v.policy === "postgres-vnet-no-public-access" && v.enforcementLevel === "mandatory"), describeViolations(violations));
        assert.ok(!violations.some((v) => /during preview/.test(v.message)), describeViolations(violations));
    });

    it("a firewall rule whose addresses are unknown is neither reported nor skipped with an error", async () => {
        const resources = structuredClone(shipped);
        const template = find(resources, "azure-native:dbforpostgresql:Configuration", "parameter-require_secure_transport");
        const rule: SimResource = {
            ...template, type: "azure-native:dbforpostgresql:FirewallRule", name: "firewall-nat-egress",
            urn: template.urn.replace(/Configuration::.*$/, "FirewallRule::firewall-nat-egress"),
            inputs: { resourceGroupName: UNKNOWN_STRING, serverName: UNKNOWN_STRING, firewallRuleName: "allow-proxy-nat-egress", startIpAddress: UNKNOWN_STRING, endIpAddress: UNKNOWN_STRING },
        };
        assert.deepEqual(await analyzeEach([rule]), []);
    });

    it("the VPN gateway's public IP is found through its dependencies when its id is unknown", async () => {
        const resources = structuredClone(shipped);
        const gateway = find(resources, "azure-native:network:VirtualNetworkGateway");
        const ip = find(resources, "azure-native:network:PublicIPAddress", "vpn-public-ip");
        assert.ok(gateway.dependencies.includes(ip.urn));
        gateway.inputs.ipConfigurations[0].publicIPAddress.id = UNKNOWN_STRING;
        gateway.inputs.vpnClientConfiguration.vpnClientRootCertificates[0].publicCertData = UNKNOWN_STRING;
        assert.deepEqual(await analyzeStack(resources), []);
        delete ip.inputs.zones;
        const violations = await analyzeStack(resources);
        assert.deepEqual(violations.map((v) => [v.policy, v.urn]), [["vpn-public-ip-zone-redundant", ip.urn]]);
    });
});
