/** libpq connection strings that keep full TLS verification working through the proxy. */

export interface ProxiedConnection {
    /** The server's FQDN: what the certificate is checked against. */
    readonly serverFqdn: string;
    /** Where to actually connect: the proxy's private IP. */
    readonly proxyAddress: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    /** Omitted from the string when undefined (e.g. for a non-secret variant using PGPASSWORD). */
    readonly password?: string;
}

/** Quotes a keyword/value parameter as libpq expects: single quotes, with \ and ' escaped. */
export function quoteLibpqValue(value: string): string {
    return /^[A-Za-z0-9._~@:/+-]+$/.test(value) ? value : `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * `host=` carries the FQDN so that `sslmode=verify-full` checks the certificate's name, while
 * `hostaddr=` sends the TCP connection to the proxy. libpq reads the CA bundle from
 * ~/.postgresql/root.crt (%APPDATA%\postgresql\root.crt on Windows) unless `sslrootcert` is given.
 */
export function libpqConnectionString(c: ProxiedConnection): string {
    const parts: Array<[string, string]> = [
        ["host", c.serverFqdn],
        ["hostaddr", c.proxyAddress],
        ["port", String(c.port)],
        ["dbname", c.database],
        ["user", c.user],
        ...(c.password === undefined ? [] : [["password", c.password] as [string, string]]),
        ["sslmode", "verify-full"],
    ];
    return parts.map(([key, value]) => `${key}=${quoteLibpqValue(value)}`).join(" ");
}
