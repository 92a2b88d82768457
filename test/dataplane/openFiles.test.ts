/**
 * Many sessions at once through the generated nginx config, started as systemd starts nginx on the
 * VM (a soft limit of 1024 open files). Every session holds two descriptors (client and upstream),
 * so without `worker_rlimit_nofile` a worker stops accepting at about 500 sessions. A plain TCP
 * sink stands in for the database: this is about descriptors, not PostgreSQL.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import test from "node:test";
import { hardOpenFileLimit } from "../harness/tools";
import { Lab, sleep, SYSTEMD_OPEN_FILES_SOFT_LIMIT, addressesFor, type NginxInstance } from "./lab";
import { renderProxyFromProgram } from "./program";
import { requireLab } from "./setup";

/** More sessions than two workers could hold within 1024 descriptors each. */
const SESSIONS = 1500;

const SINK = `
const net = require("node:net");
const held = [];
net.createServer((socket) => { held.push(socket); socket.on("error", () => {}); }).listen(Number(process.argv[2]), process.argv[1], () => console.log("listening"));
`;

const CLIENTS = `
const net = require("node:net");
const [host, port, count] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const sockets = [];
let connected = 0;
(async () => {
    for (let i = 0; i < count; i += 100) {
        await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => new Promise((resolve) => {
            const socket = net.connect({ host, port }, () => { connected += 1; resolve(); });
            socket.on("error", resolve);
            sockets.push(socket);
        })));
    }
    console.log("connected " + connected);
})();
process.stdin.on("end", () => { sockets.forEach((s) => s.destroy()); process.exit(0); });
process.stdin.resume();
`;

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        let text = "";
        const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms: ${text}`)), timeoutMs);
        child.stdout!.on("data", (chunk: Buffer) => {
            text += chunk.toString();
            const match = pattern.exec(text);
            if (match) {
                clearTimeout(timer);
                resolve(match[0]);
            }
        });
        child.once("exit", (code) => reject(new Error(`exited ${code} before ${pattern}: ${text}`)));
    });
}

test("nginx, started with systemd's 1024 open files, carries more sessions than that limit allows", { timeout: 180_000 }, async (t) => {
    if (!requireLab(t)) {
        return;
    }
    const proxy = await renderProxyFromProgram("Pulumi.dev.yaml");
    const lab = new Lab(addressesFor(proxy));
    t.after(() => lab.cleanup());
    lab.buildNetwork();
    const sinkAddress = lab.addresses.databases[1];
    lab.startDns(proxy.serverFqdn, sinkAddress);
    const fds = `--nofile=${hardOpenFileLimit()}:${hardOpenFileLimit()}`;
    const sink = lab.spawnInteractive("db", "tcp-sink", "prlimit", [fds, process.execPath, "-e", SINK, sinkAddress, "5432"]);
    await waitForLine(sink, /listening/, 10_000);

    const upstreamSessions = () => lab.exec("db", "ss", ["-Htn", "state", "established", "( sport = :5432 )"]).stdout.split("\n").filter(Boolean).length;

    /** Opens SESSIONS client connections and returns how many reached the sink through nginx. */
    async function carried(label: string, nginx: NginxInstance): Promise<number> {
        const clients = lab.spawnInteractive("cli", label, "prlimit", [fds, process.execPath, "-e", CLIENTS, lab.addresses.proxy, String(proxy.proxyPort), String(SESSIONS)]);
        try {
            await waitForLine(clients, /connected \d+/, 60_000);
            let count = 0;
            for (let stable = 0, last = -1, deadline = Date.now() + 20_000; Date.now() < deadline && stable < 10 && count < SESSIONS; await sleep(200)) {
                count = upstreamSessions();
                stable = count === last ? stable + 1 : 0;
                last = count;
            }
            assert.ok(lab.isRunning(nginx.pid), "nginx is still running");
            return count;
        } finally {
            clients.stdin!.end();
            await lab.stop(clients.pid!);
            for (let i = 0; i < 100 && upstreamSessions() > 0; i++) {
                await sleep(100);
            }
        }
    }

    await t.test("the generated config carries every session", async () => {
        assert.match(proxy.nginxConf, /^worker_rlimit_nofile \d+;$/m);
        const nginx = await lab.startNginx("nginx", proxy.nginxConf, proxy.proxyPort);
        try {
            const limits = lab.childrenOf(nginx.pid).map((pid) => /Max open files\s+(\d+)/.exec(lab.readIf(`/proc/${pid}/limits`))?.[1]);
            assert.ok(limits.length > 0 && limits.every((l) => Number(l) > SESSIONS * 2), `worker open-file limits: ${limits.join(", ")}`);
            assert.equal(await carried("clients-generated", nginx), SESSIONS);
            assert.doesNotMatch(lab.readIf(nginx.errorLog), /Too many open files|worker_connections are not enough/);
        } finally {
            await lab.stop(nginx.pid);
        }
    });

    await t.test("control: without worker_rlimit_nofile the same load is cut at the 1024-descriptor limit", async () => {
        const conf = proxy.nginxConf.replace(/^worker_rlimit_nofile .*$/m, "");
        const nginx = await lab.startNginx("nginx-no-rlimit", conf, proxy.proxyPort);
        try {
            const limits = lab.childrenOf(nginx.pid).map((pid) => /Max open files\s+(\d+)/.exec(lab.readIf(`/proc/${pid}/limits`))?.[1]);
            assert.ok(limits.every((l) => Number(l) === SYSTEMD_OPEN_FILES_SOFT_LIMIT), `worker open-file limits: ${limits.join(", ")}`);
            const count = await carried("clients-no-rlimit", nginx);
            assert.ok(count < SESSIONS, `${count} of ${SESSIONS} sessions carried: the limit did not bite, so the first check proves nothing`);
            assert.match(lab.readIf(nginx.errorLog), /Too many open files/);
        } finally {
            await lab.stop(nginx.pid);
        }
    });
});
