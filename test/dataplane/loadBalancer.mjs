// Stands in for Azure's internal load balancer inside the lab's "lb" namespace: a TCP health probe
// from Azure's platform address to every backend at the probe's interval, `threshold` results in a
// row to change a backend's state (a new backend starts down), and nftables DNAT spreading new
// connections to the frontend over the healthy backends at random (pass-through: the backends see
// the client's address; established connections stay where they are).
//
// Usage: node loadBalancer.mjs <config.json>. The config names the frontend, port, probe source,
// interval and threshold, and a file listing the backends one per line (the pool: the test adds and
// removes lines as Pulumi adds and removes NICs). Every state change is printed as one JSON line.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { frontend, port, source, intervalSeconds, threshold, poolFile } = config;
const state = new Map(); // backend -> { healthy, streak }

function log(event) {
    process.stdout.write(`${JSON.stringify({ at: Date.now(), ...event })}\n`);
}

function apply() {
    const healthy = [...state].filter(([, s]) => s.healthy).map(([address]) => address).sort();
    const verdict = healthy.length === 0
        // No healthy backend: new connections go nowhere, as on a Standard load balancer.
        ? "drop"
        : `dnat to numgen random mod ${healthy.length} map { ${healthy.map((a, i) => `${i} : ${a}`).join(", ")} }`;
    const ruleset = `table ip securepg_lb
delete table ip securepg_lb
table ip securepg_lb {
    chain prerouting {
        type nat hook prerouting priority dstnat; policy accept;
        ip daddr ${frontend} tcp dport ${port} ${verdict}
    }
}
`;
    const result = spawnSync("nft", ["-f", "-"], { input: ruleset, encoding: "utf8" });
    if (result.status !== 0) {
        log({ event: "nft-failed", stderr: result.stderr });
        process.exit(1);
    }
    log({ event: "pool", healthy });
}

function probe(address) {
    return new Promise((resolve) => {
        const socket = net.connect({ host: address, port, localAddress: source });
        const done = (ok) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(intervalSeconds * 1000, () => done(false));
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
    });
}

function readPool() {
    return fs.existsSync(poolFile) ? fs.readFileSync(poolFile, "utf8").split("\n").map((l) => l.trim()).filter(Boolean) : [];
}

async function round() {
    const pool = readPool();
    let changed = false;
    for (const address of [...state.keys()]) {
        if (!pool.includes(address)) {
            state.delete(address);
            log({ event: "removed", address });
            changed = true;
        }
    }
    for (const address of pool) {
        if (!state.has(address)) {
            state.set(address, { healthy: false, streak: 0 });
            log({ event: "added", address });
        }
    }
    await Promise.all(pool.map(async (address) => {
        const s = state.get(address);
        const ok = await probe(address);
        // A streak counts results that disagree with the current state.
        s.streak = ok === s.healthy ? 0 : s.streak + 1;
        if (s.streak >= threshold) {
            s.healthy = ok;
            s.streak = 0;
            log({ event: ok ? "up" : "down", address });
            changed = true;
        }
    }));
    if (changed) {
        apply();
    }
}

apply();
log({ event: "started", frontend, port, intervalSeconds, threshold });
for (;;) {
    const started = Date.now();
    await round();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalSeconds * 1000 - (Date.now() - started))));
}
