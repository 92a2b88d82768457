/**
 * The faults users live through, run for real against the generated nginx config: a server
 * failover (the DNS answer moves), a database restart, long idle pooled sessions, and an nginx
 * reload with sessions open.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { psql, PsqlSession, query, withParams } from "./clients";
import { sleep } from "./lab";
import { renderProxyFromProgram } from "./program";
import { requireLab, startDataPlane } from "./setup";

/** Short enough to keep the test fast; the shipped default (10 s) behaves the same, only slower. */
const RESOLVER_VALID_SECONDS = 2;

test("data plane faults: failover, restart, idle sessions, reload", { timeout: 240_000 }, async (t) => {
    if (!requireLab(t)) {
        return;
    }
    const proxy = await renderProxyFromProgram("Pulumi.dev.yaml", { proxy: { resolverValidSeconds: RESOLVER_VALID_SECONDS } });
    assert.match(proxy.nginxConf, new RegExp(`resolver 168\\.63\\.129\\.16 valid=${RESOLVER_VALID_SECONDS}s`));
    const dp = await startDataPlane(proxy);
    t.after(() => dp.lab.cleanup());
    const { lab } = dp;
    const [primaryAddress, standbyAddress] = lab.addresses.databases;
    const serverAddress = () => query(lab, "cli", dp.conninfo, "select inet_server_addr()");

    await t.test("an nginx reload does not cut an open session", async () => {
        const session = PsqlSession.open(lab, "cli", dp.conninfo, "psql-reload");
        try {
            const backend = await session.query("select pg_backend_pid()");
            const workersBefore = lab.childrenOf(dp.nginx.pid);
            assert.ok(workersBefore.length >= 1, "nginx runs workers");
            process.kill(dp.nginx.pid, "SIGHUP");
            // The reload is done when the master has started a new set of workers.
            for (let i = 0; i < 100 && lab.childrenOf(dp.nginx.pid).every((pid) => workersBefore.includes(pid)); i++) {
                await sleep(50);
            }
            assert.ok(lab.childrenOf(dp.nginx.pid).some((pid) => !workersBefore.includes(pid)), "nginx started new workers");
            assert.equal(await session.query("select pg_backend_pid()"), backend, "the same database session answers after the reload");
            assert.equal(await session.query("select 'still here'"), "still here");
            // And new sessions go through the new workers.
            assert.equal(serverAddress(), primaryAddress);
        } finally {
            await session.close();
        }
    });

    await t.test("after a failover the DNS answer moves and new connections follow without a reload", async () => {
        for (let i = 0; i < 4; i++) {
            assert.equal(serverAddress(), primaryAddress, "before the failover every connection reaches the primary");
        }
        // Workers retired by the earlier reload leave once their sessions have closed: wait for a steady set.
        let workers = lab.childrenOf(dp.nginx.pid);
        for (let steady = 0, i = 0; steady < 3 && i < 100; i++) {
            await sleep(100);
            const now = lab.childrenOf(dp.nginx.pid);
            steady = now.join() === workers.join() ? steady + 1 : 0;
            workers = now;
        }
        const masterPid = dp.nginx.pid;
        const movedAt = Date.now();
        dp.dns.point(standbyAddress);
        try {
            let followedAfterMs: number | undefined;
            while (Date.now() - movedAt < (RESOLVER_VALID_SECONDS + 8) * 1000) {
                // Several connections in a row, so each nginx worker's cache has been tried.
                const answers = [serverAddress(), serverAddress(), serverAddress(), serverAddress()];
                if (answers.every((address) => address === standbyAddress)) {
                    followedAfterMs = Date.now() - movedAt;
                    break;
                }
                await sleep(200);
            }
            assert.ok(followedAfterMs !== undefined, "new connections never reached the new server");
            // nginx trusts an answer for valid=; dnsmasq's TTL is 1 s; allow a margin for a busy machine.
            assert.ok(followedAfterMs <= (RESOLVER_VALID_SECONDS + 3) * 1000, `followed after ${followedAfterMs} ms`);
            assert.ok(lab.isRunning(masterPid), "the same nginx master is running");
            assert.deepEqual(lab.childrenOf(masterPid), workers, "the same nginx workers: no reload, no restart");
        } finally {
            // Back to the primary, for the tests that follow.
            dp.dns.point(primaryAddress);
            const backAt = Date.now();
            while (serverAddress() !== primaryAddress || serverAddress() !== primaryAddress) {
                assert.ok(Date.now() - backAt < (RESOLVER_VALID_SECONDS + 8) * 1000, "did not return to the primary");
                await sleep(200);
            }
        }
    });

    await t.test("the database restarts; new connections through the proxy succeed once it is back", async () => {
        assert.equal(serverAddress(), primaryAddress);
        await lab.stopPostgres(dp.primary);
        const down = psql(lab, "cli", dp.conninfo, "select 1");
        assert.notEqual(down.status, 0, "with the database down, the proxy cannot connect anyone");
        const line = lab.readIf(dp.nginx.accessLog).trim().split("\n").pop() ?? "";
        assert.match(line, / TCP 502 upstream=/, `nginx reports the upstream failure: ${line}`);
        await lab.startPostgres(dp.primary.address, dp.primary);
        assert.equal(serverAddress(), primaryAddress);
        assert.equal(query(lab, "cli", dp.conninfo, "select count(*) > 0 from pg_database"), "t");
    });

    await t.test("an idle pooled session outlives nginx's 10-minute default, scaled down", async () => {
        // Both sides shrink by the same factor: nginx's default proxy_timeout of 600 s becomes 2 s,
        // the stack's idle timeout (8 h by default) shrinks alike, and the session idles for the
        // equivalent of 15 minutes.
        const scale = 2 / 600;
        const idleMs = 900 * scale * 1000;
        const shipped = proxy.config.proxy.idleTimeoutSeconds;
        assert.ok(shipped > 600, `the shipped idle timeout (${shipped} s) must exceed nginx's default`);
        const render = (idleTimeoutSeconds: number, port: number) =>
            renderProxyFromProgram("Pulumi.dev.yaml", { proxy: { resolverValidSeconds: RESOLVER_VALID_SECONDS, idleTimeoutSeconds, port } });
        const ours = await render(Math.round(shipped * scale), 6432);
        const nginxDefault = await render(Math.round(600 * scale), 6433);
        assert.match(ours.nginxConf, new RegExp(`proxy_timeout ${Math.round(shipped * scale)}s;`));
        const oursNginx = await lab.startNginx("nginx-idle-ours", ours.nginxConf, 6432);
        const defaultNginx = await lab.startNginx("nginx-idle-default", nginxDefault.nginxConf, 6433);
        const conninfo = (p: typeof ours) => withParams(p.connectionString, { sslrootcert: dp.certs.caCert });
        const kept = PsqlSession.open(lab, "cli", conninfo(ours), "psql-idle-ours");
        const cut = PsqlSession.open(lab, "cli", conninfo(nginxDefault), "psql-idle-default");
        try {
            const keptBackend = await kept.query("select pg_backend_pid()");
            assert.equal(await cut.query("select 1"), "1");
            await sleep(idleMs);
            assert.equal(await kept.query("select pg_backend_pid()"), keptBackend, "the idle session is still the same session");
            await assert.rejects(cut.query("select 1"), /session ended|closed the connection|SSL|lost/,
                "control: with nginx's default timeout (scaled), the same idle session is cut");
        } finally {
            await kept.close();
            await cut.close();
            await lab.stop(oursNginx.pid);
            await lab.stop(defaultNginx.pid);
        }
    });
});
