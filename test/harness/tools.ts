/**
 * Tests that need real programs (nginx, cloud-init, PostgreSQL) skip loudly on a machine without
 * them, and fail instead in CI, where `.ci/run` installs them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";

export const IN_CI = process.env.CI === "true";

export function hasCommand(command: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** Returns true when every command is present; otherwise skips the test loudly (or fails it in CI). */
export function requireCommands(t: TestContext, commands: string[]): boolean {
    const missing = commands.filter((c) => !hasCommand(c));
    if (missing.length === 0) {
        return true;
    }
    return skipLoudly(t, `MISSING ${missing.join(", ")}: install them (see .ci/run) to run "${t.name}"`);
}

/** Skips `t` with a banner nobody can miss; in CI, fails it instead. Returns false for `if (!...) return`. */
export function skipLoudly(t: TestContext, message: string): false {
    if (IN_CI) {
        throw new Error(`${message}. CI=true, so this test may not skip.`);
    }
    console.error(`\n${"!".repeat(100)}\n!!! SKIPPED: ${message}\n${"!".repeat(100)}\n`);
    t.skip(message);
    return false;
}

/** Writes `content` to a fresh temp file and runs `command` on it; the file is removed afterwards. */
export function runOnTempFile(fileName: string, content: string, command: string, args: (file: string) => string[]): { status: number | null; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "securepg-"));
    try {
        const file = path.join(dir, fileName);
        fs.writeFileSync(file, content);
        const result = spawnSync(command, args(file), { encoding: "utf8" });
        return { status: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** This process's hard limit on open files (a child may lower its soft limit up to it, not beyond). */
export function hardOpenFileLimit(): number {
    const line = fs.readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const hard = line?.trim().split(/\s+/)[4];
    return hard === "unlimited" || hard === undefined ? 1_048_576 : Number(hard);
}

/**
 * How many generated cases a property test runs: all of them normally, a sixth under mutation
 * testing (StrykerJS sets STRYKER_NAMESPACE), where each file runs once per mutant. Fewer cases can
 * only let more mutants survive, never fewer.
 */
export function propertyRuns(runs: number): number {
    return process.env.STRYKER_NAMESPACE ? Math.max(1, Math.ceil(runs / 6)) : runs;
}
