/**
 * The lab leaves nothing behind: not when a test ends, not when the test process is interrupted,
 * and whatever a killed process could not clean is swept by the next lab.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import { isAlive as alive, run } from "./lab";
import { requireLab } from "./setup";

interface Held {
    readonly root: string;
    readonly namespaces: string[];
    readonly pids: number[];
}

const settle = async (pids: number[]) => {
    for (let i = 0; i < 50 && pids.some(alive); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
};
const namespaces = () => run("ip", ["netns", "list"]).stdout.split("\n").map((l) => l.split(" ")[0]).filter(Boolean);

/** Starts a process that builds a lab and waits; resolves once it reports what it built. */
function holdLab(): Promise<{ held: Held; child: ReturnType<typeof spawn> }> {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "fixtures", "holdLab.ts")], { stdio: ["ignore", "pipe", "inherit"] });
    return new Promise((resolve, reject) => {
        let out = "";
        child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
            out += chunk;
            const line = out.split("\n").find((l) => l.startsWith("{"));
            if (line) {
                resolve({ held: JSON.parse(line) as Held, child });
            }
        });
        child.on("exit", (code) => reject(new Error(`lab holder exited ${code} before reporting`)));
    });
}

const exited = (child: ReturnType<typeof spawn>) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));

test("the lab cleans up when its process is interrupted, and sweeps what a killed one left", { timeout: 60_000 }, async (t) => {
    if (!requireLab(t)) {
        return;
    }
    await t.test("SIGTERM: processes stopped, namespaces deleted, files removed", async () => {
        const { held, child } = await holdLab();
        assert.ok(held.namespaces.every((ns) => namespaces().includes(ns)), "the lab made its namespaces");
        assert.ok(held.pids.every(alive), "the lab's DNS server runs");
        child.kill("SIGTERM");
        await exited(child);
        assert.deepEqual(held.namespaces.filter((ns) => namespaces().includes(ns)), []);
        await settle(held.pids);
        assert.deepEqual(held.pids.filter(alive), []);
        assert.equal(fs.existsSync(held.root), false);
    });

    await t.test("SIGKILL leaves a lab behind; the next lab sweeps it", async () => {
        const { held, child } = await holdLab();
        child.kill("SIGKILL");
        await exited(child);
        assert.ok(held.namespaces.every((ns) => namespaces().includes(ns)), "a killed process cannot clean up");
        // The next lab, on its way up, removes namespaces whose owning process is gone.
        const next = await holdLab();
        try {
            assert.deepEqual(held.namespaces.filter((ns) => namespaces().includes(ns)), [], "abandoned namespaces swept");
            await settle(held.pids);
            assert.deepEqual(held.pids.filter(alive), [], "processes inside them stopped");
        } finally {
            next.child.kill("SIGTERM");
            await exited(next.child);
            fs.rmSync(held.root, { recursive: true, force: true });
        }
        assert.deepEqual(next.held.namespaces.filter((ns) => namespaces().includes(ns)), []);
    });
});
