/**
 * Brings up the whole data plane for a rendered stack: network, certificates, two PostgreSQL
 * servers (primary and failover partner), Azure DNS, the kernel keepalive settings and nginx with
 * the config cloud-init writes. Used by the data-plane tests and by `npm run bench`.
 */
import type { TestContext } from "node:test";
import { skipLoudly } from "../harness/tools";
import { withParams } from "./clients";
import { addressesFor, Lab, missingPrerequisites, type Certificates, type NginxInstance, type PostgresServer } from "./lab";
import type { RenderedProxy } from "./program";

export interface DataPlane {
    readonly lab: Lab;
    readonly proxy: RenderedProxy;
    readonly certs: Certificates;
    readonly primary: PostgresServer;
    readonly standby: PostgresServer | undefined;
    readonly dns: { readonly pid: number; point(address: string, which?: string): void };
    readonly nginx: NginxInstance;
    /** The exported connection string plus the lab CA, exactly as a user would run it. */
    readonly conninfo: string;
}

/** Skips loudly (or fails, in CI) when the machine cannot run the lab. */
export function requireLab(t: TestContext): boolean {
    const missing = missingPrerequisites();
    return missing.length === 0 || skipLoudly(t, `MISSING ${missing.join(", ")}: the data-plane tests need them (see .ci/run)`);
}

/**
 * Starts the lab for `proxy`. The caller owns the returned lab and must `cleanup()` it (the lab
 * also cleans up on process exit and on SIGINT/SIGTERM).
 */
export async function startDataPlane(proxy: RenderedProxy, options: {
    standby?: boolean;
    forwarding?: boolean;
    /** A client on a site-to-site network, at this address. */
    site?: { address: string; prefixLength: number };
    /** More server names (proxy targets), answered with the second server's address and on its certificate. */
    targetNames?: readonly string[];
} = {}): Promise<DataPlane> {
    const lab = new Lab(addressesFor(proxy));
    try {
        lab.buildNetwork({ forwarding: options.forwarding, site: options.site });
        const certs = lab.makeCertificates(proxy.serverFqdn, options.targetNames ?? []);
        await lab.initPostgres(certs, { login: proxy.adminLogin, password: proxy.adminPassword, database: proxy.databaseName, tlsMinVersion: proxy.tlsMinVersion });
        const primary = await lab.startPostgres(lab.addresses.databases[0]);
        const standby = options.standby === false ? undefined : await lab.startPostgres(lab.addresses.databases[1]);
        const dns = lab.startDns(proxy.serverFqdn, primary.address, "prx", Object.fromEntries((options.targetNames ?? []).map((name) => [name, lab.addresses.databases[1]])));
        lab.applySysctl("prx", proxy.keepaliveSysctl);
        const nginx = await lab.startNginx("nginx", proxy.nginxConf, proxy.proxyPort);
        const conninfo = withParams(proxy.connectionString, { sslrootcert: certs.caCert });
        return { lab, proxy, certs, primary, standby, dns, nginx, conninfo };
    } catch (error) {
        await lab.cleanup();
        throw error;
    }
}
