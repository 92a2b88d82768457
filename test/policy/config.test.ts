/**
 * The policy pack's configuration (`--policy-pack-config <file.json>`): each configurable policy's
 * JSON schema, checked with a real JSON-schema validator (ajv, draft-07 like the engine's
 * gojsonschema), the shipped example file, values the schemas refuse, defaults that keep today's
 * behaviour, and what each setting changes.
 *
 * The engine validates each policy's settings against `{type: object, properties, required}` and
 * ignores keys and policy names it does not know (pulumi/pulumi pkg/resource/analyzer/config.go).
 * `configErrors` is stricter, as a reviewer of a config file should be: unknown policy names and
 * keys are errors. Inside the pack, unknown keys are reported by the policy itself (see below).
 */
import { before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { type ErrorObject } from "ajv";
import type { PolicyConfigSchema } from "@pulumi/policy";
import { policies } from "../../policy/policies";
import { DEFAULT_ALLOWED_GATEWAY_SKUS, VPN_GATEWAY_SKUS } from "../../policy/config";
import { PROD_RETENTION_FLOOR_DAYS } from "../../lib/audit";
import { TYPES } from "../../policy/props";
import { runProgram } from "../harness/program";
import { loadAllStackFiles } from "../harness/stackFiles";
import { describeViolations, mandatory, resourcesOf, runPack, settingsFor, type PackConfig, type SimResource } from "./simulate";

const EXAMPLE = path.join(__dirname, "..", "..", "policy", "config.example.json");
const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
const levelSchema = { type: "string", enum: LEVELS };

function objectSchema(schema: PolicyConfigSchema | undefined): object {
    return {
        type: "object", additionalProperties: false,
        properties: { enforcementLevel: levelSchema, ...(schema?.properties ?? {}) },
        ...(schema?.required ? { required: schema.required } : {}),
    };
}

function describeError(error: ErrorObject): string {
    const extra = error.keyword === "additionalProperties" ? ` (${String(error.params.additionalProperty)})` : "";
    return `${error.instancePath || "/"} ${error.message}${extra}`;
}

/** What is wrong with a `--policy-pack-config` file's contents, one line per problem. */
function configErrors(file: unknown): string[] {
    if (file === null || typeof file !== "object" || Array.isArray(file)) {
        return ["the file must hold a JSON object"];
    }
    const known = new Map(policies.map((p) => [p.name, p]));
    const errors: string[] = [];
    for (const [name, entry] of Object.entries(file)) {
        const policy = known.get(name);
        if (policy === undefined && name !== "all") {
            errors.push(`${name}: no such policy in the pack`);
            continue;
        }
        const validate = ajv.compile(typeof entry === "string" || name === "all" ? levelSchema : objectSchema(policy?.configSchema));
        if (!validate(entry)) {
            errors.push(...(validate.errors ?? []).map((e) => `${name}: ${describeError(e)}`));
        }
    }
    return errors;
}

const example = JSON.parse(fs.readFileSync(EXAMPLE, "utf8")) as PackConfig;
const byName = (name: string) => policies.find((p) => p.name === name)!;

describe("each policy's configSchema", () => {
    it("is a JSON schema ajv compiles in strict mode, whose defaults it accepts", () => {
        const configurable = policies.filter((p) => p.configSchema !== undefined).map((p) => p.name).sort();
        assert.deepEqual(configurable, ["log-retention-floor", "nsg-no-internet-to-ssh-or-postgres", "postgres-firewall-no-open-ranges", "vpn-gateway-no-basic-sku"]);
        for (const policy of policies.filter((p) => p.configSchema !== undefined)) {
            const validate = ajv.compile(objectSchema(policy.configSchema));
            assert.ok(validate(settingsFor(policy, undefined)), `${policy.name}: ${JSON.stringify(validate.errors)}`);
            assert.ok(!("enforcementLevel" in policy.configSchema!.properties), "@pulumi/policy refuses a schema that names enforcementLevel");
        }
    });

    it("defaults are today's behaviour: 90 days, a /24, every VPN SKU but Basic, ports 22 and 5432", () => {
        assert.deepEqual(settingsFor(byName("log-retention-floor"), undefined), { floorDays: PROD_RETENTION_FLOOR_DAYS });
        assert.equal(PROD_RETENTION_FLOOR_DAYS, 90);
        assert.deepEqual(settingsFor(byName("postgres-firewall-no-open-ranges"), undefined), { widestPrefixLength: 24 });
        assert.deepEqual(settingsFor(byName("vpn-gateway-no-basic-sku"), undefined), { allowedSkus: [...VPN_GATEWAY_SKUS] });
        assert.deepEqual(DEFAULT_ALLOWED_GATEWAY_SKUS, ["VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ", "VpnGw1", "VpnGw2", "VpnGw3", "VpnGw4", "VpnGw5"]);
        assert.deepEqual(settingsFor(byName("nsg-no-internet-to-ssh-or-postgres"), undefined), { ports: [22, 5432] });
    });
});

describe("config files", () => {
    it("policy/config.example.json is valid", () => {
        assert.deepEqual(configErrors(example), []);
        assert.ok(Object.keys(example).length >= 5);
    });

    it("refuses values outside Azure's and the schema's limits, wrong types, unknown keys, policies and levels", () => {
        const cases: Array<[object, string[]]> = [
            [{ "log-retention-floor": { floorDays: 7 } }, ["log-retention-floor: /floorDays must be >= 30"]],
            [{ "log-retention-floor": { floorDays: 731 } }, ["log-retention-floor: /floorDays must be <= 730"]],
            [{ "log-retention-floor": { floorDays: "90" } }, ["log-retention-floor: /floorDays must be integer"]],
            [{ "log-retention-floor": { floorDays: 90.5 } }, ["log-retention-floor: /floorDays must be integer"]],
            [{ "log-retention-floor": { floorDay: 120 } }, ["log-retention-floor: / must NOT have additional properties (floorDay)"]],
            [{ "postgres-firewall-no-open-ranges": { widestPrefixLength: 40 } }, ["postgres-firewall-no-open-ranges: /widestPrefixLength must be <= 32"]],
            [{ "postgres-firewall-no-open-ranges": { widestPrefixLength: -1 } }, ["postgres-firewall-no-open-ranges: /widestPrefixLength must be >= 0"]],
            [{ "vpn-gateway-no-basic-sku": { allowedSkus: ["VpnGw9AZ"] } }, ["vpn-gateway-no-basic-sku: /allowedSkus/0 must be equal to one of the allowed values"]],
            [{ "vpn-gateway-no-basic-sku": { allowedSkus: ["VpnGw1AZ", "Basic"] } }, ["vpn-gateway-no-basic-sku: /allowedSkus/1 must be equal to one of the allowed values"]],
            [{ "vpn-gateway-no-basic-sku": { allowedSkus: [] } }, ["vpn-gateway-no-basic-sku: /allowedSkus must NOT have fewer than 1 items"]],
            [{ "vpn-gateway-no-basic-sku": { allowedSkus: "VpnGw1AZ" } }, ["vpn-gateway-no-basic-sku: /allowedSkus must be array"]],
            [{ "nsg-no-internet-to-ssh-or-postgres": { ports: [22, 70000] } }, ["nsg-no-internet-to-ssh-or-postgres: /ports/1 must be <= 65535"]],
            [{ "log-retention-flor": { floorDays: 120 } }, ["log-retention-flor: no such policy in the pack"]],
            [{ "postgres-dev-resilience": "block" }, ["postgres-dev-resilience: / must be equal to one of the allowed values"]],
            [{ "log-retention-floor": { enforcementLevel: "advisory", floorDays: 120 }, all: "mandatory" }, []],
        ];
        for (const [file, expected] of cases) {
            assert.deepEqual(configErrors(file), expected, JSON.stringify(file));
        }
    });
});

describe("what the settings change", () => {
    const res = (type: string, name: string, inputs: Record<string, unknown>): SimResource => ({
        type, name, urn: `urn:pulumi:dev::securepg::${type}::${name}`, inputs, parent: "", dependencies: [],
        additionalSecretOutputs: [], protect: false, ignoreChanges: [],
    });
    const messages = async (policyName: string, resources: SimResource[], config?: PackConfig) =>
        (await runPack([byName(policyName)], resources, { config })).violations.map((v) => `${v.enforcementLevel}: ${v.message}`);

    it("widestPrefixLength: a public /24 passes by default and not at 28; the whole Internet never passes", async () => {
        const rule = res(TYPES.firewallRule, "fw", { startIpAddress: "198.51.100.0", endIpAddress: "198.51.100.255" });
        assert.deepEqual(await messages("postgres-firewall-no-open-ranges", [rule]), []);
        assert.deepEqual(await messages("postgres-firewall-no-open-ranges", [rule], { "postgres-firewall-no-open-ranges": { widestPrefixLength: 28 } }), [
            "mandatory: firewall rule 198.51.100.0-198.51.100.255 admits 256 addresses, wider than a /28 of public address space; allow the office or CI ranges you need",
        ]);
        const everyone = res(TYPES.firewallRule, "fw", { startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" });
        assert.deepEqual(await messages("postgres-firewall-no-open-ranges", [everyone], { "postgres-firewall-no-open-ranges": { widestPrefixLength: 0 } }), [
            "mandatory: firewall rule 0.0.0.0-255.255.255.255 opens the server to the whole Internet",
        ]);
    });

    it("allowedSkus: VpnGw1AZ passes by default and not when only VpnGw2AZ is allowed; ExpressRoute gateways are not VPN SKUs", async () => {
        const gateway = (sku: string, gatewayType = "Vpn") => res(TYPES.vpnGateway, "gw", { gatewayType, sku: { name: sku, tier: sku } });
        const only2 = { "vpn-gateway-no-basic-sku": { allowedSkus: ["VpnGw2AZ"] } };
        assert.deepEqual(await messages("vpn-gateway-no-basic-sku", [gateway("VpnGw1AZ"), gateway("VpnGw5")]), []);
        assert.deepEqual(await messages("vpn-gateway-no-basic-sku", [gateway("VpnGw1AZ")], only2), [
            `mandatory: sku is "VpnGw1AZ": this policy pack allows only VpnGw2AZ (vpn-gateway-no-basic-sku allowedSkus)`,
        ]);
        assert.deepEqual(await messages("vpn-gateway-no-basic-sku", [gateway("vpngw2az"), gateway("ErGw1AZ", "ExpressRoute")], only2), []);
        assert.equal((await messages("vpn-gateway-no-basic-sku", [gateway("Basic")], { "vpn-gateway-no-basic-sku": { allowedSkus: [...VPN_GATEWAY_SKUS] } })).length, 1);
    });

    it("floorDays: a production workspace at 100 days passes by default and not at 120", async () => {
        const workspace = res(TYPES.workspace, "log", { retentionInDays: 100, tags: { environment: "prod" } });
        assert.deepEqual(await messages("log-retention-floor", [workspace]), []);
        assert.deepEqual(await messages("log-retention-floor", [workspace], { "log-retention-floor": { floorDays: 120 } }), [
            "mandatory: Log Analytics workspace log keeps logs 100 days: production keeps them at least 120 (securepg:monitoring.retentionInDays)",
        ]);
    });

    it("a key the policy does not know is reported by the policy, since the engine lets it through", async () => {
        const workspace = res(TYPES.workspace, "log", { retentionInDays: 100, tags: { environment: "prod" } });
        assert.deepEqual(await messages("log-retention-floor", [workspace], { "log-retention-floor": { floorDay: 120 } }), [
            `mandatory: the policy pack configuration of log-retention-floor has "floorDay", which it does not know (it knows "floorDays"); fix the --policy-pack-config file`,
        ]);
        const nsg = res(TYPES.nsg, "nsg", { securityRules: [] });
        assert.deepEqual(await messages("nsg-no-internet-to-ssh-or-postgres", [nsg], { "nsg-no-internet-to-ssh-or-postgres": { port: [6432], ports: [22] } }), [
            `mandatory: the policy pack configuration of nsg-no-internet-to-ssh-or-postgres has "port", which it does not know (it knows "ports"); fix the --policy-pack-config file`,
        ]);
        const rule = res(TYPES.firewallRule, "fw", { startIpAddress: "203.0.113.7", endIpAddress: "203.0.113.7" });
        assert.equal((await messages("postgres-firewall-no-open-ranges", [rule], { "postgres-firewall-no-open-ranges": { widest: 28 } })).length, 1);
        const gateway = res(TYPES.vpnGateway, "gw", { sku: { name: "VpnGw1AZ" } });
        assert.equal((await messages("vpn-gateway-no-basic-sku", [gateway], { "vpn-gateway-no-basic-sku": { skus: ["VpnGw1AZ"] } })).length, 1);
    });
});

describe("the shipped stacks with policy/config.example.json", () => {
    const shipped = new Map<string, SimResource[]>();
    before(async () => {
        for (const file of loadAllStackFiles()) {
            const run = await runProgram({ stack: file.stack, config: file.config, secretKeys: file.secretKeys });
            assert.equal(run.error, undefined, run.error?.message);
            shipped.set(file.stack, resourcesOf(run, file.stack));
        }
    });

    it("pass every mandatory policy, the example's own levels included", async () => {
        assert.ok(shipped.size >= 2);
        for (const [stack, resources] of shipped) {
            const result = await runPack(policies, resources, { config: example });
            assert.deepEqual(mandatory(result), [], `${stack}: ${describeViolations(result.violations)}`);
            assert.ok((result.applied.get("vpn-gateway-no-basic-sku") ?? 0) > 0, stack);
        }
    });
});
