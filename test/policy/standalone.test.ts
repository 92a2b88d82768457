/**
 * The policy pack is publishable on its own: `pulumi policy publish` uploads one folder and nothing
 * else. `npm run policy:bundle` (scripts/policyBundle.ts) writes the pack with the lib/ modules it
 * shares with the program; here the bundle is written to a temporary directory and must import
 * nothing outside itself, declare every package it imports, type-check and load.
 */
import { after, before, describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { bundlePolicyPack, importsOf, libClosure, POLICY_DIR, rewriteImports, ROOT } from "../../scripts/policyBundle";

/** Every .ts file under `dir`, node_modules excepted. */
function tsFilesUnder(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            return entry.name === "node_modules" ? [] : tsFilesUnder(full);
        }
        return entry.name.endsWith(".ts") ? [full] : [];
    });
}

/** The package a bare specifier names (`@pulumi/azure-native/network` → `@pulumi/azure-native`). */
function packageOf(specifier: string): string {
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const isBuiltin = (specifier: string) => specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]);

/** Imports of the files under `dir` that leave it, and packages it imports without declaring them. */
function escapes(dir: string): { outside: string[]; undeclared: string[] } {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    const declared = new Set(Object.keys(manifest.dependencies ?? {}));
    const outside: string[] = [];
    const undeclared: string[] = [];
    for (const file of tsFilesUnder(dir)) {
        const where = path.relative(dir, file);
        for (const specifier of importsOf(file)) {
            if (specifier.startsWith(".")) {
                const target = path.resolve(path.dirname(file), specifier);
                if (path.relative(dir, target).startsWith("..")) {
                    outside.push(`${where}: ${specifier}`);
                }
            } else if (!isBuiltin(specifier) && !declared.has(packageOf(specifier))) {
                undeclared.push(`${where}: ${specifier}`);
            }
        }
    }
    return { outside, undeclared };
}

describe("the bundle is the pack and lib/, unchanged but for the import paths", () => {
    it("takes exactly the lib/ modules the pack reaches", () => {
        const closure = libClosure();
        assert.ok(closure.includes("azureRules.ts") && closure.includes("cidr.ts") && closure.includes("siteToSite.ts"), closure.join(", "));
        assert.ok(!closure.includes("clientConfig.ts") && !closure.includes("vpnProfile.ts"), "modules the pack never imports were bundled");
    });

    it("points ../lib imports at ./lib and leaves every other line alone", () => {
        const text = 'import { a } from "../lib/cidr";\nimport { b } from "./props";\nconst c = require("../lib/regions");\nconst d = "../lib/x in a string";\n';
        assert.equal(rewriteImports(text), 'import { a } from "./lib/cidr";\nimport { b } from "./props";\nconst c = require("./lib/regions");\nconst d = "../lib/x in a string";\n');
    });
});

describe("the bundle, written alone to a temporary directory", () => {
    let copy: string;
    before(() => {
        copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "securepg-policy-")), "policy");
        bundlePolicyPack(copy);
    });
    after(() => fs.rmSync(path.dirname(copy), { recursive: true, force: true }));

    it("imports nothing outside itself and declares every package it imports", () => {
        assert.ok(tsFilesUnder(copy).length >= 15);
        assert.deepEqual(escapes(copy), { outside: [], undeclared: [] });
        for (const name of ["package.json", "package-lock.json", "PulumiPolicy.yaml", "tsconfig.json", "config.example.json", "README.md"]) {
            assert.ok(fs.existsSync(path.join(copy, name)), `${name} is not in the bundle`);
        }
        for (const name of libClosure()) {
            assert.equal(fs.readFileSync(path.join(copy, "lib", name), "utf8"), fs.readFileSync(path.join(ROOT, "lib", name), "utf8"), name);
        }
    });

    it("the repository's pack itself reaches outside its folder (which is why it is bundled)", () => {
        assert.ok(escapes(POLICY_DIR).outside.length > 0);
    });

    it("the check sees an import that leaves the folder and a package that is not declared", () => {
        const broken = path.join(path.dirname(copy), "broken");
        fs.cpSync(copy, broken, { recursive: true });
        fs.appendFileSync(path.join(broken, "rules.ts"), `\nimport { parseCidr as again } from "../lib/cidr";\nimport * as yaml from "yaml";\nvoid again; void yaml;\n`);
        assert.deepEqual(escapes(broken), { outside: ["rules.ts: ../lib/cidr"], undeclared: ["rules.ts: yaml"] });
    });

    describe("with the packages installed (the repository's node_modules, linked)", () => {
        before(() => fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir"));

        it("type-checks with its own tsconfig.json", () => {
            const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
            try {
                execFileSync(process.execPath, [tsc, "--noEmit", "-p", copy], { cwd: copy, encoding: "utf8", stdio: "pipe" });
            } catch (e) {
                const failure = e as { stdout?: string; stderr?: string };
                assert.fail(`tsc failed in the copy:\n${failure.stdout ?? ""}${failure.stderr ?? ""}`);
            }
        });

        it("loads: every policy, from the copy's own files", () => {
            const script = [
                "const { policies } = require('./policies');",
                "const loaded = Object.keys(require.cache).filter((f) => !f.includes('node_modules'));",
                "console.log(JSON.stringify({ names: policies.map((p) => p.name), loaded }));",
            ].join("\n");
            const output = execFileSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: copy, encoding: "utf8" });
            const { names, loaded } = JSON.parse(output.trim().split("\n").pop()!) as { names: string[]; loaded: string[] };
            assert.ok(names.includes("log-retention-floor") && names.includes("azure-request-rules"), names.join(", "));
            const real = fs.realpathSync(copy);
            assert.deepEqual(loaded.filter((f) => !fs.realpathSync(f).startsWith(real)), [], "a module was loaded from outside the copy");
            assert.ok(loaded.some((f) => f.endsWith(path.join("policy", "lib", "azureRules.ts"))));
        });
    });
});
