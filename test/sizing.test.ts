/**
 * lib/sizing.ts, and the prod defaults against the last recorded `npm run bench` (bench/results.json):
 * the proxies' sustained capacity must stay at least twice the default prod server's, from CPU costs
 * measured in one run. Nothing is timed here; the measurement is the benchmark's.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROXY_VM_SIZES, SERVER_VCORES, tierCapacity, transactionsPerSecond, vmSize } from "../lib/sizing";
import { ENVIRONMENT_DEFAULTS } from "../stacks/defaults";

describe("sizing", () => {
    it("CPUs busy for a cost per transaction sustain so many transactions a second", () => {
        assert.equal(transactionsPerSecond(1, 20), 50_000);
        assert.equal(transactionsPerSecond(0.4, 20), 20_000);
        assert.equal(transactionsPerSecond(2, 25), 80_000);
        for (const [cpus, cost] of [[0, 20], [1, 0], [-1, 5], [1, Number.NaN]]) {
            assert.throws(() => transactionsPerSecond(cpus, cost), /needs positive CPUs and cost/);
        }
    });

    it("burstable sizes count at their documented baseline, the others at full CPU", () => {
        assert.deepEqual(vmSize("Standard_B2ats_v2"), { name: "Standard_B2ats_v2", vCpus: 2, sustainedFraction: 0.2, burstable: true });
        assert.deepEqual(vmSize("Standard_D2as_v5"), { name: "Standard_D2as_v5", vCpus: 2, sustainedFraction: 1, burstable: false });
        assert.ok(PROXY_VM_SIZES.every((s) => s.burstable === s.sustainedFraction < 1));
        // Microsoft Learn, basv2-series and dasv5-series: vCPUs and base CPU performance.
        assert.deepEqual(PROXY_VM_SIZES.map((s) => [s.name, s.vCpus, s.sustainedFraction]), [
            ["Standard_B2ats_v2", 2, 0.2], ["Standard_B2als_v2", 2, 0.3], ["Standard_D2as_v5", 2, 1], ["Standard_D4as_v5", 4, 1],
        ]);
        assert.equal(vmSize("Standard_D4as_v5").vCpus, 4);
        assert.throws(() => vmSize("Standard_X1"), /not in PROXY_VM_SIZES/);
        assert.equal(SERVER_VCORES.Standard_D2ds_v5, 2);
    });

    it("a tier against its server", () => {
        const c = tierCapacity({ instances: 2, proxySize: "Standard_D2as_v5", serverSku: "Standard_D2ds_v5", nginxMicrosPerTransaction: 20, postgresMicrosPerTransaction: 25 });
        assert.deepEqual(c, { proxyTps: 200_000, serverTps: 80_000, ratio: 2.5 });
        const burstable = tierCapacity({ instances: 1, proxySize: "Standard_B2ats_v2", serverSku: "Standard_D2ds_v5", nginxMicrosPerTransaction: 20, postgresMicrosPerTransaction: 25 });
        assert.equal(burstable.proxyTps, 20_000);
        assert.throws(() => tierCapacity({ instances: 1, proxySize: "Standard_D2as_v5", serverSku: "Standard_X", nginxMicrosPerTransaction: 1, postgresMicrosPerTransaction: 1 }), /not in SERVER_VCORES/);
    });
});

describe("the prod defaults against the recorded benchmark", () => {
    const file = path.join(__dirname, "..", "bench", "results.json");
    const recorded = JSON.parse(fs.readFileSync(file, "utf8")) as { date: string; sizing: { nginxMicros: number; postgresMicros: number } };

    it("two non-burstable proxies sustain at least twice what the default prod server serves", () => {
        const prod = ENVIRONMENT_DEFAULTS.prod;
        const capacity = tierCapacity({
            instances: Number(prod.proxy.instances), proxySize: String(prod.proxy.vmSize), serverSku: String(prod.database.skuName),
            nginxMicrosPerTransaction: recorded.sizing.nginxMicros, postgresMicrosPerTransaction: recorded.sizing.postgresMicros,
        });
        assert.equal(vmSize(String(prod.proxy.vmSize)).burstable, false, "prod proxies are not throttled to a baseline");
        assert.ok(capacity.ratio >= 2, `${capacity.ratio.toFixed(2)}× the server (bench of ${recorded.date})`);
    });

    it("the dev default is one burstable proxy", () => {
        const dev = ENVIRONMENT_DEFAULTS.dev;
        assert.equal(dev.proxy.instances, 1);
        assert.equal(vmSize(String(dev.proxy.vmSize)).burstable, true);
    });
});
