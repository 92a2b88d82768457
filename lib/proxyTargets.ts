/** What the proxy forwards: the stack's server, its built-in PgBouncer, and databases it does not own. */
import type { StackConfig } from "./stackConfig";

/** The Flexible Server's built-in PgBouncer listens here, on the server's own name. */
export const PGBOUNCER_PORT = 6432;

/** PostgreSQL's port on the Flexible Server; the proxy's own listening port is configurable. */
export const POSTGRES_PORT = 5432;

export interface UpstreamSpec {
    readonly name: string;
    readonly listenPort: number;
    /** Undefined: the stack's own server, whose name is known only once it exists. */
    readonly host: string | undefined;
    readonly port: number;
}

/**
 * What the proxy forwards, in this order: the stack's server, its built-in PgBouncer (same name,
 * port 6432) when enabled, then each target of `proxy.targets`.
 */
export function upstreamSpecs(config: Pick<StackConfig, "database" | "proxy">): UpstreamSpec[] {
    return [
        { name: "postgres", listenPort: config.proxy.port, host: undefined, port: POSTGRES_PORT },
        ...(config.database.pgbouncer === true ? [{ name: "pgbouncer", listenPort: PGBOUNCER_PORT, host: undefined, port: PGBOUNCER_PORT }] : []),
        ...config.proxy.targets.map((t) => ({ name: t.name, listenPort: t.listenPort, host: t.host, port: t.port })),
    ];
}

/** Every port the proxy listens on, for the NSG and the load balancer. */
export function proxyListenPorts(config: Pick<StackConfig, "database" | "proxy">): number[] {
    return upstreamSpecs(config).map((u) => u.listenPort);
}

/** The site-to-site networks the proxy admits, as CIDR text. */
export function sitePrefixes(config: Pick<StackConfig, "vpn">): string[] {
    return config.vpn.sites.flatMap((site) => site.addressPrefixes.map((block) => block.text));
}

/** What a target speaks, from its Azure domain, else its port: MySQL's clients differ from libpq's. */
export function targetKind(target: { host: string; port: number }): "postgres" | "mysql" {
    if (/\.mysql\.database\.azure\.com$/i.test(target.host)) {
        return "mysql";
    }
    if (/\.postgres\.database\.azure\.com$/i.test(target.host)) {
        return "postgres";
    }
    return target.port === 3306 ? "mysql" : "postgres";
}

/**
 * How to reach a target through the proxy with full verification, without credentials. libpq
 * verifies `host` and connects to `hostaddr`; MySQL clients verify the name they connect to, so
 * that name must reach the proxy (a hosts entry, docs/drivers.md).
 */
export function targetConnectionString(target: { host: string; port: number; listenPort: number }, proxyAddress: string): string {
    return targetKind(target) === "mysql"
        ? `mysql --host=${target.host} --port=${target.listenPort} --ssl-mode=VERIFY_IDENTITY --ssl-ca=<root.crt>   # ${target.host} must resolve to ${proxyAddress}`
        : `host=${target.host} hostaddr=${proxyAddress} port=${target.listenPort} sslmode=verify-full`;
}
