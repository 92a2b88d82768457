/**
 * examples/yaml: a Pulumi YAML program using the component package. Its properties must fit the
 * generated schema (names, types, required ones), every `${pg.<output>}` it reads must be an output
 * of the component, and the component built from exactly those properties (as the package host
 * builds it) must pass validation and declare the system.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { COMPONENT_TOKEN, objectProblems, packageSchema, type PackageSchema } from "../harness/packageSchema";
import { runUnderMocks, SECRET_SIG } from "../harness/program";
import { PROJECT_ROOT } from "../harness/stackFiles";
import { SecurePg, type SecurePgArgs } from "../../components/securepg";

const EXAMPLE = path.join(PROJECT_ROOT, "examples", "yaml", "Pulumi.yaml");

interface YamlProgram {
    name: string;
    runtime: string;
    config?: Record<string, { type: string; secret?: boolean }>;
    resources: Record<string, { type: string; properties: Record<string, unknown> }>;
    outputs: Record<string, string>;
}

const example = YAML.parse(fs.readFileSync(EXAMPLE, "utf8")) as YamlProgram;
const KEY_FOR_TEST = "k".repeat(40);

/** The properties with `${config}` references replaced by values, as the YAML engine evaluates them (secrets stay Outputs). */
function evaluate(value: unknown, config: Record<string, unknown>): unknown {
    if (typeof value === "string") {
        const whole = /^\$\{(\w+)\}$/.exec(value);
        if (whole && whole[1] in config) {
            return config[whole[1]];
        }
        return value;
    }
    if (Array.isArray(value)) {
        return value.map((item) => evaluate(item, config));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, config)]));
    }
    return value;
}

/** Every `${resource.property}` the program reads. */
function references(outputs: Record<string, string>): Array<{ resource: string; property: string }> {
    return Object.values(outputs).flatMap((text) => [...String(text).matchAll(/\$\{(\w+)\.(\w+)\}/g)].map((m) => ({ resource: m[1], property: m[2] })));
}

describe("examples/yaml uses the component package as its schema says", () => {
    let schema: PackageSchema;
    before(async () => {
        schema = await packageSchema();
    });

    const [name, resource] = Object.entries(example.resources).find(([, r]) => r.type === COMPONENT_TOKEN) ?? [];

    it("is a YAML program with the component", () => {
        assert.equal(example.runtime, "yaml");
        assert.ok(resource, `no ${COMPONENT_TOKEN} resource`);
    });

    it("its properties fit the schema's inputs", () => {
        const component = schema.resources[COMPONENT_TOKEN];
        const properties = evaluate(resource?.properties, { hqKey: KEY_FOR_TEST });
        assert.deepEqual(objectProblems(schema, { properties: component.inputProperties, required: component.requiredInputs }, properties, "properties"), []);
    });

    it("finds a property the schema does not have, and a wrong type", () => {
        const component = schema.resources[COMPONENT_TOKEN];
        const wrong = { ...resource?.properties, databse: {}, proxy: { port: "5432" } };
        const problems = objectProblems(schema, { properties: component.inputProperties, required: component.requiredInputs }, wrong, "properties");
        assert.ok(problems.includes("properties.databse: not in the schema"), problems.join("\n"));
        assert.ok(problems.includes('properties.proxy.port: "5432" is not a number'), problems.join("\n"));
    });

    it("reads only outputs the component has", () => {
        const outputs = schema.resources[COMPONENT_TOKEN].properties ?? {};
        const read = references(example.outputs);
        assert.ok(read.length >= 10);
        assert.deepEqual(read.filter((r) => r.resource !== name || !(r.property in outputs)), []);
    });

    it("the component, built from these properties with the key as a secret, declares the system", async () => {
        // The package host hands a section holding a secret over as an Output (provider deserializeInputs).
        const properties = evaluate(resource?.properties, { hqKey: pulumi.secret(KEY_FOR_TEST) }) as Record<string, unknown>;
        const vpn = pulumi.output(properties.vpn);
        let component: SecurePg | undefined;
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            component = new SecurePg(name ?? "pg", { ...properties, vpn } as unknown as SecurePgArgs);
            await component.ready();
            return component.stackOutputs();
        });
        assert.equal(run.error, undefined, run.error?.message);
        assert.ok(run.resources.length > 40, `only ${run.resources.length} resources`);
        const connection = run.resources.find((r) => r.type === "azure-native:network:VirtualNetworkGatewayConnection");
        assert.ok(connection, "the site's tunnel was not declared");
        assert.ok(connection.inputs.sharedKey?.[SECRET_SIG], "the site's key reached Azure's request in plain text");
        assert.equal(connection.inputs.sharedKey.value, KEY_FOR_TEST);
        assert.deepEqual(run.outputs.databaseNames, ["app", "reports"]);
        assert.ok(run.secretExports.has("siteSharedKeys") && run.secretExports.has("connectionString"));
    });

    it("a key given as an Output inside the settings (a TypeScript caller's secret) is awaited and stays secret", async () => {
        const properties = evaluate(resource?.properties, { hqKey: pulumi.secret(KEY_FOR_TEST) }) as Record<string, unknown>;
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            const component = new SecurePg(name ?? "pg", properties as unknown as SecurePgArgs);
            await component.ready();
            return component.stackOutputs();
        });
        assert.equal(run.error, undefined, run.error?.message);
        const connection = run.resources.find((r) => r.type === "azure-native:network:VirtualNetworkGatewayConnection");
        assert.equal(connection?.inputs.sharedKey?.value, KEY_FOR_TEST);
        assert.ok(connection?.inputs.sharedKey?.[SECRET_SIG]);
    });

    // A regression would hang rather than fail: the timeout turns it into a failure.
    it("a key that is still unknown (another resource's output, in a preview) is refused, not awaited forever", { timeout: 60_000 }, async () => {
        const properties = evaluate(resource?.properties, { hqKey: pulumi.output(pulumi.unknown as unknown as string) }) as Record<string, unknown>;
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            const component = new SecurePg(name ?? "pg", properties as unknown as SecurePgArgs);
            await component.ready();
            return component.stackOutputs();
        });
        assert.match(run.error?.message ?? "", /^securepg settings must be known before anything is declared/);
        assert.deepEqual(run.resources.map((r) => r.type), [COMPONENT_TOKEN]);
        // The outputs derived from the failed build reject with the same error, which the host reports once.
        assert.deepEqual(run.unhandledRejections.filter((reason) => reason !== run.error), []);
    });

    it("a second SecurePg in the same stack is refused: its names would collide with the first's", async () => {
        const properties = evaluate(resource?.properties, { hqKey: KEY_FOR_TEST }) as Record<string, unknown>;
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            const first = new SecurePg("first", properties as unknown as SecurePgArgs);
            await first.ready();
            new SecurePg("second", properties as unknown as SecurePgArgs);
            return first.stackOutputs();
        });
        assert.equal(run.error?.message, "one SecurePg per stack: its resources are named after the project and the stack, so a second one would collide with the first; use another stack");
        assert.equal(run.resources.filter((r) => r.type === COMPONENT_TOKEN).length, 1);
    });

    it("bad settings from the program are refused with the validator's words, before anything is declared", async () => {
        const run = await runUnderMocks({ stack: "dev", config: {} }, async () => {
            const properties = evaluate(resource?.properties, { hqKey: KEY_FOR_TEST }) as Record<string, unknown>;
            const component = new SecurePg("pg", { ...properties, database: { backupRetentionDays: 3 } } as unknown as SecurePgArgs);
            return component.stackOutputs();
        });
        assert.equal(run.error?.message, "invalid stack configuration (1 problem); nothing was deployed:\n  - securepg:database.backupRetentionDays must be from 7 to 35 (got 3)");
        assert.deepEqual(run.resources, []);
    });
});
