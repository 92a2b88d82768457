/**
 * The metric alerts every stack gets, as data: which resource, which metric, when. Metric names and
 * namespaces are Azure's (Microsoft Learn, "Supported metrics" for each resource type), and they are
 * case-sensitive. Sources in docs/azure-rules.md.
 */
import type { VpnGatewaySku } from "./stackConfig";

export type AlertTarget = "server" | "gateway" | "loadBalancer";

export interface MetricAlertSpec {
    /** The alert's name after the stack's prefix, and the criterion's name. */
    readonly key: string;
    readonly target: AlertTarget;
    readonly metricNamespace: string;
    readonly metricName: string;
    readonly timeAggregation: "Average" | "Minimum" | "Maximum" | "Total" | "Count";
    readonly operator: "GreaterThan" | "GreaterThanOrEqual" | "LessThan" | "LessThanOrEqual";
    readonly threshold: number;
    /** 0 critical ... 4 verbose. */
    readonly severity: 0 | 1 | 2 | 3 | 4;
    /** ISO 8601 durations; the window is never shorter than the frequency. */
    readonly evaluationFrequency: string;
    readonly windowSize: string;
    readonly description: string;
}

/**
 * Point-to-site connections (IKEv2 and OpenVPN together) each gateway SKU accepts: Microsoft Learn,
 * "About VPN Gateway SKUs" (the gateway SKU table).
 */
export const P2S_CONNECTION_LIMIT: Record<VpnGatewaySku, number> = {
    VpnGw1AZ: 250, VpnGw2AZ: 500, VpnGw3AZ: 1000, VpnGw4AZ: 5000, VpnGw5AZ: 10000,
};

/** The share of the SKU's P2S limit at which the gateway alert fires. */
export const P2S_ALERT_SHARE = 0.8;

const SERVER = "Microsoft.DBforPostgreSQL/flexibleServers";
const GATEWAY = "Microsoft.Network/virtualNetworkGateways";
const LOAD_BALANCER = "Microsoft.Network/loadBalancers";

export function metricAlerts(input: { readonly vpnSku: VpnGatewaySku }): MetricAlertSpec[] {
    const p2sThreshold = Math.floor(P2S_CONNECTION_LIMIT[input.vpnSku] * P2S_ALERT_SHARE);
    return [
        {
            key: "proxy-degraded", target: "loadBalancer", metricNamespace: LOAD_BALANCER, metricName: "DipAvailability",
            // Health probe status, 0-100 averaged over the proxies: below 100, at least one fails its probe.
            timeAggregation: "Average", operator: "LessThan", threshold: 100, severity: 2,
            evaluationFrequency: "PT1M", windowSize: "PT5M",
            description: "A proxy VM fails the load balancer's health probe: the tier runs with less redundancy",
        },
        {
            key: "proxy-down", target: "loadBalancer", metricNamespace: LOAD_BALANCER, metricName: "DipAvailability",
            // The best proxy over the window was never healthy: on-premises clients cannot connect.
            timeAggregation: "Maximum", operator: "LessThan", threshold: 1, severity: 0,
            evaluationFrequency: "PT1M", windowSize: "PT5M",
            description: "No proxy VM passes the health probe: every connection through the VPN fails",
        },
        {
            key: "server-cpu", target: "server", metricNamespace: SERVER, metricName: "cpu_percent",
            timeAggregation: "Average", operator: "GreaterThan", threshold: 80, severity: 2,
            evaluationFrequency: "PT5M", windowSize: "PT15M",
            description: "The PostgreSQL server's CPU has averaged above 80% for 15 minutes",
        },
        {
            key: "server-storage", target: "server", metricNamespace: SERVER, metricName: "storage_percent",
            timeAggregation: "Maximum", operator: "GreaterThan", threshold: 85, severity: 1,
            evaluationFrequency: "PT5M", windowSize: "PT15M",
            description: "The PostgreSQL server's storage is above 85% (auto-grow only steps in near full, and never shrinks)",
        },
        {
            key: "server-failed-connections", target: "server", metricNamespace: SERVER, metricName: "connections_failed",
            timeAggregation: "Total", operator: "GreaterThan", threshold: 10, severity: 2,
            evaluationFrequency: "PT5M", windowSize: "PT5M",
            description: "More than 10 failed connections to the PostgreSQL server in 5 minutes: expired tokens, wrong passwords, or someone guessing",
        },
        {
            key: "gateway-p2s-connections", target: "gateway", metricNamespace: GATEWAY, metricName: "P2SConnectionCount",
            // One sample a minute per gateway instance; Total over one minute adds the instances.
            timeAggregation: "Total", operator: "GreaterThanOrEqual", threshold: p2sThreshold, severity: 2,
            evaluationFrequency: "PT1M", windowSize: "PT1M",
            description: `Point-to-site connections reached ${p2sThreshold}, 80% of ${input.vpnSku}'s limit of ${P2S_CONNECTION_LIMIT[input.vpnSku]}: new clients will soon be refused`,
        },
    ];
}
