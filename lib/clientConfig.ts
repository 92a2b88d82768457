/**
 * What `npm run connect` writes for a client: the pg_service.conf section, the pgpass line, the
 * hosts entry that makes the server's FQDN reach the proxy, and each driver's connection settings.
 * Pure functions; the CLI (scripts/connect.ts) does the reading and writing.
 */
import { quoteLibpqValue } from "./connection";

/** Where a client connects, and the files it verifies and signs in with. */
export interface ClientTarget {
    /** The stack as given to Pulumi (`dev`, or `org/project/dev`); names use its last part. */
    readonly stack: string;
    /** The server's FQDN: what the certificate is checked against, and what drivers connect to. */
    readonly serverFqdn: string;
    /** The load balancer's frontend, which the FQDN must reach from a VPN client. */
    readonly proxyAddress: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    /** Absolute path of the CA bundle `sslrootcert` points at. */
    readonly caFile: string;
    /** Absolute path of the pgpass file; undefined when passwords do not sign in (Entra tokens). */
    readonly passFile?: string;
}

/** A stack's own name without its organization and project (`org/project/dev` → `dev`). */
export function stackLeaf(stack: string): string {
    return stack.split("/").pop()!;
}

/** The libpq service name for a stack: `psql service=securepg-<stack>`. */
export function serviceName(stack: string): string {
    return `securepg-${stackLeaf(stack)}`;
}

/** The marker's text for a stack; the full stack name tells `org-a/app/dev` from `org-b/app/dev`. */
function writtenFor(stack: string): string {
    return `${WRITTEN_BY} for stack ${stack}`;
}

/** The comment that marks a section, block or file as this tool's, so a rerun may replace it. */
export const WRITTEN_BY = "written by `npm run connect`";

const LINE_BREAK = /[\r\n\0]/;

function refuseLineBreaks(fields: Record<string, string>): void {
    for (const [key, value] of Object.entries(fields)) {
        if (LINE_BREAK.test(value)) {
            throw new Error(`${key} ${JSON.stringify(value)} contains a line break`);
        }
    }
}

/**
 * The service file section. libpq takes each value as the rest of its line, unquoted, so paths
 * with spaces work as they are. `hostaddr` sends libpq clients to the proxy without any name
 * resolution; `host` stays the FQDN so `verify-full` checks the certificate's name.
 */
export function pgServiceSection(t: ClientTarget): string {
    const fields: Record<string, string> = {
        host: t.serverFqdn,
        hostaddr: t.proxyAddress,
        port: String(t.port),
        dbname: t.database,
        user: t.user,
        sslmode: "verify-full",
        sslrootcert: t.caFile,
        ...(t.passFile === undefined ? {} : { passfile: t.passFile }),
    };
    refuseLineBreaks(fields);
    const lines = [`[${serviceName(t.stack)}]`, `# ${writtenFor(t.stack)}; run it again to update this section`];
    return `${[...lines, ...Object.entries(fields).map(([k, v]) => `${k}=${v}`)].join("\n")}\n`;
}

export type MergeAction = "added" | "updated" | "unchanged";

export interface MergeResult {
    readonly text: string;
    readonly action: MergeAction;
}

/** Thrown when a file holds an entry of the same name that this tool did not write. */
export class ForeignEntryError extends Error {}

const SECTION_HEADER = /^\s*\[([^\]]*)\]\s*$/;

/**
 * Adds or replaces this stack's section in a service file, leaving every other section as it was.
 * A section of the same name without this tool's marker is someone else's: refused unless `force`.
 */
export function mergeServiceFile(existing: string | undefined, section: string, options: { force?: boolean } = {}): MergeResult {
    const name = SECTION_HEADER.exec(section.split("\n")[0])?.[1];
    if (name === undefined) {
        throw new Error("the section has no [name] header");
    }
    const text = existing ?? "";
    const lines = text.split("\n");
    const start = lines.findIndex((line) => SECTION_HEADER.exec(line)?.[1] === name);
    if (start < 0) {
        const separator = text === "" ? "" : text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
        return { text: `${text}${separator}${section}`, action: "added" };
    }
    let end = lines.findIndex((line, i) => i > start && SECTION_HEADER.test(line));
    end = end < 0 ? lines.length : end;
    const body = lines.slice(start, end);
    const marker = body.find((line) => line.includes(WRITTEN_BY));
    if (!options.force && marker === undefined) {
        throw new ForeignEntryError(`it already has a [${name}] section that \`npm run connect\` did not write`);
    }
    const ownMarker = section.split("\n")[1];
    if (!options.force && marker !== undefined && marker.trim() !== ownMarker) {
        throw new ForeignEntryError(`its [${name}] section was written for another stack (${JSON.stringify(marker)})`);
    }
    // Keep the blank line that separated the section from the next one.
    const trailingBlank = end < lines.length && body[body.length - 1].trim() === "" ? "\n" : "";
    const before = lines.slice(0, start).join("\n");
    const after = lines.slice(end).join("\n");
    const merged = `${before}${start > 0 ? "\n" : ""}${section}${trailingBlank}${after}`;
    return { text: merged, action: merged === existing ? "unchanged" : "updated" };
}

/** Escapes a pgpass field: `:` and `\` take a backslash. */
function pgpassField(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/:/g, "\\:");
}

/**
 * The pgpass line for the server. libpq and the drivers match its host field against `host`,
 * the FQDN, not `hostaddr`; `*` for the database lets the same password open every database.
 */
export function pgpassLine(t: Pick<ClientTarget, "serverFqdn" | "port" | "user">, password: string): string {
    refuseLineBreaks({ user: t.user });
    if (LINE_BREAK.test(password)) {
        // Never the value: it is a secret.
        throw new Error("the password contains a line break");
    }
    return `${pgpassField(t.serverFqdn)}:${t.port}:*:${pgpassField(t.user)}:${pgpassField(password)}\n`;
}

/** The hosts-file line that sends the server's FQDN to the proxy. */
export function hostsLine(t: Pick<ClientTarget, "proxyAddress" | "serverFqdn">): string {
    refuseLineBreaks({ proxyAddress: t.proxyAddress, serverFqdn: t.serverFqdn });
    return `${t.proxyAddress} ${t.serverFqdn}`;
}

function hostsMarkers(stack: string): { begin: string; end: string } {
    return { begin: `# BEGIN ${serviceName(stack)} (${writtenFor(stack)})`, end: `# END ${serviceName(stack)}` };
}

/**
 * Adds or replaces this stack's block in a hosts file. A line that is exactly this entry (added
 * by hand, as the tool suggests) is taken into the block. Another line naming the same FQDN would
 * win or conflict (resolvers take the first match): refused unless `force`, which comments it out
 * so that it can be restored by hand.
 */
export function mergeHostsFile(existing: string, t: Pick<ClientTarget, "stack" | "proxyAddress" | "serverFqdn">, options: { force?: boolean } = {}): MergeResult {
    const { begin, end } = hostsMarkers(t.stack);
    const lines = existing.split(/\r?\n/);
    const eol = existing.includes("\r\n") ? "\r\n" : "\n";
    const kept: string[] = [];
    let inBlock = false;
    for (const line of lines) {
        if (line.trim() === begin) {
            inBlock = true;
        } else if (inBlock && line.trim() === end) {
            inBlock = false;
        } else if (!inBlock) {
            kept.push(line);
        }
    }
    const fqdn = t.serverFqdn.toLowerCase();
    const fields = (line: string) => line.replace(/#.*/, "").trim().toLowerCase().split(/\s+/);
    const ownEntry = (line: string) => fields(line).join(" ") === hostsLine(t).toLowerCase();
    // The address field never equals a host name, so all fields may be searched.
    const mapped = kept.filter((line) => fields(line).includes(fqdn));
    const foreign = mapped.filter((line) => !ownEntry(line));
    const adopted = new Set(mapped.filter(ownEntry));
    if (foreign.length > 0 && !options.force) {
        throw new ForeignEntryError(`it already maps ${t.serverFqdn} (${foreign.map((l) => JSON.stringify(l.trim())).join(", ")})`);
    }
    const disabled = kept.filter((line) => !adopted.has(line)).map((line) => (foreign.includes(line) ? `# disabled by ${serviceName(t.stack)}: ${line}` : line));
    while (disabled.at(-1) === "") {
        disabled.pop();
    }
    const text = [...disabled, begin, hostsLine(t), end, ""].join(eol);
    return { text, action: text === existing ? "unchanged" : existing.includes(begin) || adopted.size > 0 ? "updated" : "added" };
}

/** A query-string value: percent-encoded, with `/` and `:` kept readable (both are legal there). */
function queryValue(value: string): string {
    return encodeURIComponent(value).replace(/%2F/gi, "/").replace(/%3A/gi, ":");
}

/** Each driver's exact settings for full verification through the proxy. No secret is in them. */
export interface DriverSettings {
    /** libpq (psql, psycopg, anything on libpq): the service, which uses `hostaddr` and needs no name resolution. */
    readonly libpqService: string;
    /** libpq without the service file: every parameter spelled out. */
    readonly libpq: string;
    /** pgjdbc: the password comes from the pgpass file named by PGPASSFILE. */
    readonly jdbc: string;
    /** Npgsql connection string. */
    readonly npgsql: string;
    /** node-postgres `Client`/`Pool` options; `ssl.ca` is the bundle's contents, read from `caFile`. */
    readonly nodePostgres: { host: string; port: number; database: string; user: string; ssl: { caFile: string; rejectUnauthorized: true } };
    /** pgx (Go) connection URL. */
    readonly pgx: string;
    /** Environment the drivers read the password from. */
    readonly environment: Record<string, string>;
}

export function driverSettings(t: ClientTarget): DriverSettings {
    const passfileQuery = t.passFile === undefined ? "" : `&passfile=${queryValue(t.passFile)}`;
    const quote = (value: string) => (/[;'"=\s]/.test(value) ? `'${value.replace(/'/g, "''")}'` : value);
    const libpqParts = [
        `host=${t.serverFqdn}`,
        `port=${t.port}`,
        `dbname=${quoteLibpqValue(t.database)}`,
        `user=${quoteLibpqValue(t.user)}`,
        "sslmode=verify-full",
        `sslrootcert=${quoteLibpqValue(t.caFile)}`,
        ...(t.passFile === undefined ? [] : [`passfile=${quoteLibpqValue(t.passFile)}`]),
    ];
    return {
        libpqService: `service=${serviceName(t.stack)}`,
        libpq: libpqParts.join(" "),
        jdbc: `jdbc:postgresql://${t.serverFqdn}:${t.port}/${encodeURIComponent(t.database)}?user=${queryValue(t.user)}&sslmode=verify-full&sslrootcert=${queryValue(t.caFile)}`,
        npgsql: [
            `Host=${t.serverFqdn}`,
            `Port=${t.port}`,
            `Database=${quote(t.database)}`,
            `Username=${quote(t.user)}`,
            "SSL Mode=VerifyFull",
            `Root Certificate=${quote(t.caFile)}`,
            ...(t.passFile === undefined ? [] : [`Passfile=${quote(t.passFile)}`]),
        ].join(";"),
        nodePostgres: { host: t.serverFqdn, port: t.port, database: t.database, user: t.user, ssl: { caFile: t.caFile, rejectUnauthorized: true } },
        pgx: `postgres://${encodeURIComponent(t.user)}@${t.serverFqdn}:${t.port}/${encodeURIComponent(t.database)}?sslmode=verify-full&sslrootcert=${queryValue(t.caFile)}${passfileQuery}`,
        environment: t.passFile === undefined ? {} : { PGPASSFILE: t.passFile },
    };
}
