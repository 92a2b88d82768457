/**
 * Starts the policy pack exactly as `pulumi preview --policy-pack policy` does (Pulumi's
 * run-policy-pack entry point, working directory `policy/`, TypeScript compiled and type-checked
 * by Pulumi's ts-node), then talks to it over gRPC as the engine would. This is the only test that
 * constructs the PolicyPack, and it does so in a child process that it stops at the end.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { AnalyzeResponse, AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb";
import { runProgram, unwrapSecret } from "../harness/program";
import { loadAllStackFiles, PROJECT_ROOT } from "../harness/stackFiles";
import { policies } from "../../policy/policies";
import { describeViolations, find, resourcesOf, type SimResource } from "./simulate";
import { analyzeRequest, analyzeStackRequest, configureRequest, pulumiRequire, violationsOf } from "./wire";

const grpc = pulumiRequire("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const { Empty } = pulumiRequire("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };

const STARTUP_TIMEOUT_MS = 120_000;

let pack: ChildProcess | undefined;
let client: analyzerGrpc.AnalyzerClient;
let shipped: SimResource[];

/** Starts the pack and resolves with the port it prints, as the engine reads it. */
function startPack(): Promise<number> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: path.join(PROJECT_ROOT, "policy"), stdio: ["ignore", "pipe", "pipe"] });
    pack = child;
    let stdout = "";
    let stderr = "";
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the policy pack did not start in time:\n${stderr}`)), STARTUP_TIMEOUT_MS);
        child.stdout!.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
            const port = /^(\d+)\s*$/m.exec(stdout);
            if (port) {
                clearTimeout(timer);
                resolve(Number(port[1]));
            }
        });
        child.stderr!.on("data", (chunk: Buffer) => {
            stderr += chunk.toString();
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`the policy pack exited with ${code}:\n${stderr}${stdout}`));
        });
    });
}

function unary<Req, Res>(method: (request: Req, callback: (error: unknown, response: Res) => void) => unknown, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => method.call(client, request, (error, response) => (error ? reject(error) : resolve(response))));
}

before(async () => {
    const dev = loadAllStackFiles().find((s) => s.stack === "dev")!;
    const [port, run] = await Promise.all([startPack(), runProgram({ stack: dev.stack, config: dev.config, secretKeys: dev.secretKeys })]);
    shipped = resourcesOf(run, dev.stack);
    client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, { timeout: STARTUP_TIMEOUT_MS + 10_000 });

after(() => {
    client?.close();
    pack?.kill();
});

describe("the policy pack served over gRPC", () => {
    it("describes itself: name securepg, every policy with its enforcement level", async () => {
        const info = await unary<unknown, AnalyzerInfo>(client.getAnalyzerInfo as never, new Empty());
        assert.equal(info.getName(), "securepg");
        assert.equal(info.getVersion(), "0.1.0");
        const served = info.getPoliciesList().map((p) => p.getName()).sort();
        assert.deepEqual(served, policies.map((p) => p.name).sort());
    });

    it("describes each configurable policy's schema as the policies declare it", async () => {
        const info = await unary<unknown, AnalyzerInfo>(client.getAnalyzerInfo as never, new Empty());
        assert.equal(info.getSupportsconfig(), true);
        for (const policy of policies) {
            const served = info.getPoliciesList().find((p) => p.getName() === policy.name)!;
            assert.deepEqual(served.getConfigschema()?.getProperties()?.toJavaScript(), policy.configSchema?.properties, policy.name);
        }
    });

    it("AnalyzeStack: the shipped dev stack passes; a password copied into a stack output named dsn is blocked", async () => {
        const ok = violationsOf(await unary<unknown, AnalyzeResponse>(client.analyzeStack as never, analyzeStackRequest(shipped)));
        assert.deepEqual(ok, [], describeViolations(ok));

        const insecure = structuredClone(shipped);
        const stack = find(insecure, "pulumi:pulumi:Stack");
        const password = String(unwrapSecret(find(insecure, "azure-native:dbforpostgresql:Server").inputs.administratorLoginPassword));
        stack.inputs.dsn = `host=db password=${password}`;
        const blocked = violationsOf(await unary<unknown, AnalyzeResponse>(client.analyzeStack as never, analyzeStackRequest(insecure)));
        assert.deepEqual(blocked.map((v) => [v.policy, v.enforcementLevel, v.urn]), [["secrets-stay-secret", "mandatory", stack.urn]]);
    });

    it("Analyze: an NSG rule admitting the Internet to SSH is blocked", async () => {
        const nsg = structuredClone(find(shipped, "azure-native:network:NetworkSecurityGroup", "proxy-nsg"));
        nsg.inputs.securityRules[1].sourceAddressPrefix = "Internet";
        const violations = violationsOf(await unary<unknown, AnalyzeResponse>(client.analyze as never, analyzeRequest(nsg)));
        assert.deepEqual(violations.map((v) => [v.policy, v.enforcementLevel]), [["nsg-no-internet-to-ssh-or-postgres", "mandatory"]]);
    });

    // Last: Configure changes the running pack's settings for every later request.
    it("Configure: allowedSkus and floorDays reach the policies; an unknown key is reported", async () => {
        const gateway = find(shipped, "azure-native:network:VirtualNetworkGateway");
        const analyzeGateway = async () => violationsOf(await unary<unknown, AnalyzeResponse>(client.analyze as never, analyzeRequest(gateway)));
        assert.deepEqual(await analyzeGateway(), []);
        await unary(client.configure as never, configureRequest({
            "vpn-gateway-no-basic-sku": { level: "mandatory", properties: { allowedSkus: ["VpnGw2AZ"] } },
            "log-retention-floor": { level: "mandatory", properties: { floorDays: 90, floorDay: 120 } },
        }));
        assert.deepEqual((await analyzeGateway()).map((v) => [v.policy, v.enforcementLevel, v.message]), [
            ["vpn-gateway-no-basic-sku", "mandatory", `sku is "VpnGw1AZ": this policy pack allows only VpnGw2AZ (vpn-gateway-no-basic-sku allowedSkus)`],
        ]);
        const stackViolations = violationsOf(await unary<unknown, AnalyzeResponse>(client.analyzeStack as never, analyzeStackRequest(shipped)));
        assert.deepEqual(stackViolations.map((v) => [v.policy, v.message]), [
            ["log-retention-floor", `the policy pack configuration of log-retention-floor has "floorDay", which it does not know (it knows "floorDays"); fix the --policy-pack-config file`],
        ]);
    });
});
