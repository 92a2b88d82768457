/**
 * stacks/stackFile.ts: stack files read without Pulumi (`npm run cost`, `npm run diagram`, the tests),
 * the way the engine hands their configuration to the program.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadStackFile, SECRET_PLACEHOLDER, stackFileNames, toEngineConfig } from "../stacks/stackFile";
import { parseStackConfig } from "../stacks";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-stackfile-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("stack files", () => {
    it("are exactly the Pulumi.<stack>.yaml files, sorted", () => {
        for (const name of ["Pulumi.prod.yaml", "Pulumi.dev.yaml", "Pulumi.yaml", "xPulumi.dev.yaml", "Pulumi.dev.yaml.bak", "Pulumi.a.b.yaml", "PulumiPlugin.yaml"]) {
            fs.writeFileSync(path.join(dir, name), "config: {}\n");
        }
        assert.deepEqual(stackFileNames(dir), ["Pulumi.dev.yaml", "Pulumi.prod.yaml"]);
    });

    it("turn their config into the engine's form: bare keys in the project's namespace, structured values as JSON", () => {
        assert.deepEqual(toEngineConfig({ "azure-native:location": "westeurope", environment: "dev", "securepg:database": { databases: ["app"] }, "securepg:protect": true }), {
            config: { "azure-native:location": "westeurope", "securepg:environment": "dev", "securepg:database": '{"databases":["app"]}', "securepg:protect": "true" },
            secretKeys: [],
        });
    });

    it("stand in for secure values, at any depth, and mark their keys secret", () => {
        const { config, secretKeys } = toEngineConfig({
            "securepg:entraTenantId": { secure: "v1:abc" },
            "securepg:vpn": { clients: ["a"], siteKeys: { hq: { secure: "v1:def" } } },
            "securepg:proxy": { targets: [] },
        });
        assert.deepEqual(secretKeys, ["securepg:entraTenantId", "securepg:vpn"]);
        assert.equal(config["securepg:entraTenantId"], SECRET_PLACEHOLDER);
        assert.deepEqual(JSON.parse(config["securepg:vpn"]), { clients: ["a"], siteKeys: { hq: SECRET_PLACEHOLDER } });
    });

    it("a stack file with a site key set by `pulumi config set --secret --path` still validates (npm run cost reads it)", () => {
        fs.writeFileSync(path.join(dir, "Pulumi.site.yaml"), [
            "config:",
            "  azure-native:location: westeurope",
            "  securepg:environment: dev",
            "  securepg:vpn:",
            "    sites:",
            "      - name: hq",
            "        gatewayAddress: 203.0.113.10",
            "        addressPrefixes: [192.168.10.0/24]",
            "    siteKeys:",
            "      hq:",
            "        secure: v1:c2VjcmV0",
            "",
        ].join("\n"));
        const file = loadStackFile("Pulumi.site.yaml", dir);
        assert.equal(file.stack, "site");
        assert.deepEqual(file.secretKeys, ["securepg:vpn"]);
        const config = parseStackConfig({ project: "securepg", stack: "site", values: file.config });
        assert.equal(config.vpn.sites[0].name, "hq");
    });

    it("a file not named Pulumi.<stack>.yaml is refused; one without config has none", () => {
        assert.throws(() => loadStackFile("stack.yaml", dir), /^Error: stack\.yaml is not a Pulumi\.<stack>\.yaml file$/);
        assert.throws(() => loadStackFile("Pulumi.dev.yaml.bak", dir), /is not a Pulumi\.<stack>\.yaml file$/);
        fs.writeFileSync(path.join(dir, "Pulumi.empty.yaml"), "encryptionsalt: x\n");
        assert.deepEqual(loadStackFile("Pulumi.empty.yaml", dir), { stack: "empty", file: "Pulumi.empty.yaml", config: {}, secretKeys: [] });
    });
});
