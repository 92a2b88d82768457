/** Derives the proxy VM's nginx options and cloud-init from the validated stack configuration. */
import type { StackConfig } from "./stackConfig";
import { renderProxyCloudInit } from "./cloudInit";
import { NGINX_DEFAULTS, renderNginxConfig, type NginxProxyOptions } from "./nginx";
import { proxyAllowedSources } from "./nsgRules";
import { renderDrainScript } from "./drain";
import { PROXY_PROBE } from "./proxyTier";

/** PostgreSQL's port on the Flexible Server; the proxy's own listening port is configurable. */
export const POSTGRES_PORT = 5432;

export function proxyNginxOptions(config: Pick<StackConfig, "network" | "vpn" | "proxy">, serverFqdn: string): NginxProxyOptions {
    const p = config.proxy;
    return {
        ...NGINX_DEFAULTS,
        listenPort: p.port,
        upstreamHost: serverFqdn,
        upstreamPort: POSTGRES_PORT,
        // VPN clients, plus Azure-side clients in the proxy's own subnet: what the proxy NSG admits.
        allowedSources: proxyAllowedSources({ vpnClientPool: config.vpn.clientAddressPool.text, proxySubnet: config.network.proxySubnet.text }),
        resolverValidSeconds: p.resolverValidSeconds,
        connectTimeoutSeconds: p.connectTimeoutSeconds,
        idleTimeoutSeconds: p.idleTimeoutSeconds,
        clientKeepalive: { idleSeconds: p.keepaliveIdleSeconds, intervalSeconds: p.keepaliveIntervalSeconds, probes: p.keepaliveProbes },
    };
}

/** The cloud-init user data (plain text, before base64) of the proxy VM. */
export function proxyUserData(config: Pick<StackConfig, "network" | "vpn" | "proxy">, serverFqdn: string): string {
    const p = config.proxy;
    return renderProxyCloudInit({
        nginxConfig: renderNginxConfig(proxyNginxOptions(config, serverFqdn)),
        kernelKeepalive: { idleSeconds: p.keepaliveIdleSeconds, intervalSeconds: p.keepaliveIntervalSeconds, probes: p.keepaliveProbes },
        drainScript: renderDrainScript({ port: p.port, probeIntervalSeconds: PROXY_PROBE.intervalSeconds, probeThreshold: PROXY_PROBE.threshold }),
    });
}
