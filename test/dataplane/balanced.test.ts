/**
 * The proxy tier for real: two proxies running the exact nginx config cloud-init writes, behind a
 * kernel load balancer standing in for Azure's internal one (nftables DNAT over the healthy
 * proxies, a TCP probe from Azure's platform address at the program's interval and threshold; see
 * loadBalancer.mjs). Shown: new connections spread over both proxies, each logging the client's VPN
 * address; a proxy that dies is out of rotation within the probe window; a rolling replacement (new
 * proxies up and gated, old ones drained with the drain script cloud-init writes, then killed
 * without a shutdown, as Azure deletes VMs) loses no connection attempt of a client loop.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import test from "node:test";
import { renderProxyHealthCheck } from "../../lib/healthCheck";
import { PROXY_PROBE } from "../../lib/proxyTier";
import { psql, PsqlSession, withParams } from "./clients";
import { addressesFor, Lab, sleep, type NginxInstance, type Role } from "./lab";
import { renderProxyFromProgram } from "./program";
import { requireLab } from "./setup";

interface LoadBalancerEvent {
    readonly at: number;
    readonly event: string;
    readonly address?: string;
    readonly healthy?: string[];
}

test("the proxy tier behind a load balancer: spread, failure, rolling replacement", { timeout: 300_000 }, async (t) => {
    if (!requireLab(t)) {
        return;
    }
    const proxy = await renderProxyFromProgram("Pulumi.prod.yaml");
    assert.equal(proxy.proxyInstanceIps.length, 2, "prod runs two proxies");
    const frontend = proxy.proxyPrivateIp;
    const subnet = proxy.proxySubnet;
    // The two proxies the stack exports, and the two addresses Azure would give their replacements.
    const [first, second] = proxy.proxyInstanceIps;
    const replacements = [1, 2].map((i) => first.replace(/\d+$/, (n) => String(Number(n) + proxy.proxyInstanceIps.length + i - 1)));
    const slots: Array<{ role: Role; address: string }> = [
        { role: "prx", address: first }, { role: "prx2", address: second },
        { role: "prx3", address: replacements[0] }, { role: "prx4", address: replacements[1] },
    ];

    const lab = new Lab(addressesFor(proxy));
    t.after(() => lab.cleanup());
    lab.buildBalancedNetwork(frontend, subnet, slots);
    const certs = lab.makeCertificates(proxy.serverFqdn);
    await lab.initPostgres(certs, { login: proxy.adminLogin, password: proxy.adminPassword, database: proxy.databaseName, tlsMinVersion: proxy.tlsMinVersion });
    const primary = await lab.startPostgres(lab.addresses.databases[0]);
    lab.startDns(proxy.serverFqdn, primary.address, "lb");
    const conninfo = withParams(proxy.connectionString, { sslrootcert: certs.caCert });
    assert.ok(conninfo.includes(`hostaddr=${frontend} `), "clients use the load balancer's frontend");

    const nginx = new Map<Role, NginxInstance>();
    const startProxy = async (role: Role) => {
        lab.applySysctl(role, proxy.keepaliveSysctl);
        nginx.set(role, await lab.startNginx(`nginx-${role}`, proxy.nginxConf, proxy.proxyPort, role));
    };

    // The backend pool: Pulumi adds a proxy's NIC to it before the VM boots, and removes it with the NIC.
    const poolFile = lab.path("pool");
    const setPool = (addresses: string[]) => fs.writeFileSync(poolFile, `${addresses.join("\n")}\n`);
    const lbConfig = lab.path("load-balancer.json");
    fs.writeFileSync(lbConfig, JSON.stringify({
        frontend, port: proxy.proxyPort, source: "168.63.129.16", poolFile,
        intervalSeconds: PROXY_PROBE.intervalSeconds, threshold: PROXY_PROBE.threshold,
    }));
    const events = () => lab.logOf("load-balancer").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as LoadBalancerEvent);
    const healthyNow = () => events().filter((e) => e.event === "pool").at(-1)?.healthy ?? [];
    const waitForPool = async (wanted: string[], seconds: number) => {
        const deadline = Date.now() + seconds * 1000;
        while (JSON.stringify(healthyNow()) !== JSON.stringify([...wanted].sort())) {
            assert.ok(Date.now() < deadline, `the load balancer's healthy proxies are ${JSON.stringify(healthyNow())}, not ${JSON.stringify(wanted)}:\n${lab.logOf("load-balancer")}`);
            await sleep(200);
        }
    };
    const clientLines = (role: Role) => lab.readIf(nginx.get(role)!.accessLog).split("\n").filter((l) => l.startsWith(`${lab.addresses.client}:`));

    setPool([first, second]);
    await startProxy("prx");
    await startProxy("prx2");
    lab.startIn("lb", "load-balancer", process.execPath, [path.join(__dirname, "loadBalancer.mjs"), lbConfig]);
    await waitForPool([first, second], 4 * PROXY_PROBE.intervalSeconds);

    await t.test("new connections spread over both proxies, and each logs the VPN client's own address", async () => {
        for (let i = 0; i < 24; i++) {
            const result = psql(lab, "cli", conninfo, "select 1");
            assert.equal(result.status, 0, result.stderr);
        }
        // nginx logs a session once both its sides have closed, which can be just after psql exits.
        const logged = () => clientLines("prx").length + clientLines("prx2").length;
        for (const deadline = Date.now() + 3000; logged() < 24 && Date.now() < deadline;) {
            await sleep(100);
        }
        assert.ok(clientLines("prx").length >= 1 && clientLines("prx2").length >= 1,
            `24 connections: ${clientLines("prx").length} through ${first}, ${clientLines("prx2").length} through ${second}`);
        assert.equal(clientLines("prx").length + clientLines("prx2").length, 24);
        for (const role of ["prx", "prx2"] as const) {
            assert.doesNotMatch(lab.readIf(nginx.get(role)!.accessLog), /^168\.63\.129\.16:/m, "the probe is not logged");
        }
    });

    await t.test("the health gate fails while nginx does not serve, and passes once it does", async () => {
        // cloud-init and systemd are the VM's; here they report done and active, and the gate's own check is real.
        const stubs = lab.path("gate-stubs");
        fs.mkdirSync(stubs);
        for (const name of ["cloud-init", "systemctl"]) {
            fs.writeFileSync(path.join(stubs, name), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
        }
        const gate = lab.path("health-gate.sh");
        fs.writeFileSync(gate, renderProxyHealthCheck({ port: proxy.proxyPort, timeoutSeconds: 3 }), { mode: 0o755 });
        const env = { ...process.env, PATH: `${stubs}:${process.env.PATH}` };
        const before = lab.exec("prx3", "bash", [gate], { check: false, env });
        assert.equal(before.status, 1, before.stdout);
        assert.match(before.stdout, new RegExp(`nginx is not accepting connections on port ${proxy.proxyPort} after 3 s`));
        await startProxy("prx3");
        const after = lab.exec("prx3", "bash", [gate], { check: false, env });
        assert.equal(after.status, 0, after.stdout);
        assert.match(after.stdout, /nginx accepts connections/);
    });

    await t.test("a rolling replacement: the new proxies take over before the old ones are drained and killed; no connection attempt fails", async () => {
        // A client that connects, queries and disconnects again and again for the whole rollout.
        const loop = lab.path("client-loop.sh");
        fs.writeFileSync(lab.path("conninfo"), conninfo, { mode: 0o600 });
        fs.writeFileSync(loop, `#!/bin/bash
conninfo=$(cat "$1")
while :; do
    if out=$(psql -X -q -A -t -d "$conninfo" -c "select inet_client_addr()" 2>&1); then echo "ok $(date +%s%3N) $out"; else echo "fail $(date +%s%3N) \${out//$'\\n'/ }"; fi
    sleep 0.1
done
`, { mode: 0o755 });
        const client = lab.startIn("cli", "client-loop", "bash", [loop, lab.path("conninfo")]);
        // The new generation: NICs join the pool first, then the VMs boot (prx3 is up already) and pass the gate.
        setPool([first, second, replacements[0], replacements[1]]);
        await startProxy("prx4");
        await waitForPool([first, second, ...replacements], 4 * PROXY_PROBE.intervalSeconds);
        // Pulumi's delete of each old generation: the drain (the script cloud-init wrote), then the VM goes at once.
        const drains = ["prx", "prx2"].map((role) => new Promise<void>((resolve, reject) => {
            const script = lab.path(`drain-${role}.sh`);
            fs.writeFileSync(script, proxy.drainScript, { mode: 0o755 });
            const pid = lab.startIn(role as Role, `drain-${role}`, "sh", [script]);
            const poll = setInterval(() => {
                if (!lab.isRunning(pid)) {
                    clearInterval(poll);
                    lab.logOf(`drain-${role}`).includes("securepg: drained") ? resolve() : reject(new Error(lab.logOf(`drain-${role}`)));
                }
            }, 200);
        }));
        await Promise.all(drains);
        assert.deepEqual(healthyNow(), [...replacements].sort(), "drained proxies get nothing new");
        lab.killAllIn("prx");
        lab.killAllIn("prx2");
        setPool(replacements);
        await sleep(3 * PROXY_PROBE.intervalSeconds * 1000);
        await lab.stop(client);
        const lines = fs.existsSync(lab.path("client-loop.log")) ? lab.logOf("client-loop").split("\n").filter(Boolean) : [];
        const failed = lines.filter((l) => l.startsWith("fail"));
        assert.ok(lines.length >= 50, `only ${lines.length} attempts`);
        assert.deepEqual(failed, [], `${failed.length} of ${lines.length} connection attempts failed`);
        assert.ok(clientLines("prx3").length > 0 && clientLines("prx4").length > 0, "the new proxies carry connections");
        t.diagnostic(`rolling replacement: ${lines.length} connection attempts, ${failed.length} failed`);
    });

    await t.test("a proxy that dies: its session ends, new connections fail only until the probe takes it out", async () => {
        const session = PsqlSession.open(lab, "cli", conninfo, "psql-on-dying-proxy");
        await session.query("select 1");
        const holder = (["prx3", "prx4"] as const).find((role) => lab.exec(role, "ss", ["-Htn", "state", "established", "dst", lab.addresses.client], { check: false }).stdout.trim());
        assert.ok(holder, "the session runs through one of the proxies");
        const survivor = holder === "prx3" ? replacements[1] : replacements[0];
        const killedAt = Date.now();
        lab.killAllIn(holder);
        const attempts: Array<{ at: number; ok: boolean }> = [];
        const window = (PROXY_PROBE.threshold + 1) * PROXY_PROBE.intervalSeconds * 1000;
        while (Date.now() - killedAt < window + 5000) {
            attempts.push({ at: Date.now() - killedAt, ok: psql(lab, "cli", withParams(conninfo, { connect_timeout: 2 }), "select 1").status === 0 });
        }
        await waitForPool([survivor], 1);
        const removedAt = events().find((e) => e.event === "down" && e.at >= killedAt)!.at - killedAt;
        const failures = attempts.filter((a) => !a.ok);
        assert.ok(removedAt <= window, `taken out after ${removedAt} ms; the probe window is ${window} ms`);
        assert.ok(failures.every((a) => a.at <= removedAt + 1000), `attempts failed after the proxy was taken out: ${JSON.stringify(failures)}`);
        assert.ok(attempts.filter((a) => a.at > removedAt + 1000).every((a) => a.ok) && attempts.at(-1)!.ok);
        await assert.rejects(session.query("select 1"), "the session on the dead proxy ends");
        t.diagnostic(`dead proxy: out of rotation after ${removedAt} ms; ${failures.length} of ${attempts.length} attempts failed before that`);
    });
});
