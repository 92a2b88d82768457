/**
 * The estimator (lib/cost.ts) on every stack file, read through the program's own validation, and
 * on variants that change one setting at a time: each delta must be exactly the table's unit price.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { estimateCost, parsePriceTable, priceHeader, renderEstimate, type CostEstimate, type PriceTable } from "../lib/cost";
import { metricAlerts } from "../lib/alerts";
import { parseStackConfig } from "../stacks";
import { costInput, DEFAULT_PRICE_TABLE } from "../scripts/cost";
import { loadAllStackFiles, loadStackFile, PROJECT_NAME, PROJECT_ROOT, withSections } from "./harness/stackFiles";

const TABLE: PriceTable = parsePriceTable(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, DEFAULT_PRICE_TABLE), "utf8")), DEFAULT_PRICE_TABLE);
const HOURS = 730;

function estimateFor(stack: string, config: Record<string, string>, table: PriceTable = TABLE): CostEstimate {
    return estimateCost(costInput(parseStackConfig({ project: PROJECT_NAME, stack, values: config })), table, DEFAULT_PRICE_TABLE);
}

function item(estimate: CostEstimate, resource: string) {
    return estimate.lineItems.find((i) => i.resource === resource);
}

function monthlyOf(estimate: CostEstimate, resource: string): number {
    return item(estimate, resource)?.monthly ?? 0;
}

const cents = (value: number) => Math.round(value * 100) / 100;

describe("the estimate of every stack file", () => {
    for (const file of loadAllStackFiles()) {
        it(`${file.file}: each line follows from the validated config`, () => {
            const config = parseStackConfig({ project: PROJECT_NAME, stack: file.stack, values: file.config });
            const estimate = estimateFor(file.stack, file.config);
            const m = TABLE.meters;
            const copies = config.database.highAvailability ? 2 : 1;

            assert.equal(monthlyOf(estimate, "VPN gateway"), cents(m.vpnGatewayHour[config.vpn.sku].price! * HOURS));
            assert.equal(item(estimate, "Standard public IP")?.quantity, (config.vpn.activeActive ? 3 : 1) + 1);
            assert.equal(monthlyOf(estimate, "PostgreSQL compute"), cents(cents(m.postgresComputeHour[config.database.skuName].price! * HOURS) * copies));
            assert.equal(item(estimate, "PostgreSQL storage")?.quantity, config.database.storageSizeGB * copies);
            assert.equal(item(estimate, "Proxy VM")?.quantity, config.proxy.instances);
            assert.equal(item(estimate, "Proxy VM")?.sku, config.proxy.vmSize);
            assert.equal(item(estimate, "Proxy OS disk")?.quantity, config.proxy.instances);
            assert.equal(monthlyOf(estimate, "NAT gateway"), cents(m.natGatewayHour.price! * HOURS));
            assert.equal(monthlyOf(estimate, "Standard load balancer"), cents(m.loadBalancerFirstFiveRulesHour.price! * HOURS));
            assert.equal(item(estimate, "Private DNS zone") !== undefined, config.database.access === "vnet");
            assert.equal(item(estimate, "Site-to-site connection")?.quantity, config.vpn.sites.length || undefined);
            assert.equal(monthlyOf(estimate, "Proxy OS disk"), cents(m.osDiskMonth.StandardSSD_LRS.price! * config.proxy.instances));
            assert.equal(monthlyOf(estimate, "Metric alert rules"), cents(m.metricAlertTimeSeriesMonth.price! * metricAlerts({ vpnSku: config.vpn.sku }).length));

            const sum = estimate.lineItems.reduce((total, i) => total + (i.monthly ?? 0), 0);
            assert.equal(estimate.total, cents(sum));
            assert.ok(estimate.largest && estimate.largest.share > 0 && estimate.largest.share <= 1);
            assert.equal(estimate.largest.monthly, Math.max(...estimate.lineItems.map((i) => i.monthly ?? 0)));
        });

        it(`${file.file}: the dated header, the table's region and the location warning`, () => {
            const estimate = estimateFor(file.stack, file.config);
            const text = renderEstimate(estimate);
            assert.equal(priceHeader(estimate), `Prices: USD pay-as-you-go list prices for eastus, retrieved 2026-12-05, from ${DEFAULT_PRICE_TABLE} (730 hours a month)`);
            assert.ok(text.split("\n")[1] === priceHeader(estimate));
            assert.ok(estimate.warnings.includes("the stack is in westeurope, the price table covers eastus: prices in westeurope may differ"));
            assert.match(text, /^Total: \d+\.\d\d USD per month/m);
            assert.match(text, /^Most of it is the /m);
        });
    }

    it("dev: most of it is the gateway", () => {
        const dev = loadStackFile("Pulumi.dev.yaml");
        assert.equal(estimateFor("dev", dev.config).largest?.resource, "VPN gateway");
    });
});

describe("one setting at a time", () => {
    const dev = loadStackFile("Pulumi.dev.yaml");
    const prod = loadStackFile("Pulumi.prod.yaml");
    const base = estimateFor("prod", prod.config);
    const vary = (overrides: Record<string, Record<string, unknown>>, file = prod) => estimateFor(file.stack, withSections(file.config, overrides));
    const m = TABLE.meters;

    it("HA off halves the server's compute and storage", () => {
        const single = vary({ database: { highAvailability: false } });
        assert.equal(cents(monthlyOf(base, "PostgreSQL compute") - monthlyOf(single, "PostgreSQL compute")), cents(m.postgresComputeHour.Standard_D2ds_v5.price! * HOURS));
        assert.equal(cents(monthlyOf(base, "PostgreSQL storage") - monthlyOf(single, "PostgreSQL storage")), cents(128 * m.postgresStorageGBMonth.price!));
    });

    it("active-active adds two public IPs", () => {
        const both = vary({ vpn: { activeActive: true } });
        assert.equal(cents(both.total - base.total), cents(2 * m.standardPublicIpHour.price! * HOURS));
    });

    it("a third proxy adds one OS disk (and one VM, which the table cannot price)", () => {
        const three = vary({ proxy: { instances: 3 } });
        assert.equal(item(three, "Proxy VM")?.quantity, 3);
        assert.equal(cents(three.total - base.total), m.osDiskMonth.StandardSSD_LRS.price);
    });

    it("doubling storage adds storage × price × 2 (HA)", () => {
        const bigger = vary({ database: { storageSizeGB: 256 } });
        assert.equal(cents(bigger.total - base.total), cents(128 * 2 * m.postgresStorageGBMonth.price!));
    });

    it("a site adds one site-to-site connection", () => {
        const site = vary({ vpn: { sites: [{ name: "office", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] }] } });
        assert.equal(cents(site.total - base.total), cents(m.siteToSiteConnectionHour.price! * HOURS));
    });

    it("public mode has no private DNS zone", () => {
        const open = vary({ database: { access: "public" } });
        assert.equal(cents(base.total - open.total), m.privateDnsZoneMonth.price);
    });

    it("more than five listen ports pay for the rules beyond five", () => {
        const targets = [1, 2, 3, 4, 5].map((i) => ({ name: `t${i}`, host: `t${i}.postgres.database.azure.com`, port: 5432, listenPort: 6000 + i }));
        const many = vary({ proxy: { targets } });
        assert.equal(item(many, "Load balancer rules beyond 5")?.quantity, 1);
        assert.equal(cents(many.total - base.total), cents(m.loadBalancerExtraRuleHour.price! * HOURS));
    });

    it("diagnostics off drops the Log Analytics rate", () => {
        assert.ok(base.usageRates.some((r) => r.resource === "Log Analytics ingestion" && r.rate === m.logAnalyticsIngestionGB.price));
        const quiet = vary({ monitoring: { diagnostics: false } }, dev);
        assert.ok(!quiet.usageRates.some((r) => r.resource === "Log Analytics ingestion"));
    });

    it("a VM size with a price in the table is priced instances × hourly × 730", () => {
        const priced: PriceTable = { ...TABLE, meters: { ...TABLE.meters, linuxVmHour: { ...TABLE.meters.linuxVmHour, Standard_D2as_v5: { ...TABLE.meters.linuxVmHour.Standard_D2as_v5, price: 0.1 } } } };
        const estimate = estimateFor("prod", prod.config, priced);
        assert.equal(monthlyOf(estimate, "Proxy VM"), cents(2 * 0.1 * HOURS));
        assert.equal(cents(estimate.total - base.total), cents(2 * 0.1 * HOURS));
        assert.deepEqual(estimate.unpriced, []);
    });
});

describe("what the table does not have", () => {
    const prod = loadStackFile("Pulumi.prod.yaml");

    it("a SKU missing from the table is an error naming the SKU and the file", () => {
        assert.throws(() => estimateFor("prod", withSections(prod.config, { vpn: { sku: "VpnGw2AZ" } })),
            { message: `VPN gateway SKU VpnGw2AZ is not in the price table ${DEFAULT_PRICE_TABLE}; add it with its source (docs/cost.md, "Updating the table")` });
        assert.throws(() => estimateFor("prod", withSections(prod.config, { database: { skuName: "Standard_D4ds_v5" } })),
            { message: `Flexible Server SKU Standard_D4ds_v5 is not in the price table ${DEFAULT_PRICE_TABLE}; add it with its source (docs/cost.md, "Updating the table")` });
        assert.throws(() => estimateFor("prod", withSections(prod.config, { proxy: { vmSize: "Standard_D4as_v5" } })),
            { message: `VM size Standard_D4as_v5 is not in the price table ${DEFAULT_PRICE_TABLE}; add it with its source (docs/cost.md, "Updating the table")` });
    });

    it("a price recorded as not found is left out of the total, and said so", () => {
        const estimate = estimateFor("prod", prod.config);
        assert.deepEqual(estimate.unpriced, ["Proxy VM Standard_D2as_v5"]);
        assert.ok(estimate.warnings.includes(`Proxy VM Standard_D2as_v5 has no price in ${DEFAULT_PRICE_TABLE}: the total leaves it out`));
        assert.match(renderEstimate(estimate), /^Total: [\d.]+ USD per month \(without Proxy VM Standard_D2as_v5\)$/m);
    });

    it("a malformed table or an unknown source is refused", () => {
        assert.throws(() => parsePriceTable({ ...TABLE, retrieved: "December" }, "t.json"), /^Error: price table t\.json is malformed: retrieved:/);
        const badSource = { ...TABLE, meters: { ...TABLE.meters, natGatewayHour: { ...TABLE.meters.natGatewayHour, source: "nowhere" } } };
        assert.throws(() => parsePriceTable(badSource, "t.json"), { message: 'price table t.json is malformed: natGatewayHour cites source "nowhere", which is not in sources' });
    });

    it("every price names a source with a URL and a date", () => {
        for (const source of Object.values(TABLE.sources)) {
            assert.match(source.url, /^https:\/\//);
            assert.match(source.date, /^\d{4}-\d{2}-\d{2}$/);
        }
    });
});
