/** lib/alerts.ts: which metric each alert watches and when it fires. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { metricAlerts, P2S_ALERT_SHARE, P2S_CONNECTION_LIMIT } from "../lib/alerts";
import { VPN_SKUS } from "../stacks/fields";

const minutes = (iso: string) => {
    const m = /^PT(\d+)M$/.exec(iso);
    assert.ok(m, iso);
    return Number(m[1]);
};

describe("metric alerts", () => {
    const alerts = metricAlerts({ vpnSku: "VpnGw1AZ" });
    const byKey = new Map(alerts.map((a) => [a.key, a]));

    it("cover the proxy tier, the server's CPU, storage and failed connections, and the gateway's P2S connections", () => {
        assert.deepEqual(alerts.map((a) => [a.key, a.target, a.metricName]), [
            ["proxy-degraded", "loadBalancer", "DipAvailability"],
            ["proxy-down", "loadBalancer", "DipAvailability"],
            ["server-cpu", "server", "cpu_percent"],
            ["server-storage", "server", "storage_percent"],
            ["server-failed-connections", "server", "connections_failed"],
            ["gateway-p2s-connections", "gateway", "P2SConnectionCount"],
        ]);
    });

    it("each metric in its resource type's namespace, with Azure's exact casing", () => {
        const namespaces = { server: "Microsoft.DBforPostgreSQL/flexibleServers", gateway: "Microsoft.Network/virtualNetworkGateways", loadBalancer: "Microsoft.Network/loadBalancers" };
        for (const alert of alerts) {
            assert.equal(alert.metricNamespace, namespaces[alert.target], alert.key);
        }
    });

    it("windows Azure accepts: never shorter than the frequency, both among the allowed durations", () => {
        const frequencies = [1, 5, 15, 30, 60];
        const windows = [1, 5, 15, 30, 60, 360, 720, 1440];
        for (const alert of alerts) {
            assert.ok(frequencies.includes(minutes(alert.evaluationFrequency)), alert.key);
            assert.ok(windows.includes(minutes(alert.windowSize)), alert.key);
            assert.ok(minutes(alert.windowSize) >= minutes(alert.evaluationFrequency), alert.key);
            assert.ok(alert.severity >= 0 && alert.severity <= 4);
            assert.ok(alert.description.length > 20);
        }
    });

    it("thresholds: a proxy failing its probe, none passing, CPU over 80%, storage over 85%, more than 10 failed connections", () => {
        assert.deepEqual([byKey.get("proxy-degraded")!.timeAggregation, byKey.get("proxy-degraded")!.operator, byKey.get("proxy-degraded")!.threshold], ["Average", "LessThan", 100]);
        assert.deepEqual([byKey.get("proxy-down")!.timeAggregation, byKey.get("proxy-down")!.operator, byKey.get("proxy-down")!.threshold, byKey.get("proxy-down")!.severity], ["Maximum", "LessThan", 1, 0]);
        assert.deepEqual([byKey.get("server-cpu")!.operator, byKey.get("server-cpu")!.threshold, byKey.get("server-cpu")!.timeAggregation], ["GreaterThan", 80, "Average"]);
        assert.deepEqual([byKey.get("server-storage")!.threshold, byKey.get("server-storage")!.timeAggregation], [85, "Maximum"]);
        assert.deepEqual([byKey.get("server-failed-connections")!.threshold, byKey.get("server-failed-connections")!.timeAggregation], [10, "Total"]);
    });

    it("the P2S alert fires at 80% of each SKU's documented limit, counted over one minute", () => {
        assert.deepEqual(P2S_CONNECTION_LIMIT, { VpnGw1AZ: 250, VpnGw2AZ: 500, VpnGw3AZ: 1000, VpnGw4AZ: 5000, VpnGw5AZ: 10000 });
        assert.equal(P2S_ALERT_SHARE, 0.8);
        for (const sku of VPN_SKUS) {
            const alert = metricAlerts({ vpnSku: sku }).find((a) => a.key === "gateway-p2s-connections")!;
            assert.equal(alert.threshold, P2S_CONNECTION_LIMIT[sku] * 0.8, sku);
            assert.equal(alert.operator, "GreaterThanOrEqual");
            assert.equal(alert.windowSize, "PT1M", "Total over one minute adds the instances' samples, not minutes");
            assert.match(alert.description, new RegExp(`${P2S_CONNECTION_LIMIT[sku]}`));
        }
    });
});
