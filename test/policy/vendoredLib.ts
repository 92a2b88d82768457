/**
 * The policy pack's copy of the lib/ modules it uses (policy/vendor/), derived from lib/ and
 * nothing else: `pulumi policy publish` uploads the policy/ folder alone, so the pack cannot import
 * ../lib, and the program keeps lib/ as the one place those rules are written.
 *
 * The copies are byte-identical to lib/ (lib modules import each other as `./x`, which still
 * resolves inside policy/vendor/), so a test can prove them current by comparing bytes, and
 * refreshing them is a copy:
 *
 *     node --import tsx test/policy/vendoredLib.ts --write
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

export const ROOT = path.resolve(__dirname, "..", "..");
export const POLICY_DIR = path.join(ROOT, "policy");
export const VENDOR_DIR = path.join(POLICY_DIR, "vendor");
const LIB_DIR = path.join(ROOT, "lib");

/** Every module specifier a TypeScript file imports, re-exports or requires, as the compiler reads them. */
export function importsOf(file: string): string[] {
    return ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles.map((f) => f.fileName);
}

/** The pack's own sources: its top-level .ts files, not the vendored copies. */
export function packSources(dir = POLICY_DIR): string[] {
    return fs.readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => path.join(dir, f));
}

/** The file a relative specifier names, if it is a .ts module. */
function resolveTs(from: string, specifier: string): string | undefined {
    const base = path.resolve(path.dirname(from), specifier);
    return [`${base}.ts`, path.join(base, "index.ts")].find((candidate) => fs.existsSync(candidate));
}

/**
 * The lib/ files the pack needs: those its sources import through `./vendor/<name>`, and
 * everything those import in turn, by name (`cidr.ts`, ...).
 */
export function vendoredNames(): string[] {
    const wanted = new Set<string>();
    const queue: string[] = [];
    for (const source of packSources()) {
        for (const specifier of importsOf(source)) {
            const vendored = /^\.\/vendor\/([^/]+)$/.exec(specifier);
            if (vendored) {
                queue.push(path.join(LIB_DIR, `${vendored[1]}.ts`));
            }
        }
    }
    while (queue.length > 0) {
        const file = queue.pop()!;
        const name = path.basename(file);
        if (wanted.has(name)) {
            continue;
        }
        if (!fs.existsSync(file)) {
            throw new Error(`the pack imports ./vendor/${name.replace(/\.ts$/, "")}, which is not in lib/`);
        }
        wanted.add(name);
        for (const specifier of importsOf(file).filter((s) => s.startsWith("."))) {
            const target = resolveTs(file, specifier);
            if (target === undefined || path.dirname(target) !== LIB_DIR) {
                throw new Error(`lib/${name} imports ${specifier}, which is not a module directly in lib/`);
            }
            queue.push(target);
        }
    }
    return [...wanted].sort();
}

/** What policy/vendor/ must hold: file name → contents, copied from lib/. */
export function expectedVendor(): Map<string, string> {
    return new Map(vendoredNames().map((name) => [name, fs.readFileSync(path.join(LIB_DIR, name), "utf8")]));
}

/** What policy/vendor/ holds now. */
export function actualVendor(): Map<string, string> {
    if (!fs.existsSync(VENDOR_DIR)) {
        return new Map();
    }
    return new Map(fs.readdirSync(VENDOR_DIR).filter((f) => f.endsWith(".ts")).sort().map((f) => [f, fs.readFileSync(path.join(VENDOR_DIR, f), "utf8")]));
}

/** Rewrites policy/vendor/ from lib/, removing copies the pack no longer needs. */
export function writeVendor(): string[] {
    const expected = expectedVendor();
    fs.mkdirSync(VENDOR_DIR, { recursive: true });
    for (const stale of [...actualVendor().keys()].filter((name) => !expected.has(name))) {
        fs.rmSync(path.join(VENDOR_DIR, stale));
    }
    for (const [name, text] of expected) {
        fs.writeFileSync(path.join(VENDOR_DIR, name), text);
    }
    return [...expected.keys()];
}

if (require.main === module) {
    if (process.argv.includes("--write")) {
        console.log(`policy/vendor/: ${writeVendor().join(", ")}`);
    } else {
        console.log(vendoredNames().join("\n"));
    }
}
