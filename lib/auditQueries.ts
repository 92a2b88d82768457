/**
 * What the audit queries in docs/audit.md read: the tables' columns (so the queries can be bound
 * against them) and the patterns that pull fields out of free-text log lines (so the same strings
 * can be run in JavaScript against real lines and embedded, verbatim, in the KQL).
 */
import { SESSION_COLUMNS, SESSION_TABLE } from "./audit";

/** Table name to its columns, as `[name, kustoType]` pairs (the shape test/harness/kusto.ts binds). */
export type AuditSchema = Record<string, Array<[string, string]>>;

/**
 * The columns the queries may use. Only columns Microsoft documents for each table, and of those
 * only the ones the queries need: a query that binds here cannot lean on a column Azure lacks.
 */
export const AUDIT_SCHEMA: AuditSchema = {
    // Written by the proxies' data collection rule; Type and _ResourceId are added by Log Analytics.
    [SESSION_TABLE]: [...SESSION_COLUMNS.map((c): [string, string] => [c.name, c.type]), ["_ResourceId", "string"], ["Type", "string"]],
    // The server's PostgreSQLLogs category (logAnalyticsDestinationType Dedicated).
    PGSQLServerLogs: [
        ["TimeGenerated", "datetime"], ["Message", "string"], ["ErrorLevel", "string"], ["LogicalServerName", "string"], ["_ResourceId", "string"],
    ],
    // The VPN gateway's categories: gateways have no resource-specific tables.
    AzureDiagnostics: [
        ["TimeGenerated", "datetime"], ["Category", "string"], ["OperationName", "string"], ["Message", "string"], ["Resource", "string"],
        ["ResourceId", "string"], ["ResourceGroup", "string"], ["ResourceProvider", "string"], ["Level", "string"], ["instance_s", "string"],
        ["_ResourceId", "string"],
    ],
    Syslog: [
        ["TimeGenerated", "datetime"], ["Computer", "string"], ["Facility", "string"], ["SeverityLevel", "string"], ["SyslogMessage", "string"],
        ["ProcessName", "string"], ["HostName", "string"], ["_ResourceId", "string"],
    ],
};

/**
 * PostgreSQL's connection log lines (log_connections, log_disconnections), read wherever they sit
 * in the message: Azure may or may not keep the log_line_prefix in front, so nothing is anchored
 * at the start. RE2 (KQL's extract) and JavaScript read them alike: no lookaround, no backreference.
 * User and database names may contain spaces, so they are read lazily up to the next known keyword.
 */
export const SERVER_LOG_PATTERNS = {
    /** `connection received: host=10.40.1.4 port=50412`: 1 host (the proxy's address), 2 port. */
    received: String.raw`connection received: host=(\S+)(?: port=(\d+))?`,
    /** `connection authorized: user=app database=orders …`: 1 user, 2 database. */
    authorized: String.raw`connection authorized: user=(.+?) database=(.+?)(?: application_name=| SSL enabled \(| GSS |\s*$)`,
    /** The client's application_name on the authorized line, when it sent one: 1 name. */
    application: String.raw`connection authorized: .*? application_name=(.*?)(?: SSL enabled \(| GSS |\s*$)`,
    /** The TLS session on the authorized line: 1 protocol, 2 cipher, 3 bits. */
    tls: String.raw`connection authorized: .* SSL enabled \(protocol=([^,]+), cipher=([^,]+), bits=(\d+)\)`,
    /**
     * `disconnection: session time: 0:00:01.234 user=app database=orders host=10.40.1.4 port=50412`:
     * 1 hours, 2 minutes, 3 seconds, 4 user, 5 database, 6 host, 7 port.
     */
    disconnection: String.raw`disconnection: session time: (\d+):(\d{2}):(\d{2}(?:\.\d+)?) user=(.+?) database=(.+?) host=(\S+)(?: port=(\d+))?`,
    /** A wrong password (or token): 1 user. */
    passwordFailed: String.raw`password authentication failed for user "(.*)"`,
    /** Refused by pg_hba.conf, whether no line matched or a reject line did: 1 host, 2 user, 3 database. */
    hbaRefused: String.raw`(?:no pg_hba\.conf entry|pg_hba\.conf rejects connection) for host "([^"]*)", user "([^"]*)", database "([^"]*)"`,
} as const;

/**
 * The VPN gateway's P2S log. Its Message format is not documented by Microsoft: these follow
 * public queries, so reading an identity out of it is best effort (docs/audit.md says so).
 */
export const GATEWAY_LOG_PATTERNS = {
    /** The marker of a successful client connection. */
    connected: "Connection successful",
    /** 1 the user name the client authenticated as. */
    user: String.raw`Username=(\S+)`,
    /** 1 the address on the log line (believed, not confirmed, to be the VPN pool address). */
    address: String.raw`IP=([0-9A-Fa-f\.:]+)`,
} as const;
