/**
 * stacks/settings.ts: the stack program's configuration becomes the component's settings and back
 * without losing what the validator needs to see: every securepg key (unknown ones too, so they are
 * reported), values that are not JSON (reported as they are), and the region.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { engineConfigOf, settingsOfEngineConfig } from "../stacks/settings";
import { parseStackConfig, StackConfigError } from "../stacks";
import { loadAllStackFiles } from "./harness/stackFiles";

describe("settings from the engine's configuration", () => {
    it("takes securepg keys (structured ones parsed) and the region, and nothing of other namespaces", () => {
        const settings = settingsOfEngineConfig({
            "azure-native:location": "westeurope", "azure-native:subscriptionId": "x", "other:thing": "{}",
            "securepg:database": '{"databases":["app"]}', "securepg:protect": "true", "securepg:environment": "dev", "securepg:netwrok": '{"a":1}',
        });
        assert.deepEqual(settings, { location: "westeurope", database: { databases: ["app"] }, protect: true, environment: "dev", netwrok: { a: 1 } });
    });

    it("keeps a value that is not JSON as its text, and skips unset keys", () => {
        assert.deepEqual(settingsOfEngineConfig({ "securepg:vpn": "{oops", "securepg:proxy": undefined }), { vpn: "{oops" });
    });

    it("goes back to the engine's form: location to azure-native:location, the rest under securepg:", () => {
        const raw = engineConfigOf("p", "s", { location: "westeurope", database: { databases: ["app"] }, protect: false, environment: "dev", unset: undefined });
        assert.deepEqual(raw, { project: "p", stack: "s", values: { "azure-native:location": "westeurope", "securepg:database": '{"databases":["app"]}', "securepg:protect": "false", "securepg:environment": "dev" } });
    });

    for (const file of loadAllStackFiles()) {
        it(`${file.stack}: the round trip validates to exactly what the stack file does`, () => {
            const direct = parseStackConfig({ project: "securepg", stack: file.stack, values: file.config });
            const through = parseStackConfig(engineConfigOf("securepg", file.stack, settingsOfEngineConfig(file.config)));
            assert.deepEqual(through, direct);
        });
    }

    it("an unknown key and a malformed section are still reported under their keys", () => {
        const values = { "azure-native:location": "westeurope", "securepg:netwrok": '{"a":1}', "securepg:vpn": "{oops" };
        assert.throws(() => parseStackConfig(engineConfigOf("securepg", "dev", settingsOfEngineConfig(values))), (error: unknown) => {
            assert.ok(error instanceof StackConfigError);
            const keys = error.problems.map((p) => p.key);
            assert.ok(keys.includes("securepg:netwrok") && keys.includes("securepg:vpn"), keys.join(", "));
            return true;
        });
    });

    it("round-trips any JSON section value", () => {
        fc.assert(fc.property(fc.jsonValue(), (value) => {
            const text = JSON.stringify(value);
            const back = engineConfigOf("p", "s", settingsOfEngineConfig({ "securepg:network": text })).values["securepg:network"];
            // A JSON string comes back as its text (the validator reads it the same way); everything else as the same JSON.
            assert.equal(back, typeof value === "string" ? value : text);
        }));
    });
});
