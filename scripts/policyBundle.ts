/**
 * `npm run policy:bundle [-- --out <dir>]`: the policy pack as a folder that stands alone, ready for
 * `pulumi policy publish` (which uploads one folder and nothing else). In the repository the pack
 * imports the rules it shares with the program from `../lib/`, where they are written once; the
 * bundle holds the pack's files with those imports pointed at `./lib/`, and the lib/ modules they
 * need (and the ones those import), copied unchanged. Default output: dist/policy (not committed).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

export const ROOT = path.resolve(__dirname, "..");
export const POLICY_DIR = path.join(ROOT, "policy");
const LIB_DIR = path.join(ROOT, "lib");
const STANDALONE_TSCONFIG = "tsconfig.standalone.json";
const SHARED = /^\.\.\/lib\/([A-Za-z0-9_]+)$/;

/** Every module specifier a TypeScript file imports, re-exports or requires, as the compiler reads them. */
export function importsOf(file: string): string[] {
    return ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles.map((f) => f.fileName);
}

/** The pack's own sources: its top-level .ts files. */
function packSources(): string[] {
    return fs.readdirSync(POLICY_DIR).filter((f) => f.endsWith(".ts")).map((f) => path.join(POLICY_DIR, f));
}

/** The lib/ modules the pack needs, by file name: those it imports and everything they import. */
export function libClosure(): string[] {
    const wanted = new Set<string>();
    const queue = packSources().flatMap((source) => importsOf(source).flatMap((specifier) => {
        const shared = SHARED.exec(specifier);
        return shared ? [path.join(LIB_DIR, `${shared[1]}.ts`)] : [];
    }));
    while (queue.length > 0) {
        const file = queue.pop() as string;
        const name = path.basename(file);
        if (wanted.has(name)) {
            continue;
        }
        if (!fs.existsSync(file)) {
            throw new Error(`the pack imports ../lib/${name.replace(/\.ts$/, "")}, which is not in lib/`);
        }
        wanted.add(name);
        for (const specifier of importsOf(file).filter((s) => s.startsWith("."))) {
            const target = path.resolve(path.dirname(file), `${specifier}.ts`);
            if (path.dirname(target) !== LIB_DIR || !fs.existsSync(target)) {
                throw new Error(`lib/${name} imports ${specifier}, which is not a module directly in lib/`);
            }
            queue.push(target);
        }
    }
    return [...wanted].sort();
}

/** A pack source with its `../lib/x` imports pointed at the bundle's `./lib/x`. */
export function rewriteImports(text: string): string {
    return text.replace(/(from\s+|import\s*\(\s*|require\s*\(\s*)(["'])\.\.\/lib\//g, "$1$2./lib/");
}

/** Writes the standalone pack to `outDir` (emptied first); returns the files written, relative to it. */
export function bundlePolicyPack(outDir: string): string[] {
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(outDir, "lib"), { recursive: true });
    const written: string[] = [];
    for (const entry of fs.readdirSync(POLICY_DIR, { withFileTypes: true })) {
        if (!entry.isFile()) {
            continue;
        }
        // In the repository the pack compiles with ../lib (rootDir ".."); alone, everything is inside it.
        if (entry.name === "tsconfig.json") {
            continue;
        }
        const source = path.join(POLICY_DIR, entry.name);
        const text = fs.readFileSync(source, "utf8");
        const name = entry.name === STANDALONE_TSCONFIG ? "tsconfig.json" : entry.name;
        fs.writeFileSync(path.join(outDir, name), entry.name.endsWith(".ts") ? rewriteImports(text) : text);
        written.push(name);
    }
    for (const name of libClosure()) {
        fs.copyFileSync(path.join(LIB_DIR, name), path.join(outDir, "lib", name));
        written.push(`lib/${name}`);
    }
    return written;
}

if (require.main === module) {
    const at = process.argv.indexOf("--out");
    const outDir = path.resolve(at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : path.join(ROOT, "dist", "policy"));
    const files = bundlePolicyPack(outDir);
    console.log(`wrote the policy pack to ${path.relative(process.cwd(), outDir) || "."} (${files.length} files); publish it with: cd ${path.relative(process.cwd(), outDir)} && npm ci && pulumi policy publish <org>`);
}
