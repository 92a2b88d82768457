/**
 * Tests that need real programs (nginx, cloud-init, PostgreSQL) skip loudly on a machine without
 * them, and fail instead in CI, where `.ci/run` installs them.
 */
import { spawnSync } from "node:child_process";
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
    const message = `MISSING ${missing.join(", ")}: install them (see .ci/run) to run "${t.name}"`;
    if (IN_CI) {
        throw new Error(`${message}. CI=true, so this test may not skip.`);
    }
    console.error(`\n${"!".repeat(100)}\n!!! SKIPPED: ${message}\n${"!".repeat(100)}\n`);
    t.skip(message);
    return false;
}
