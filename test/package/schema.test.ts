/**
 * The component package's schema, inferred by the Pulumi Node.js SDK's analyzer from the TypeScript
 * args (what `pulumi package add` generates SDKs from): every setting the stack validator knows is an
 * arg, documented, with the right type; every stack output is a component output, and the values the
 * program produces fit the declared types.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { COMPONENT_TOKEN, objectProblems, packageSchema, PLUGIN_DIR, type PackageSchema, type SchemaProperty } from "../harness/packageSchema";
import { runProgram } from "../harness/program";
import { loadAllStackFiles, PROJECT_ROOT } from "../harness/stackFiles";
import { databaseFields, monitoringFields, networkFields, proxyFields, topLevelFields, vpnFields } from "../../stacks/fields";
import { DEPLOYMENT_OUTPUTS } from "../../stacks/deployed";

/** The keys of a zod object, through lists, pipes, defaults and optionals around it. */
function shapeKeys(schema: unknown): string[] {
    let node = schema as { _zod?: { def: Record<string, unknown> } } | undefined;
    for (let depth = 0; node && depth < 10; depth++) {
        const def = node._zod?.def;
        if (def?.type === "object") {
            return Object.keys(def.shape as object);
        }
        node = (def?.type === "array" ? def.element : def?.type === "pipe" ? def.in : def?.innerType) as typeof node;
    }
    throw new Error("not a zod object");
}

const sorted = (keys: Iterable<string>) => [...keys].sort();
const typeToken = (ref: string | undefined) => ref?.replace(/^#\/types\//, "");

describe("the component package's schema", () => {
    let schema: PackageSchema;
    before(async () => {
        schema = await packageSchema();
    });

    it("is the package securepg, named and versioned by package.json, with one component", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(PLUGIN_DIR, "package.json"), "utf8")) as { name: string; version: string; description: string };
        assert.equal(schema.name, manifest.name);
        assert.equal(schema.version, manifest.version);
        assert.equal(schema.description, manifest.description);
        assert.deepEqual(Object.keys(schema.resources), [COMPONENT_TOKEN]);
        assert.equal(schema.resources[COMPONENT_TOKEN].isComponent, true);
        assert.match(schema.resources[COMPONENT_TOKEN].description ?? "", /PostgreSQL Flexible Server/);
    });

    it("one folder is both: the plugin's entry (package.json main) exports the component, the program's (Pulumi.yaml main) is index.ts", () => {
        const plugin = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "PulumiPlugin.yaml"), "utf8")) as Record<string, unknown>;
        // The CLI launches a plugin in its own folder, with "." as the entry point (NewProgramInfo(pluginDir, pluginDir, ".")).
        assert.deepEqual(plugin, { runtime: "nodejs" });
        const project = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { main?: string };
        const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { main: string };
        assert.equal(project.main, "index.ts");
        assert.equal(manifest.main, "plugin/index.ts");
        const asPlugin = require(PLUGIN_DIR) as Record<string, unknown>;
        assert.deepEqual(getPulumiComponents(asPlugin).map((c) => c.name), ["SecurePg"]);
        // The program's module exports the function the language host runs, and no component (else it would be hosted instead).
        const asProgram = require(path.join(PROJECT_ROOT, project.main)) as unknown;
        assert.equal(typeof asProgram, "function");
        assert.deepEqual(getPulumiComponents(asProgram), []);
    });

    it("has an input for every stack setting and nothing else; only the region is required", () => {
        const component = schema.resources[COMPONENT_TOKEN];
        const topLevel = Object.keys(topLevelFields);
        const sections = { network: networkFields, database: databaseFields, vpn: vpnFields, proxy: proxyFields, monitoring: monitoringFields };
        assert.deepEqual(sorted(Object.keys(component.inputProperties ?? {})), sorted([...topLevel, ...Object.keys(sections)]));
        assert.deepEqual(component.requiredInputs, ["location"]);
        for (const [section, fields] of Object.entries(sections)) {
            const type = schema.types[typeToken(component.inputProperties?.[section].$ref) ?? ""];
            assert.ok(type, `${section} has no object type`);
            assert.deepEqual(sorted(Object.keys(type.properties ?? {})), sorted(Object.keys(fields)), section);
            assert.deepEqual(type.required ?? [], [], `every ${section} setting has a default or is optional`);
        }
    });

    it("nested settings have exactly the validator's fields", () => {
        const nested: Array<[string, unknown]> = [
            ["securepg:index:EntraAdminSettings", databaseFields.entraAdmin],
            ["securepg:index:SiteSettings", vpnFields.sites],
            ["securepg:index:ProxyTargetSettings", proxyFields.targets],
        ];
        for (const [token, zodSchema] of nested) {
            assert.deepEqual(sorted(Object.keys(schema.types[token]?.properties ?? {})), sorted(shapeKeys(zodSchema)), token);
        }
        const site = schema.types["securepg:index:SiteSettings"].properties ?? {};
        const ipsec = schema.types[typeToken(site.ipsecPolicy.$ref) ?? ""];
        const bgp = schema.types[typeToken(site.bgp.$ref) ?? ""];
        assert.ok(ipsec && bgp);
        const siteShape = (vpnFields.sites as unknown as { _zod: { def: { element: { _zod: { def: { shape: Record<string, unknown> } } } } } })._zod.def.element._zod.def.shape;
        assert.deepEqual(sorted(Object.keys(ipsec.properties ?? {})), sorted(shapeKeys(siteShape.ipsecPolicy)));
        assert.deepEqual(sorted(Object.keys(bgp.properties ?? {})), sorted(shapeKeys(siteShape.bgp)));
        assert.deepEqual(sorted(schema.types["securepg:index:SiteSettings"].required ?? []), ["addressPrefixes", "gatewayAddress", "name"]);
    });

    it("has the types a caller needs: numbers, switches, lists, a map of secret keys", () => {
        const types = schema.types;
        const prop = (token: string, name: string) => types[`securepg:index:${token}`].properties?.[name] as SchemaProperty;
        assert.deepEqual(prop("DatabaseSettings", "storageSizeGB").type, "number");
        assert.deepEqual(prop("DatabaseSettings", "highAvailability").type, "boolean");
        assert.deepEqual(prop("DatabaseSettings", "databases").items?.type, "string");
        assert.deepEqual(prop("DatabaseSettings", "version").type, "string");
        assert.deepEqual(prop("VpnSettings", "siteKeys").type, "object");
        assert.deepEqual(prop("VpnSettings", "siteKeys").additionalProperties?.type, "string");
        // A key may be a secret Output: the map's values are inputs, not plain.
        assert.equal(prop("VpnSettings", "siteKeys").additionalProperties?.plain, undefined);
        assert.deepEqual(typeToken(prop("VpnSettings", "sites").items?.$ref), "securepg:index:SiteSettings");
        assert.deepEqual(prop("ProxySettings", "port").type, "number");
        // Settings are values, not outputs of other resources: the validator needs them before anything is declared.
        for (const [name, input] of Object.entries(schema.resources[COMPONENT_TOKEN].inputProperties ?? {})) {
            assert.equal(input.plain, true, `${name} is not plain`);
        }
    });

    it("documents every input, output and field", () => {
        const undocumented: string[] = [];
        const component = schema.resources[COMPONENT_TOKEN];
        const check = (where: string, properties: Record<string, SchemaProperty> | undefined) => {
            for (const [name, property] of Object.entries(properties ?? {})) {
                if (!property.description || property.description.trim().length < 5) {
                    undocumented.push(`${where}.${name}`);
                }
            }
        };
        check("inputs", component.inputProperties);
        check("outputs", component.properties);
        // The SDK's schema keeps the descriptions of properties, not of object types (generateSchema in 3.248).
        for (const [token, type] of Object.entries(schema.types)) {
            check(token, type.properties);
        }
        assert.deepEqual(undocumented, []);
    });

    it("its outputs are exactly the stack outputs the program had before the component (none renamed or lost)", () => {
        // Recorded at main 4494561 over every stack file, with and without every optional part.
        const before = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "test", "fixtures", "before-component", "outputs.json"), "utf8")) as string[];
        assert.equal(before.length, 37);
        assert.deepEqual(sorted(Object.keys(schema.resources[COMPONENT_TOKEN].properties ?? {})), sorted(before));
    });

    for (const file of loadAllStackFiles()) {
        it(`${file.stack}: its stack outputs are the component's outputs, and their values fit the schema`, async () => {
            const run = await runProgram({ stack: file.stack, config: file.config, secretKeys: file.secretKeys });
            assert.equal(run.error, undefined, run.error?.message);
            const component = schema.resources[COMPONENT_TOKEN];
            const outputs = component.properties ?? {};
            assert.deepEqual(Object.keys(run.outputs).filter((key) => !(key in outputs)), []);
            for (const name of Object.values(DEPLOYMENT_OUTPUTS)) {
                assert.ok(name in outputs, `${name} (read back by the next deployment) is not a component output`);
            }
            // What the stack exports is what the component's outputs hold; the schema must describe those values.
            assert.deepEqual(objectProblems(schema, { properties: outputs, required: component.required }, run.outputs, "outputs"), []);
            assert.ok(Object.keys(run.outputs).length >= 25);
        });
    }

    it("the value check is not vacuous: a wrong type, an unknown field and a missing required output are found", () => {
        const component = schema.resources[COMPONENT_TOKEN];
        const problems = objectProblems(schema, { properties: component.properties, required: component.required },
            { proxyPort: "5432", proxyInstances: [{ vmName: "vm", privateIp: "10.0.0.4", extra: 1 }] }, "outputs");
        assert.ok(problems.includes('outputs.proxyPort: "5432" is not a number'), problems.join("\n"));
        assert.ok(problems.includes("outputs.proxyInstances[0].extra: not in the schema"), problems.join("\n"));
        assert.ok(problems.includes("outputs.serverFqdn: required, missing"), problems.join("\n"));
    });
});
