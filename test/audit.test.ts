/** lib/audit.ts: the session table, the data collection rule's transformation and the one pattern they share. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
    auditDiagnostics, DIAGNOSTIC_SETTING_NAME, GATEWAY_LOG_CATEGORIES, PROXY_SYSLOG, SERVER_LOG_CATEGORIES, SESSION_COLUMNS, SESSION_INPUT_STREAM, SESSION_LINE_PATTERN,
    SESSION_OUTPUT_STREAM, SESSION_TABLE, TABLE_COLUMN_TYPE, TEXT_INPUT_COLUMNS, kqlVerbatim, parseSessionLine, sessionTransformKql,
} from "../lib/audit";
import { NGINX_DEFAULTS, renderNginxConfig } from "../lib/nginx";
import { analyzeKql } from "./harness/kusto";

const SOURCE = { source: TEXT_INPUT_COLUMNS.map((c) => [c.name, c.type] as const) };
const LINE = "172.16.201.2:50412 [2026-12-05T05:30:01+00:00] TCP 200 upstream=10.40.2.4:5432 sent=2311 received=977 session_time=3.021 connect_time=0.001 proxy=10.40.1.5:5432";

describe("the proxies' session table", () => {
    it("is a custom table (`_CL`) with TimeGenerated as a datetime, reached through Custom- streams", () => {
        assert.match(SESSION_TABLE, /^[A-Za-z][A-Za-z0-9_]*_CL$/);
        assert.equal(SESSION_OUTPUT_STREAM, `Custom-${SESSION_TABLE}`);
        assert.match(SESSION_INPUT_STREAM, /^Custom-/);
        assert.deepEqual(SESSION_COLUMNS.find((c) => c.name === "TimeGenerated")?.type, "datetime");
        assert.equal(TABLE_COLUMN_TYPE.datetime, "dateTime", "the table API spells it dateTime");
        assert.equal(new Set(SESSION_COLUMNS.map((c) => c.name)).size, SESSION_COLUMNS.length);
        for (const column of SESSION_COLUMNS) {
            assert.ok(column.description.length > 0, column.name);
        }
    });

    it("declares Computer in the input stream (Azure leaves it empty otherwise)", () => {
        assert.deepEqual(TEXT_INPUT_COLUMNS.map((c) => c.name), ["TimeGenerated", "RawData", "FilePath", "Computer"]);
    });

    it("maps every capture group of the pattern to one column, each group once", () => {
        const groups = new RegExp(`${SESSION_LINE_PATTERN}|`).exec("")!.length - 1;
        const used = SESSION_COLUMNS.flatMap((c) => (c.group === undefined ? [] : [c.group])).sort((a, b) => a - b);
        assert.deepEqual(used, Array.from({ length: groups }, (_, i) => i + 1));
    });
});

describe("the data collection rule's transformation", () => {
    const analysis = analyzeKql(sessionTransformKql(), SOURCE);

    it("is valid KQL over the agent's text stream (Microsoft's Kusto parser and binder)", () => {
        assert.deepEqual(analysis.diagnostics, []);
    });

    it("produces exactly the table's columns, in their types", () => {
        assert.deepEqual(analysis.columns, SESSION_COLUMNS.map((c) => [c.name, c.type]));
    });

    it("uses only what transformations allow: no coalesce, no iff spelling, no multi-row operators", () => {
        const kql = sessionTransformKql();
        for (const banned of [/\bcoalesce\(/, /\biff\(/, /\|\s*(summarize|join|union|sort|top|take|limit|distinct)\b/, /\bparse-kv\b/]) {
            assert.doesNotMatch(kql, banned);
        }
        assert.match(kql, /^source\n/);
    });

    it("takes the session's end as the row's time when the line has one, else keeps the agent's", () => {
        const kql = sessionTransformKql();
        assert.match(kql, /\| extend SessionEnd = todatetime\(extract\(@"[^\n]+", 3, RawData\)\)\n/);
        assert.match(kql, /\n\| extend TimeGenerated = iif\(isnull\(SessionEnd\), TimeGenerated, SessionEnd\)\n\| project TimeGenerated, /);
    });

    it("reads every column from the one pattern, by its group", () => {
        const kql = sessionTransformKql();
        for (const column of SESSION_COLUMNS.filter((c) => c.group !== undefined)) {
            assert.ok(kql.includes(`extract(${kqlVerbatim(SESSION_LINE_PATTERN)}, ${column.group}, RawData)`), column.name);
        }
        assert.equal(kql.split(kqlVerbatim(SESSION_LINE_PATTERN)).length - 1, SESSION_COLUMNS.filter((c) => c.group !== undefined).length);
    });

    it("writes verbatim strings that KQL reads back unchanged", () => {
        assert.equal(kqlVerbatim(String.raw`a\d"b`), String.raw`@"a\d""b"`);
        assert.deepEqual(analyzeKql(`print x = ${kqlVerbatim('say "hi" \\d')}`, {}).diagnostics, []);
    });
});

describe("parseSessionLine (the transformation's pattern and column map, run here)", () => {
    it("reads a session field by field", () => {
        assert.deepEqual(parseSessionLine(LINE), {
            TimeGenerated: new Date("2026-12-05T05:30:01Z"), ClientAddress: "172.16.201.2", ClientPort: 50412, Protocol: "TCP",
            Status: 200, Upstream: "10.40.2.4:5432", BytesSent: 2311, BytesReceived: 977, SessionSeconds: 3.021, ConnectTime: "0.001",
            ProxyAddress: "10.40.1.5", ProxyPort: 5432,
        });
    });

    it("keeps a refused session (no upstream, no connect time)", () => {
        const refused = parseSessionLine("203.0.113.9:40000 [2026-12-05T06:00:00+01:00] TCP 403 upstream=- sent=0 received=0 session_time=0.000 connect_time=- proxy=10.40.1.4:5432");
        assert.deepEqual([refused?.Status, refused?.Upstream, refused?.ConnectTime, refused?.TimeGenerated], [403, "-", "-", new Date("2026-12-05T05:00:00Z")]);
    });

    it("keeps the list nginx writes when it tried several server addresses", () => {
        const retried = parseSessionLine("172.16.201.2:50413 [2026-12-05T05:30:01+00:00] TCP 200 upstream=10.40.2.4:5432, 10.40.2.5:5432 sent=10 received=20 session_time=1.000 connect_time=-, 0.002 proxy=10.40.1.5:5432");
        assert.deepEqual([retried?.Upstream, retried?.ConnectTime, retried?.BytesSent], ["10.40.2.4:5432, 10.40.2.5:5432", "-, 0.002", 10]);
    });

    it("a time nginx did not write as a time: no TimeGenerated from the line (the agent's stays)", () => {
        const record = parseSessionLine(LINE.replace("2026-12-05T05:30:01+00:00", "yesterday"));
        assert.ok(record);
        assert.equal(record.TimeGenerated, null);
        assert.equal(record.Status, 200);
    });

    it("takes nothing from a line in another format", () => {
        for (const line of [
            "", "garbage",
            // The format before this change ($time_local, no proxy=).
            "172.16.201.2:50412 [05/Dec/2026:05:30:01 +0000] TCP 200 upstream=10.40.2.4:5432 sent=1 received=2 session_time=0.1 connect_time=0.001",
            `${LINE} extra`, `x${LINE.slice(1)}`.replace(":50412", ":port"),
        ]) {
            assert.equal(parseSessionLine(line), undefined, line);
        }
    });

    it("reads the line the generated nginx.conf's log_format writes", () => {
        const conf = renderNginxConfig({
            ...NGINX_DEFAULTS, upstreams: [{ name: "postgres", listenPort: 5432, upstreamHost: "psql-x.postgres.database.azure.com", upstreamPort: 5432 }], allowedSources: ["172.16.201.0/24"],
            resolverValidSeconds: 10, connectTimeoutSeconds: 5, idleTimeoutSeconds: 60, clientKeepalive: { idleSeconds: 120, intervalSeconds: 30, probes: 4 },
        });
        const format = /log_format securepg ((?:'[^']*'\s*)+);/.exec(conf)?.[1];
        assert.ok(format, "log_format securepg in the config");
        const template = [...format.matchAll(/'([^']*)'/g)].map((m) => m[1]).join("");
        const values: Record<string, string> = {
            remote_addr: "172.16.201.7", remote_port: "61000", time_iso8601: "2026-12-05T07:00:00+00:00", protocol: "TCP", status: "200",
            upstream_addr: "10.40.2.4:5432", bytes_sent: "10", bytes_received: "20", session_time: "1.500", upstream_connect_time: "0.002",
            server_addr: "10.40.1.4", server_port: "5432",
        };
        const line = template.replace(/\$([a-z_0-9]+)/g, (_, name: string) => values[name] ?? assert.fail(`unexpected variable $${name}`));
        const record = parseSessionLine(line);
        assert.ok(record, line);
        assert.deepEqual([record.ClientAddress, record.ProxyAddress, record.SessionSeconds, record.BytesReceived], ["172.16.201.7", "10.40.1.4", 1.5, 20]);
        assert.ok(conf.includes(`access_log ${NGINX_DEFAULTS.accessLogPath} securepg`));
    });
});

describe("diagnostic categories and syslog", () => {
    it("one setting name per resource, never changed: a renamed setting with the same categories and workspace is refused (409)", () => {
        assert.equal(DIAGNOSTIC_SETTING_NAME, "securepg-audit");
    });

    it("every setting: the fixed name, each category on, all metrics", () => {
        assert.deepEqual(auditDiagnostics(["A", "B"]), {
            name: DIAGNOSTIC_SETTING_NAME,
            logs: [{ category: "A", enabled: true }, { category: "B", enabled: true }],
            metrics: [{ category: "AllMetrics", enabled: true }],
        });
    });

    it("the server's connection log and session samples; every gateway category", () => {
        assert.deepEqual([...SERVER_LOG_CATEGORIES], ["PostgreSQLLogs", "PostgreSQLFlexSessions"]);
        assert.deepEqual([...GATEWAY_LOG_CATEGORIES].sort(), ["GatewayDiagnosticLog", "IKEDiagnosticLog", "P2SDiagnosticLog", "RouteDiagnosticLog", "TunnelDiagnosticLog"]);
    });

    it("syslog: sign-ins and services at Info and above", () => {
        assert.ok(PROXY_SYSLOG.facilities.includes("auth") && PROXY_SYSLOG.facilities.includes("authpriv"));
        assert.ok(!(PROXY_SYSLOG.levels as readonly string[]).includes("Debug"));
        assert.deepEqual([...PROXY_SYSLOG.levels], ["Info", "Notice", "Warning", "Error", "Critical", "Alert", "Emergency"]);
    });
});
