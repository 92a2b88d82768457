/**
 * The server's side of the audit trail, for real: PostgreSQL with the logging parameters the
 * program sets on the Flexible Server (and Azure's log_line_prefix), reached through nginx with the
 * generated config. The patterns docs/audit.md's queries use must read the lines it writes, with
 * host= the proxy's address, and a session must end on the server and in nginx's log close enough
 * together for the queries' time-window join.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import test from "node:test";
import { serverParameters } from "../../components/database";
import { parseSessionLine } from "../../lib/audit";
import { SERVER_LOG_PATTERNS } from "../../lib/auditQueries";
import { psql, query, withParams } from "./clients";
import { postgresBinDir, run, sleep } from "./lab";
import { renderProxyFromProgram } from "./program";
import { requireLab, startDataPlane } from "./setup";

/** Azure's default log_line_prefix: the second the line was written and the session's ID. */
const AZURE_LOG_LINE_PREFIX = "%t-%c-";
/** The window docs/audit.md joins nginx's session end and the server's disconnection within. */
const JOIN_WINDOW_SECONDS = 2;

function read(pattern: keyof typeof SERVER_LOG_PATTERNS, line: string): string[] | undefined {
    return new RegExp(SERVER_LOG_PATTERNS[pattern]).exec(line)?.slice(1).map((group) => group ?? "");
}

/** When the server wrote a line, from the `%t` of Azure's prefix (log_timezone is UTC here, as on Azure). */
function loggedAt(line: string): Date {
    const time = /(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC-/.exec(line)?.[1];
    assert.ok(time, `prefix with a time: ${line}`);
    return new Date(`${time.replace(" ", "T")}Z`);
}

test("data plane: PostgreSQL's connection log, through the proxy, read by the audit queries' patterns", { timeout: 180_000 }, async (t) => {
    if (!requireLab(t)) {
        return;
    }
    const proxy = await renderProxyFromProgram("Pulumi.dev.yaml");
    const dp = await startDataPlane(proxy, { standby: false });
    t.after(() => dp.lab.cleanup());
    const { lab } = dp;
    const a = lab.addresses;

    // The program's logging parameters (require_secure_transport and the TLS floor are Azure's or already set by the lab).
    const logging = serverParameters(proxy.config.database).filter((p) => p.name.startsWith("log_"));
    assert.deepEqual(logging.map((p) => p.name).sort(), ["log_connections", "log_disconnections"]);
    const settings = [...logging, { name: "log_line_prefix", value: AZURE_LOG_LINE_PREFIX }, { name: "log_timezone", value: "UTC" }];
    run(path.join(postgresBinDir()!, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", dp.primary.socketDir, "-U", "postgres", "-d", "postgres"], {
        input: `${settings.map((s) => `ALTER SYSTEM SET ${s.name} = '${s.value}';`).join("\n")}\nSELECT pg_reload_conf();\n`,
    });
    const serverLog = () => lab.logOf(`postgres-${dp.primary.address}`).split("\n");
    // A reload is asynchronous: wait until a new session is logged before relying on it.
    for (const deadline = Date.now() + 5000; !serverLog().some((l) => l.includes("connection received:")) && Date.now() < deadline;) {
        query(lab, "cli", dp.conninfo, "select 1");
        await sleep(100);
    }

    const sessionSql = "select pg_sleep(1.2), repeat('x', 3000)";
    query(lab, "cli", dp.conninfo, sessionSql);
    assert.notEqual(psql(lab, "cli", withParams(dp.conninfo, { password: "not-the-password" }), "select 1").status, 0);
    assert.notEqual(psql(lab, "cli", withParams(dp.conninfo, { sslmode: "disable" }), "select 1").status, 0);
    // The server logs a disconnection when the backend exits, a moment after the client has gone.
    const disconnections = () => serverLog().filter((l) => read("disconnection", l)?.[2]?.startsWith("01."));
    for (const deadline = Date.now() + 5000; disconnections().length === 0 && Date.now() < deadline;) {
        await sleep(100);
    }
    const lines = serverLog();

    await t.test("connection received: host= is the proxy's address, never the VPN client's", () => {
        const received = lines.map((l) => read("received", l)).filter((f) => f !== undefined);
        assert.ok(received.length >= 3, lines.join("\n"));
        for (const [host, port] of received) {
            assert.equal(host, a.proxy);
            assert.ok(Number(port) > 0 && Number(port) < 65536);
        }
    });

    await t.test("connection authorized: the role, the database, psql and the TLS version", () => {
        const authorized = lines.filter((l) => read("authorized", l));
        assert.ok(authorized.length >= 1, lines.join("\n"));
        for (const line of authorized) {
            assert.deepEqual(read("authorized", line), [proxy.adminLogin, proxy.databaseName], line);
            assert.deepEqual(read("application", line), ["psql"], line);
            const [protocol, cipher, bits] = read("tls", line) ?? assert.fail(`TLS on ${line}`);
            assert.match(protocol!, /^TLSv1\.[23]$/);
            assert.ok(cipher!.length > 0 && Number(bits) >= 128, line);
        }
    });

    await t.test("disconnection: duration, role, database and host=, and it ends with nginx's session within the join window", () => {
        const [line] = disconnections();
        assert.ok(line, lines.join("\n"));
        const [hours, minutes, seconds, user, database, host, port] = read("disconnection", line)!;
        assert.deepEqual([user, database, host], [proxy.adminLogin, proxy.databaseName, a.proxy]);
        assert.ok(Number(port) > 0);
        const serverSeconds = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
        assert.ok(serverSeconds >= 1.2, `the session slept 1.2 s: ${line}`);
        // The nginx session that carried it: from the VPN client, through this proxy, with the 3000-byte answer.
        const nginx = lab.readIf(dp.nginx.accessLog).split("\n").map((l) => parseSessionLine(l))
            .filter((r) => r?.ClientAddress === a.client && r.Status === 200 && (r.SessionSeconds as number) >= 1.2 && (r.BytesSent as number) > 3000);
        assert.equal(nginx.length, 1, lab.readIf(dp.nginx.accessLog));
        const session = nginx[0]!;
        assert.equal(session.ProxyAddress, host, "the join key: nginx's proxy address is the server's host=");
        const endsApart = Math.abs((session.TimeGenerated as Date).getTime() - loggedAt(line).getTime()) / 1000;
        assert.ok(endsApart <= JOIN_WINDOW_SECONDS, `ends ${endsApart} s apart`);
        assert.ok(Math.abs((session.SessionSeconds as number) - serverSeconds) <= JOIN_WINDOW_SECONDS, `${session.SessionSeconds} s in nginx, ${serverSeconds} s on the server`);
    });

    await t.test("failed sign-ins: a wrong password names the role; pg_hba.conf's refusal names the proxy's address", () => {
        const failures = lines.map((l) => read("passwordFailed", l)).filter((f) => f !== undefined);
        assert.deepEqual(failures, [[proxy.adminLogin]], lines.join("\n"));
        const refused = lines.map((l) => read("hbaRefused", l)).filter((f) => f !== undefined);
        assert.deepEqual(refused, [[a.proxy, proxy.adminLogin, proxy.databaseName]], lines.join("\n"));
    });
});
