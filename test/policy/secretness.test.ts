/**
 * policy/secretness.ts on its own: reading recorded secret paths from anything, and installing the
 * shim into a stand-in for @pulumi/policy's deserialize module (engine.test.ts runs the real one).
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { attachSecretPaths, installSecretnessShim, secretIndex, secretPathsOf, SECRET_SIG_KEY, SECRET_SIG_VALUE, uninstallSecretnessShim } from "../../policy/secretness";

type Deserialize = (struct: { toJavaScript(): unknown }, proxySecrets: boolean) => unknown;

/** A deserialize module whose function returns the wire properties without secret markers. */
function standIn(): { deserializeProperties: Deserialize } {
    return {
        deserializeProperties: (struct) => {
            const raw = struct.toJavaScript() as Record<string, unknown>;
            return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, (v as { value?: unknown })?.value ?? v]));
        },
    };
}

const wire = { toJavaScript: () => ({ password: { [SECRET_SIG_KEY]: SECRET_SIG_VALUE, value: "s3cret-value" }, name: "db" }) };

describe("secretPathsOf", () => {
    it("reads the recorded paths, and nothing from values that carry none", () => {
        assert.deepEqual(secretPathsOf(attachSecretPaths({ a: 1 }, [["a"]])), [["a"]]);
        for (const value of [null, undefined, "text", 5, {}, []]) {
            assert.equal(secretPathsOf(value), undefined, String(value));
        }
    });
});

describe("secretIndex", () => {
    it("a path is secret when it or any of its ancestors is, the whole properties object included", () => {
        const isSecret = secretIndex([["osProfile", "adminPassword"], ["keys", 1]]);
        assert.equal(isSecret(["osProfile", "adminPassword"]), true);
        assert.equal(isSecret(["keys", 1, "pem"]), true);
        assert.equal(isSecret(["keys", 0]), false);
        assert.equal(isSecret(["osProfile"]), false);
        assert.equal(secretIndex([[]])(["anything", 0]), true, "a wholly secret object");
        assert.equal(secretIndex([])([]), false);
    });
});

describe("shared with other copies of this module (the pack's own node_modules, a test's)", () => {
    it("reads paths recorded under the registered symbol", () => {
        const props = Object.defineProperty({}, Symbol.for("securepg.policy.secretPaths"), { value: [["a"]] });
        assert.deepEqual(secretPathsOf(props), [["a"]]);
    });
    it("recognises a shim another copy installed", () => {
        const original: Deserialize = () => ({});
        const shim = Object.assign(() => ({}), { [Symbol.for("securepg.policy.secretnessShim.original")]: original });
        const mod = { deserializeProperties: shim };
        assert.equal(installSecretnessShim(mod), true);
        assert.equal(mod.deserializeProperties, shim, "not wrapped twice");
        uninstallSecretnessShim(mod);
        assert.equal(mod.deserializeProperties, original);
    });
});

describe("the secretness shim", () => {
    it("records the secret paths on what the wrapped function returns, and changes nothing else", () => {
        const mod = standIn();
        assert.equal(installSecretnessShim(mod), true);
        const props = mod.deserializeProperties(wire, false);
        assert.deepEqual(props, { password: "s3cret-value", name: "db" });
        assert.deepEqual(secretPathsOf(props), [["password"]]);
        assert.equal(secretPathsOf(mod.deserializeProperties(wire, true)), undefined, "remediation calls keep their Secret wrappers");
    });

    it("is idempotent: a second install keeps the first shim", () => {
        const mod = standIn();
        installSecretnessShim(mod);
        const first = mod.deserializeProperties;
        assert.equal(installSecretnessShim(mod), true);
        assert.equal(mod.deserializeProperties, first);
    });

    it("changes nothing, and says so, when the module has no deserializeProperties", () => {
        const mod: { deserializeProperties?: Deserialize } = {};
        assert.equal(installSecretnessShim(mod), false);
        assert.deepEqual(mod, {});
    });

    it("uninstall restores the original function, and leaves a module without the shim alone", () => {
        const mod = standIn();
        const original = mod.deserializeProperties;
        installSecretnessShim(mod);
        assert.notEqual(mod.deserializeProperties, original);
        uninstallSecretnessShim(mod);
        assert.equal(mod.deserializeProperties, original);
        uninstallSecretnessShim(mod);
        assert.equal(mod.deserializeProperties, original);
    });
});
