/**
 * docs/audit.md's queries and lib/auditQueries.ts: every query on the page binds against the
 * tables' columns (Microsoft's Kusto parser and binder), uses the table and pattern names the code
 * exports, and those patterns read PostgreSQL's real connection lines.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { GATEWAY_LOG_CATEGORIES, SESSION_COLUMNS, SESSION_TABLE, TEXT_INPUT_COLUMNS, kqlVerbatim, sessionTransformKql } from "../lib/audit";
import { AUDIT_SCHEMA, GATEWAY_LOG_PATTERNS, SERVER_LOG_PATTERNS } from "../lib/auditQueries";
import { analyzeKql } from "./harness/kusto";

const DOC = fs.readFileSync(path.join(__dirname, "..", "docs", "audit.md"), "utf8");
const QUERIES = [...DOC.matchAll(/^```kusto\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
/** Every verbatim string literal (`@"..."`, quotes doubled inside) in the page's queries, read back. */
const VERBATIM_LITERALS = QUERIES.flatMap((q) => [...q.matchAll(/@"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"')));

/** Azure's default log_line_prefix (`%t-%c-`) followed by the level, as the server writes it. */
const PREFIX = "2026-12-05 05:30:01 UTC-6aaae7b4.1dc3-";

function read(pattern: keyof typeof SERVER_LOG_PATTERNS, line: string): string[] | undefined {
    const match = new RegExp(SERVER_LOG_PATTERNS[pattern]).exec(line);
    // Unmatched optional groups are "" in KQL's extract; undefined here. Compare as KQL sees them.
    return match?.slice(1).map((group) => group ?? "");
}

describe("docs/audit.md's queries (Microsoft's Kusto parser and binder)", () => {
    it("has the queries the page promises, each in a kusto block", () => {
        assert.ok(QUERIES.length >= 6, `${QUERIES.length} kusto blocks`);
    });

    QUERIES.forEach((query, index) => {
        const title = query.split("\n")[0]!.replace(/^\/\/\s*/, "");
        it(`binds with no diagnostics: ${title}`, () => {
            assert.match(query, /^\/\/ /, "each query opens with a comment saying what it answers");
            const analysis = analyzeKql(query, AUDIT_SCHEMA);
            assert.deepEqual(analysis.diagnostics, [], `query ${index}:\n${query}`);
            assert.ok(analysis.columns.length > 0, "ends in a table");
        });
    });

    it("would fail on a column the table does not have, or a table the workspace does not have", () => {
        const trail = QUERIES.find((q) => q.includes(SESSION_TABLE) && q.includes("SessionSeconds"));
        assert.ok(trail);
        const misspeltColumn = analyzeKql(trail.replace("SessionSeconds", "SessionSecs"), AUDIT_SCHEMA).diagnostics;
        assert.ok(misspeltColumn.some((d) => d.startsWith("KS142 ") && d.includes("'SessionSecs'")), misspeltColumn.join("\n"));
        const misspeltTable = analyzeKql(trail.replace(SESSION_TABLE, "SecurepgProxySession_CL"), AUDIT_SCHEMA).diagnostics;
        assert.ok(misspeltTable.some((d) => d.includes("'SecurepgProxySession_CL'")), misspeltTable.join("\n"));
        // A column Azure has but the schema leaves out on purpose (undocumented) is refused as well.
        assert.ok(analyzeKql("PGSQLServerLogs | project ProcessId", AUDIT_SCHEMA).diagnostics.some((d) => d.startsWith("KS142 ")));
    });

    it("reads the session table by the name the data collection rule writes to", () => {
        assert.ok(QUERIES.filter((q) => q.includes(SESSION_TABLE)).length >= 4);
        const customTables = new Set(QUERIES.flatMap((q) => [...q.matchAll(/\b(\w+_CL)\b/g)].map((m) => m[1])));
        assert.deepEqual([...customTables], [SESSION_TABLE]);
    });

    it("embeds every PostgreSQL pattern verbatim, and no regular expression the tests do not run", () => {
        for (const [name, pattern] of Object.entries(SERVER_LOG_PATTERNS)) {
            assert.ok(QUERIES.some((q) => q.includes(kqlVerbatim(pattern))), `${name} is used as ${kqlVerbatim(pattern)}`);
        }
        for (const name of ["user", "address"] as const) {
            assert.ok(QUERIES.some((q) => q.includes(`extract(${kqlVerbatim(GATEWAY_LOG_PATTERNS[name])}, 1, Message)`)), name);
        }
        const known = new Set<string>([...Object.values(SERVER_LOG_PATTERNS), ...Object.values(GATEWAY_LOG_PATTERNS)]);
        assert.deepEqual(VERBATIM_LITERALS.filter((literal) => !known.has(literal)), []);
    });

    it("filters the gateway's log on its P2S category and the 'Connection successful' marker", () => {
        assert.ok((GATEWAY_LOG_CATEGORIES as readonly string[]).includes("P2SDiagnosticLog"));
        const gatewayQueries = QUERIES.filter((q) => q.includes("AzureDiagnostics"));
        assert.ok(gatewayQueries.length >= 2);
        for (const query of gatewayQueries) {
            assert.ok(query.includes('Category == "P2SDiagnosticLog" and OperationName == "P2SLogEvent"'), query);
            assert.ok(query.includes(`"${GATEWAY_LOG_PATTERNS.connected}"`), query);
        }
    });

    it("says the VPN identity is best effort and gives the documented way to list connected clients", () => {
        assert.match(DOC, /best effort/i);
        assert.match(DOC, /Get-AzVirtualNetworkGatewayVpnClientConnectionHealth/);
        assert.match(DOC, /getVpnClientConnectionHealth/);
        assert.match(DOC, /az monitor log-analytics query/);
        assert.match(DOC, /auditWorkspaceCustomerId/);
        assert.match(DOC, /securepg:monitoring\.retentionInDays/);
    });

    it("lists the session table's columns with their types, as lib/audit.ts declares them", () => {
        for (const column of SESSION_COLUMNS) {
            assert.match(DOC, new RegExp(`^\\| \`${column.name}\` \\| ${column.type} \\|`, "m"), column.name);
        }
    });
});

describe("the schemas the queries are bound against", () => {
    it("the session table has exactly the columns the data collection rule's transformation produces, plus Log Analytics' own", () => {
        const produced = analyzeKql(sessionTransformKql(), { source: TEXT_INPUT_COLUMNS.map((c) => [c.name, c.type] as const) }).columns;
        assert.deepEqual(AUDIT_SCHEMA[SESSION_TABLE], [...produced, ["_ResourceId", "string"], ["Type", "string"]]);
    });

    it("every table has TimeGenerated as a datetime and no column twice", () => {
        for (const [table, columns] of Object.entries(AUDIT_SCHEMA)) {
            assert.deepEqual(columns.find(([name]) => name === "TimeGenerated"), ["TimeGenerated", "datetime"], table);
            assert.equal(new Set(columns.map(([name]) => name)).size, columns.length, table);
        }
    });
});

describe("SERVER_LOG_PATTERNS on PostgreSQL's connection lines", () => {
    it("are regular expressions RE2 (KQL's extract) reads as JavaScript does: no lookaround, no backreference", () => {
        for (const [name, pattern] of Object.entries({ ...SERVER_LOG_PATTERNS, ...GATEWAY_LOG_PATTERNS })) {
            assert.doesNotThrow(() => new RegExp(pattern), name);
            assert.doesNotMatch(pattern, /\(\?<?[=!]|\\[1-9]|\(\?<\w/, name);
        }
    });

    it("connection received: the proxy's address and source port, with or without the prefix", () => {
        for (const prefix of [`${PREFIX}LOG:  `, ""]) {
            assert.deepEqual(read("received", `${prefix}connection received: host=10.40.1.4 port=50412`), ["10.40.1.4", "50412"]);
        }
    });

    it("connection authorized: role, database, application and TLS", () => {
        const line = `${PREFIX}LOG:  connection authorized: user=app_owner database=orders application_name=psql SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)`;
        assert.deepEqual(read("authorized", line), ["app_owner", "orders"]);
        assert.deepEqual(read("application", line), ["psql"]);
        assert.deepEqual(read("tls", line), ["TLSv1.3", "TLS_AES_256_GCM_SHA384", "256"]);
    });

    it("connection authorized: names with spaces (an Entra group, a GUI client) and an Entra user name", () => {
        const line = `${PREFIX}LOG:  connection authorized: user=DB Admins database=sales reports application_name=DBeaver 24.1.0 - Main SSL enabled (protocol=TLSv1.2, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256)`;
        assert.deepEqual(read("authorized", line), ["DB Admins", "sales reports"]);
        assert.deepEqual(read("application", line), ["DBeaver 24.1.0 - Main"]);
        assert.deepEqual(read("tls", line), ["TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "256"]);
        assert.deepEqual(read("authorized", `${PREFIX}LOG:  connection authorized: user=alice@contoso.com database=postgres SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_128_GCM_SHA256, bits=128)`),
            ["alice@contoso.com", "postgres"]);
    });

    it("connection authorized without an application name or TLS: role and database still read, the rest empty", () => {
        const line = `${PREFIX}LOG:  connection authorized: user=app_owner database=orders`;
        assert.deepEqual(read("authorized", line), ["app_owner", "orders"]);
        assert.equal(read("application", line), undefined);
        assert.equal(read("tls", line), undefined);
    });

    it("disconnection: duration, role, database, the proxy's address and source port", () => {
        const fields = read("disconnection", `${PREFIX}LOG:  disconnection: session time: 0:00:01.234 user=app_owner database=orders host=10.40.1.4 port=50412`);
        assert.deepEqual(fields, ["0", "00", "01.234", "app_owner", "orders", "10.40.1.4", "50412"]);
    });

    it("disconnection: a session longer than a day still reads to the second (the query adds hours, minutes, seconds)", () => {
        const [hours, minutes, seconds, user, database] = read("disconnection",
            `${PREFIX}LOG:  disconnection: session time: 27:03:09.005 user=DB Admins database=sales reports host=10.40.1.5 port=40000`)!;
        assert.deepEqual([user, database], ["DB Admins", "sales reports"]);
        assert.equal(Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds), 27 * 3600 + 3 * 60 + 9.005);
    });

    it("failed sign-ins: a wrong password, and pg_hba.conf refusing (no entry, or a reject line)", () => {
        assert.deepEqual(read("passwordFailed", `${PREFIX}FATAL:  password authentication failed for user "app_owner"`), ["app_owner"]);
        assert.deepEqual(read("hbaRefused", `${PREFIX}FATAL:  no pg_hba.conf entry for host "10.40.1.4", user "app_owner", database "orders", no encryption`),
            ["10.40.1.4", "app_owner", "orders"]);
        assert.deepEqual(read("hbaRefused", `${PREFIX}FATAL:  pg_hba.conf rejects connection for host "10.40.1.4", user "app_owner", database "orders", no encryption`),
            ["10.40.1.4", "app_owner", "orders"]);
    });

    it("each pattern reads only its own kind of line", () => {
        const lines = {
            received: `${PREFIX}LOG:  connection received: host=10.40.1.4 port=50412`,
            authorized: `${PREFIX}LOG:  connection authorized: user=a database=b application_name=psql SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)`,
            disconnection: `${PREFIX}LOG:  disconnection: session time: 0:00:00.010 user=a database=b host=10.40.1.4 port=50412`,
            passwordFailed: `${PREFIX}FATAL:  password authentication failed for user "a"`,
            hbaRefused: `${PREFIX}FATAL:  no pg_hba.conf entry for host "10.40.1.4", user "a", database "b", no encryption`,
            // A statement that mentions the keywords is not a connection.
            statement: `${PREFIX}LOG:  statement: SET application_name = 'x'; SELECT 'host=1.2.3.4 database=y'`,
        };
        const readers: Record<string, Array<keyof typeof SERVER_LOG_PATTERNS>> = {
            received: ["received"], authorized: ["authorized", "application", "tls"], disconnection: ["disconnection"],
            passwordFailed: ["passwordFailed"], hbaRefused: ["hbaRefused"], statement: [],
        };
        for (const [kind, line] of Object.entries(lines)) {
            const matching = (Object.keys(SERVER_LOG_PATTERNS) as Array<keyof typeof SERVER_LOG_PATTERNS>).filter((p) => read(p, line) !== undefined);
            assert.deepEqual(matching, readers[kind], line);
        }
    });
});

describe("GATEWAY_LOG_PATTERNS (best effort: the format is undocumented)", () => {
    it("take the user and the address as whole fields, not running into the next one", () => {
        const message = "P2S client Connection successful. Username=alice@contoso.com IP=172.16.201.2 ConnectionId=1";
        assert.equal(new RegExp(GATEWAY_LOG_PATTERNS.user).exec(message)?.[1], "alice@contoso.com");
        assert.equal(new RegExp(GATEWAY_LOG_PATTERNS.address).exec(message)?.[1], "172.16.201.2");
        assert.equal(new RegExp(GATEWAY_LOG_PATTERNS.address).exec("Username=bob IP=fd00:10::5, port 4500")?.[1], "fd00:10::5");
    });
});
