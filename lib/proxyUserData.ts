/** Derives the proxy VM's nginx options and cloud-init from the validated stack configuration. */
import type { StackConfig } from "./stackConfig";
import { renderProxyCloudInit } from "./cloudInit";
import { NGINX_DEFAULTS, renderNginxConfig, type NginxProxyOptions, type NginxUpstream } from "./nginx";
import { sitePrefixes, upstreamSpecs } from "./proxyTargets";
import { proxyAllowedSources } from "./nsgRules";
import { renderDrainScript } from "./drain";
import { PROXY_PROBE } from "./proxyTier";

export { POSTGRES_PORT } from "./proxyTargets";

/** The nginx upstreams: each spec, with the stack's server's name filled in. */
export function proxyUpstreams(config: Pick<StackConfig, "database" | "proxy">, serverFqdn: string): NginxUpstream[] {
    return upstreamSpecs(config).map((u) => ({ name: u.name, listenPort: u.listenPort, upstreamHost: u.host ?? serverFqdn, upstreamPort: u.port }));
}

export function proxyNginxOptions(config: Pick<StackConfig, "network" | "vpn" | "proxy" | "database">, serverFqdn: string): NginxProxyOptions {
    const p = config.proxy;
    return {
        ...NGINX_DEFAULTS,
        upstreams: proxyUpstreams(config, serverFqdn),
        // VPN clients, plus Azure-side clients in the proxy's own subnet: what the proxy NSG admits.
        allowedSources: proxyAllowedSources({ vpnClientPool: config.vpn.clientAddressPool.text, proxySubnet: config.network.proxySubnet.text, sitePrefixes: sitePrefixes(config) }),
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
