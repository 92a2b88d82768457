/**
 * The data path for real: a VPN client → nginx running the exact config the proxy VM's cloud-init
 * writes → PostgreSQL with TLS, in network namespaces shaped like the Azure topology, connected with
 * the connection string the stack exports. Then every refusal the security model promises. Once
 * per stack file: each has its own address plan, VPN pool and allowlist.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { psql, PsqlSession, query, withParams } from "./clients";
import { renderProxyFromProgram } from "./program";
import { parseSessionLine } from "../../lib/audit";
import { stackFileNames } from "../harness/stackFiles";
import { requireLab, startDataPlane, type DataPlane } from "./setup";

/** Keepalive timer (seconds left) of established sockets in the proxy namespace whose peer is `peer`. */
function keepaliveTimers(dp: DataPlane, peer: string): number[] {
    const out = dp.lab.exec("prx", "ss", ["-Htno", "state", "established", "dst", peer]).stdout;
    return [...out.matchAll(/timer:\(keepalive,(?:(\d+)min)?(?:(\d+(?:\.\d+)?)sec)?(?:(\d+)ms)?/g)]
        .map((m) => Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) + Number(m[3] ?? 0) / 1000);
}

for (const stackFile of stackFileNames()) test(`data plane (${stackFile}): VPN client → nginx (generated config) → PostgreSQL with TLS`, { timeout: 180_000 }, async (t) => {
    if (!requireLab(t)) {
        return;
    }
    const proxy = await renderProxyFromProgram(stackFile);
    const dp = await startDataPlane(proxy, { standby: false });
    t.after(() => dp.lab.cleanup());
    const { lab } = dp;
    const a = lab.addresses;

    await t.test("the lab runs what the program exports and what cloud-init writes", () => {
        assert.match(proxy.userData, /^#cloud-config\n/);
        assert.match(proxy.connectionString, new RegExp(`^host=${proxy.serverFqdn.replace(/\./g, "\\.")} hostaddr=${a.proxy.replace(/\./g, "\\.")} `));
        assert.match(proxy.connectionString, /sslmode=verify-full/);
        assert.ok(dp.conninfo.startsWith(proxy.connectionString), "the client uses the exported string, only adding the CA file");
        assert.match(proxy.nginxConf, /resolver 168\.63\.129\.16 /);
    });

    await t.test("a VPN client connects with verify-full through the proxy and runs queries", () => {
        const row = query(lab, "cli", dp.conninfo, "select inet_server_addr(), inet_client_addr(), ssl, version from pg_stat_ssl where pid = pg_backend_pid()");
        const [server, client, ssl, version] = row.split("|");
        assert.equal(server, a.databases[0], "the session ends at the database server");
        assert.equal(client, a.proxy, "the database sees the proxy, so the path went through nginx");
        assert.equal(ssl, "t");
        assert.match(version, /^TLSv1\.[23]$/);
        const answer = query(lab, "cli", dp.conninfo,
            "create table if not exists probe(id int primary key, note text); insert into probe values (1, 'through the proxy') on conflict (id) do update set note = excluded.note; select note from probe where id = 1");
        assert.equal(answer, "through the proxy");
        assert.equal(query(lab, "cli", dp.conninfo, "select current_user || '@' || current_database()"), `${proxy.adminLogin}@${proxy.databaseName}`);
    });

    await t.test("nginx resolved the server through Azure DNS and logged the session", () => {
        assert.match(lab.dnsQueries(), new RegExp(`query\\[A\\] ${proxy.serverFqdn.replace(/\./g, "\\.")} from 168\\.63\\.129\\.16`));
        const lines = lab.readIf(dp.nginx.accessLog).split("\n").filter((l) => l.startsWith(`${a.client}:`));
        assert.ok(lines.length >= 2, `access log has the client's sessions:\n${lab.readIf(dp.nginx.accessLog)}`);
        for (const line of lines) {
            assert.match(line, new RegExp(`TCP 200 upstream=${a.databases[0].replace(/\./g, "\\.")}:5432 sent=[1-9]\\d* received=[1-9]\\d* session_time=\\d+\\.\\d+`));
        }
    });

    await t.test("the data collection rule's pattern reads nginx's real session lines, field by field", () => {
        const started = Date.now();
        query(lab, "cli", dp.conninfo, "select repeat('x', 5000)");
        psql(lab, "out", dp.conninfo, "select 1");
        // nginx writes a session's line once both sides have closed.
        const sessions = () => lab.readIf(dp.nginx.accessLog).split("\n").filter((l) => l !== "");
        for (const deadline = Date.now() + 3000; Date.now() < deadline && !sessions().some((l) => l.startsWith(`${a.outsider}:`));) {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        }
        const records = sessions().map((line) => ({ line, record: parseSessionLine(line) }));
        for (const { line, record } of records) {
            assert.ok(record, `the pattern reads every line nginx wrote: ${line}`);
            assert.equal(record.Protocol, "TCP");
            assert.equal(record.ProxyAddress, a.proxy, "the proxy's own address: the host= the server logs");
            assert.equal(record.ProxyPort, proxy.proxyPort);
            assert.ok(typeof record.ClientPort === "number" && record.ClientPort > 0 && record.ClientPort < 65536, line);
            assert.ok(record.TimeGenerated instanceof Date && Math.abs(record.TimeGenerated.getTime() - Date.now()) < 10 * 60_000, line);
            assert.ok(typeof record.SessionSeconds === "number" && record.SessionSeconds >= 0, line);
        }
        const client = records.filter((r) => r.record?.ClientAddress === a.client).map((r) => r.record!);
        assert.ok(client.length >= 3, "the VPN client's sessions");
        for (const record of client) {
            assert.equal(record.Status, 200);
            assert.equal(record.Upstream, `${a.databases[0]}:5432`);
            assert.ok((record.BytesSent as number) > 0 && (record.BytesReceived as number) > 0);
            assert.match(String(record.ConnectTime), /^\d+\.\d+$/);
        }
        const big = client.at(-1)!;
        assert.ok((big.BytesSent as number) > 5000, `the 5000-byte answer is in the last session's bytes sent: ${big.BytesSent}`);
        assert.ok((big.TimeGenerated as Date).getTime() >= Math.floor(started / 1000) * 1000, "the last session ended after this test began");
        const outsider = records.filter((r) => r.record?.ClientAddress === a.outsider).map((r) => r.record!);
        assert.ok(outsider.length >= 1, "the outsider's refused session");
        assert.deepEqual(outsider.map((r) => [r.Status, r.Upstream, r.ConnectTime, r.BytesReceived]), outsider.map(() => [403, "-", "-", 0]));
    });

    await t.test("a client in the proxy subnet (Azure side) is admitted", () => {
        // From the proxy's own namespace the source address is the proxy's, inside the proxy subnet.
        assert.equal(query(lab, "prx", dp.conninfo, "select inet_client_addr()"), a.proxy);
    });

    await t.test("a client outside the VPN pool and the proxy subnet is denied by nginx", () => {
        const denied = psql(lab, "out", dp.conninfo, "select 1");
        assert.notEqual(denied.status, 0);
        assert.match(denied.stderr, /server closed the connection unexpectedly|SSL SYSCALL error|connection reset/);
        const line = lab.readIf(dp.nginx.accessLog).split("\n").find((l) => l.startsWith(`${a.outsider}:`));
        assert.ok(line, "nginx logged the outsider");
        assert.match(line, / TCP 403 upstream=- /, "refused by nginx's allow/deny, before any upstream connection");
        // Same moment, same proxy: the VPN client still gets in.
        assert.equal(query(lab, "cli", dp.conninfo, "select 1"), "1");
    });

    await t.test("sslmode=disable is rejected by the server, not just by the client", () => {
        const plain = psql(lab, "cli", withParams(dp.conninfo, { sslmode: "disable" }), "select 1");
        assert.notEqual(plain.status, 0);
        assert.match(plain.stderr, /pg_hba\.conf rejects connection .*no encryption/);
    });

    await t.test("a certificate from another CA fails verification", () => {
        const wrongCa = psql(lab, "cli", withParams(dp.conninfo, { sslrootcert: dp.certs.otherCaCert }), "select 1");
        assert.notEqual(wrongCa.status, 0);
        assert.match(wrongCa.stderr, /certificate verify failed/);
    });

    await t.test("a host name that is not on the certificate fails verification", () => {
        const otherName = psql(lab, "cli", withParams(dp.conninfo, { host: "psql-someone-else.postgres.database.azure.com" }), "select 1");
        assert.notEqual(otherName.status, 0);
        assert.match(otherName.stderr, /does not match host name "psql-someone-else\.postgres\.database\.azure\.com"/);
        // Connecting by the proxy's IP alone (no host=FQDN) cannot pass verify-full either.
        const byAddress = psql(lab, "cli", withParams(dp.conninfo, { host: a.proxy }), "select 1");
        assert.notEqual(byAddress.status, 0);
        assert.match(byAddress.stderr, /does not match host name/);
    });

    await t.test(`TLS 1.1 is refused by the server; from the program's minimum (${proxy.tlsMinVersion}) up, accepted`, () => {
        const handshake = (flag: string) => lab.exec("cli", "openssl", ["s_client", "-starttls", "postgres", "-connect", `${a.proxy}:${proxy.proxyPort}`,
            "-servername", proxy.serverFqdn, "-CAfile", dp.certs.caCert, "-verify_return_error", "-brief", flag,
            // Let the client offer old versions at all, so that a refusal is the server's doing.
            "-cipher", "DEFAULT@SECLEVEL=0"], { check: false, input: "" });
        const versions = [["-tls1_1", "TLSv1.1"], ["-tls1_2", "TLSv1.2"], ["-tls1_3", "TLSv1.3"]] as const;
        const minimum = versions.findIndex(([, name]) => name === proxy.tlsMinVersion);
        assert.ok(minimum >= 1, `the program's minimum ${proxy.tlsMinVersion} is TLS 1.2 or newer`);
        versions.forEach(([flag, name], index) => {
            const result = handshake(flag);
            const output = result.stdout + result.stderr;
            if (index < minimum) {
                assert.notEqual(result.status, 0, `${name} must be refused`);
                assert.match(output, /alert protocol version/, `${name}: the server answered with a protocol_version alert`);
            } else {
                assert.equal(result.status, 0, `${name} must be accepted: ${output}`);
                assert.match(output, new RegExp(`Protocol version: ${name.replace(".", "\\.")}`));
                assert.match(output, /Verification: OK/);
            }
        });
    });

    await t.test("TCP keepalives on both sides of the proxy fire before Azure's 4-minute idle timeout", async () => {
        const session = PsqlSession.open(lab, "cli", dp.conninfo);
        try {
            assert.equal(await session.query("select 1"), "1");
            const configured = proxy.config.proxy.keepaliveIdleSeconds;
            // Right after traffic a socket may show its retransmit timer instead; ask again briefly.
            let toClient: number[] = [];
            let toServer: number[] = [];
            for (let attempt = 0; attempt < 20 && (toClient.length === 0 || toServer.length === 0); attempt++) {
                await new Promise((resolve) => setTimeout(resolve, 100));
                toClient = keepaliveTimers(dp, a.client);
                toServer = keepaliveTimers(dp, a.databases[0]);
            }
            const sockets = dp.lab.exec("prx", "ss", ["-Htno", "state", "established"]).stdout;
            assert.equal(toClient.length, 1, `${sockets}\nnginx's socket toward the client has a keepalive timer (so_keepalive)`);
            assert.equal(toServer.length, 1, `${sockets}\nnginx's socket toward the database has a keepalive timer (proxy_socket_keepalive + sysctl)`);
            for (const seconds of [...toClient, ...toServer]) {
                assert.ok(seconds <= configured && seconds < 240, `keepalive fires in ${seconds}s, configured ${configured}s`);
            }
        } finally {
            await session.close();
        }
    });
});
