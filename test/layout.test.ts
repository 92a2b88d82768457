/**
 * The layout the code is reviewed against: lib/ holds pure functions that depend on nothing above
 * them (no stacks/, components/, policy/, index.ts, and no Pulumi), and components/ never read stack
 * configuration themselves.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
// The compiler's own reading of a file's imports (static, dynamic, type-only, require), as the policy bundle uses it.
import { importsOf } from "../scripts/policyBundle";

const ROOT = path.join(__dirname, "..");

const tsFiles = (dir: string) => fs.readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(".ts")).map((f) => path.join(ROOT, dir, f));

describe("layout", () => {
    it("reads imports of every form", () => {
        const sample = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "layout-")), "x.ts");
        fs.writeFileSync(sample, [
            `import type { A } from "../stacks/types";`,
            `import {\n  B,\n} from "./b";`,
            `export * from "../components/c";`,
            `const d = await import("../policy/d");`,
            `import "./side-effect";`,
            `const e = require("@pulumi/pulumi");`,
        ].join("\n"));
        assert.deepEqual(importsOf(sample).sort(), ["../components/c", "../policy/d", "../stacks/types", "./b", "./side-effect", "@pulumi/pulumi"].sort());
    });

    it("lib/ depends on nothing above it, and not on Pulumi", () => {
        const files = tsFiles("lib");
        assert.ok(files.length >= 10, "lib/ has its modules");
        const offending = files.flatMap((file) => importsOf(file)
            .filter((spec) => (spec.startsWith(".") && !path.resolve(path.dirname(file), spec).startsWith(path.join(ROOT, "lib") + path.sep)) || spec.startsWith("@pulumi/"))
            .map((spec) => `${path.relative(ROOT, file)} imports ${spec}`));
        assert.deepEqual(offending, []);
    });

    it("components/ take their settings as arguments and never read stack configuration", () => {
        // The top-level component validates its args with the stack validator and reads what is
        // deployed (stacks/settings, stacks/guard, stacks/deployed); only the stack program reads
        // configuration. The components under it see only the validated types.
        const TOP_LEVEL = path.join(ROOT, "components", "securepg.ts");
        const offending = tsFiles("components").filter((file) => file !== TOP_LEVEL).flatMap((file) => importsOf(file)
            .filter((spec) => /(^|\/)stacks(\/|$)/.test(spec) && !/stacks\/types$/.test(spec))
            .map((spec) => `${path.relative(ROOT, file)} imports ${spec}`));
        assert.deepEqual(offending, []);
        for (const file of tsFiles("components")) {
            assert.doesNotMatch(fs.readFileSync(file, "utf8"), /new pulumi\.Config\(|pulumi\.Config\b|allConfig\(/, `${path.relative(ROOT, file)} reads configuration`);
        }
    });
});
