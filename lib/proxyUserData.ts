/** Derives the proxy VM's nginx options and cloud-init from the validated stack configuration. */
import type { StackConfig } from "./stackConfig";
import { renderProxyCloudInit } from "./cloudInit";
import { NGINX_DEFAULTS, renderNginxConfig, type NginxProxyOptions, type NginxUpstream } from "./nginx";
import { PGBOUNCER_PORT } from "./proxyTargets";
import { proxyAllowedSources } from "./nsgRules";
import { renderDrainScript } from "./drain";
import { PROXY_PROBE } from "./proxyTier";

/** PostgreSQL's port on the Flexible Server; the proxy's own listening port is configurable. */
export const POSTGRES_PORT = 5432;

/**
 * What the proxy forwards, in listen-port order of appearance: the stack's server, its built-in
 * PgBouncer (same name, port 6432) when enabled, then each target of `proxy.targets`.
 */
export function proxyUpstreams(config: Pick<StackConfig, "database" | "proxy">, serverFqdn: string): NginxUpstream[] {
    return [
        { name: "postgres", listenPort: config.proxy.port, upstreamHost: serverFqdn, upstreamPort: POSTGRES_PORT },
        ...(config.database.pgbouncer ? [{ name: "pgbouncer", listenPort: PGBOUNCER_PORT, upstreamHost: serverFqdn, upstreamPort: PGBOUNCER_PORT }] : []),
        ...config.proxy.targets.map((t) => ({ name: t.name, listenPort: t.listenPort, upstreamHost: t.host, upstreamPort: t.port })),
    ];
}

export function proxyNginxOptions(config: Pick<StackConfig, "network" | "vpn" | "proxy" | "database">, serverFqdn: string): NginxProxyOptions {
    const p = config.proxy;
    return {
        ...NGINX_DEFAULTS,
        upstreams: proxyUpstreams(config, serverFqdn),
        // VPN clients, plus Azure-side clients in the proxy's own subnet: what the proxy NSG admits.
        allowedSources: proxyAllowedSources({ vpnClientPool: config.vpn.clientAddressPool.text, proxySubnet: config.network.proxySubnet.text }),
        resolverValidSeconds: p.resolverValidSeconds,
        connectTimeoutSeconds: p.connectTimeoutSeconds,
        idleTimeoutSeconds: p.idleTimeoutSeconds,
        clientKeepalive: { idleSeconds: p.keepaliveIdleSeconds, intervalSeconds: p.keepaliveIntervalSeconds, probes: p.keepaliveProbes },
    };
}

/** The cloud-init user data (plain text, before base64) of the proxy VM. */
export function proxyUserData(config: Pick<StackConfig, "network" | "vpn" | "proxy" | "database">, serverFqdn: string): string {
    const p = config.proxy;
    return renderProxyCloudInit({
        nginxConfig: renderNginxConfig(proxyNginxOptions(config, serverFqdn)),
        kernelKeepalive: { idleSeconds: p.keepaliveIdleSeconds, intervalSeconds: p.keepaliveIntervalSeconds, probes: p.keepaliveProbes },
        drainScript: renderDrainScript({ port: p.port, probeIntervalSeconds: PROXY_PROBE.intervalSeconds, probeThreshold: PROXY_PROBE.threshold }),
    });
}
