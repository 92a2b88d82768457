/**
 * The audit trail's pure parts: which diagnostic categories go where, the custom table the proxies'
 * session log lands in, and the one pattern that both the data collection rule's transformation and
 * the tests use to read an nginx session line. Sources are in docs/azure-rules.md (rules 21 on).
 */

/** The least a prod stack keeps its logs (the policy pack's `log-retention-floor`). */
export const PROD_RETENTION_FLOOR_DAYS = 90;

/** A workspace the stack does not own, read before anything is declared (`readExistingWorkspace`). */
export interface ExistingWorkspace {
    readonly id: string;
    readonly resourceGroupName: string;
    readonly workspaceName: string;
    /** The data collection rule must be in the workspace's region. */
    readonly location: string;
    /** The workspace id (a GUID) queries take. */
    readonly customerId: string;
}

/** One diagnostic setting per resource, always this name: renaming one while the old exists is a 409. */
export const DIAGNOSTIC_SETTING_NAME = "securepg-audit";

/** What every securepg diagnostic setting says: its fixed name, each of these log categories on, and all metrics. */
export function auditDiagnostics(categories: readonly string[]) {
    return {
        name: DIAGNOSTIC_SETTING_NAME,
        logs: categories.map((category) => ({ category, enabled: true })),
        metrics: [{ category: "AllMetrics", enabled: true }],
    };
}

/**
 * The server's categories. Connections and disconnections are in `PostgreSQLLogs` (with
 * log_connections and log_disconnections on); `PostgreSQLFlexSessions` samples pg_stat_activity.
 * Sent to resource-specific tables (`PGSQLServerLogs`, `PGSQLPgStatActivitySessions`).
 */
export const SERVER_LOG_CATEGORIES = ["PostgreSQLLogs", "PostgreSQLFlexSessions"] as const;

/** Every category a route-based VPN gateway has; they land in AzureDiagnostics, its only table. */
export const GATEWAY_LOG_CATEGORIES = ["GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog", "IKEDiagnosticLog", "P2SDiagnosticLog"] as const;

/**
 * The proxies' syslog: sign-ins (auth, authpriv), services and cloud-init (daemon, user, syslog),
 * the kernel, at Info and above. It lands in the standard Syslog table.
 */
export const PROXY_SYSLOG = {
    facilities: ["auth", "authpriv", "cron", "daemon", "kern", "syslog", "user"],
    levels: ["Info", "Notice", "Warning", "Error", "Critical", "Alert", "Emergency"],
} as const;

/** The table in Log Analytics the proxies' session log goes to. Custom tables must end in `_CL`. */
export const SESSION_TABLE = "SecurepgProxySessions_CL";
/** The data collection rule's input stream: custom streams start with `Custom-`. */
export const SESSION_INPUT_STREAM = "Custom-Text-SecurepgProxySessions";
/** A data flow into a custom table names it with `Custom-` in front. */
export const SESSION_OUTPUT_STREAM = `Custom-${SESSION_TABLE}`;

/** Column types as the Log Analytics table API spells them (`dateTime`) and the DCR API (`datetime`). */
type ColumnType = "string" | "int" | "long" | "real" | "datetime";
export const TABLE_COLUMN_TYPE: Record<ColumnType, "string" | "int" | "long" | "real" | "dateTime"> = {
    string: "string", int: "int", long: "long", real: "real", datetime: "dateTime",
};

/** What the agent sends for a line of a text file; `Computer` is empty unless declared. */
export const TEXT_INPUT_COLUMNS: ReadonlyArray<{ name: string; type: ColumnType }> = [
    { name: "TimeGenerated", type: "datetime" },
    { name: "RawData", type: "string" },
    { name: "FilePath", type: "string" },
    { name: "Computer", type: "string" },
];

/**
 * One nginx stream session line, as `lib/nginx.ts`'s `securepg` log_format writes it when the
 * session ends:
 * `10.8.0.5:50412 [2026-12-05T05:30:01+00:00] TCP 200 upstream=10.40.2.4:5432 sent=2311 received=977 session_time=3.021 connect_time=0.001 proxy=10.40.1.4:5432`
 * When nginx tried more than one server address, upstream= and connect_time= list them, comma-separated.
 * RE2 and JavaScript read it the same way: no lookaround, no backreference.
 */
export const SESSION_LINE_PATTERN =
    String.raw`^(\S+):(\d+) \[(\S+)\] (TCP|UDP) (\d{3}) upstream=(\S+(?:, \S+)*) sent=(\d+) received=(\d+) session_time=(\d+\.\d+) connect_time=(\S+(?:, \S+)*) proxy=(\S+):(\d+)$`;

/** The table's columns, each from a capture group of the pattern (or from the agent). */
export const SESSION_COLUMNS: ReadonlyArray<{ name: string; type: ColumnType; group?: number; description: string }> = [
    { name: "TimeGenerated", type: "datetime", group: 3, description: "When the session ended (nginx writes the line then)" },
    { name: "ClientAddress", type: "string", group: 1, description: "The client's address: a VPN pool address, or a peered network's" },
    { name: "ClientPort", type: "int", group: 2, description: "The client's source port" },
    { name: "Protocol", type: "string", group: 4, description: "TCP" },
    { name: "Status", type: "int", group: 5, description: "200 ok, 403 refused by the allowlist, 502 no upstream, 500 error" },
    { name: "Upstream", type: "string", group: 6, description: "The server address nginx connected to (`-` when none; a list when it tried several)" },
    { name: "BytesSent", type: "long", group: 7, description: "Bytes sent to the client" },
    { name: "BytesReceived", type: "long", group: 8, description: "Bytes received from the client" },
    { name: "SessionSeconds", type: "real", group: 9, description: "How long the session lasted" },
    { name: "ConnectTime", type: "string", group: 10, description: "Seconds to connect upstream (`-` when it failed)" },
    { name: "ProxyAddress", type: "string", group: 11, description: "The proxy VM's address: the host= the server logs" },
    { name: "ProxyPort", type: "int", group: 12, description: "The port the proxy accepted on" },
    { name: "Computer", type: "string", description: "The proxy VM's host name (from the agent)" },
    { name: "RawData", type: "string", description: "The line as written, kept whether or not the pattern matched" },
];

const KQL_CONVERSION: Record<ColumnType, (expr: string) => string> = {
    string: (e) => e,
    int: (e) => `toint(${e})`,
    long: (e) => `tolong(${e})`,
    real: (e) => `toreal(${e})`,
    datetime: (e) => `todatetime(${e})`,
};

/** A verbatim KQL string literal: backslashes stay as they are, a quote is doubled. */
export function kqlVerbatim(text: string): string {
    return `@"${text.replace(/"/g, '""')}"`;
}

/**
 * The data collection rule's transformation: each column from its group of the one pattern. A line
 * that does not match keeps the agent's time and its RawData, so nothing is lost silently.
 */
export function sessionTransformKql(): string {
    const pattern = kqlVerbatim(SESSION_LINE_PATTERN);
    const parsed = SESSION_COLUMNS.filter((c) => c.group !== undefined && c.name !== "TimeGenerated")
        .map((c) => `${c.name} = ${KQL_CONVERSION[c.type](`extract(${pattern}, ${c.group}, RawData)`)}`);
    const time = SESSION_COLUMNS.find((c) => c.name === "TimeGenerated")!;
    return [
        "source",
        `| extend SessionEnd = ${KQL_CONVERSION[time.type](`extract(${pattern}, ${time.group}, RawData)`)}`,
        `| extend ${parsed.join(", ")}`,
        // iif, not its synonym iff, and no coalesce: the transformation language lists iif only.
        "| extend TimeGenerated = iif(isnull(SessionEnd), TimeGenerated, SessionEnd)",
        `| project ${SESSION_COLUMNS.map((c) => c.name).join(", ")}`,
    ].join("\n");
}

export type SessionRecord = Record<string, string | number | Date | null>;

/** The pattern's numeric groups only ever hold digits (and a point); a time may not be one (then null, as todatetime). */
const JS_CONVERSION: Record<ColumnType, (text: string) => string | number | Date | null> = {
    string: (t) => t,
    int: Number,
    long: Number,
    real: Number,
    datetime: (t) => (Number.isNaN(Date.parse(t)) ? null : new Date(t)),
};

/**
 * The record the transformation makes of one line, computed with the same pattern and the same
 * group-to-column map: how the tests read real nginx lines "as Azure will".
 */
export function parseSessionLine(line: string): SessionRecord | undefined {
    const match = new RegExp(SESSION_LINE_PATTERN).exec(line);
    if (!match) {
        return undefined;
    }
    return Object.fromEntries(SESSION_COLUMNS.filter((c) => c.group !== undefined)
        .map((c) => [c.name, JS_CONVERSION[c.type](match[c.group!]!)]));
}
