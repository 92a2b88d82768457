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
import { ofType, runProgram } from "./harness/program";

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
            const dates = Object.values(TABLE.sources).map((source) => source.date).sort();
            assert.equal(priceHeader(estimate), `Prices: USD pay-as-you-go list prices for eastus, table of 2026-12-05 (sources dated ${dates[0]} to ${dates[dates.length - 1]}), from ${DEFAULT_PRICE_TABLE} (730 hours a month)`);
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

describe("the estimate's own rules", () => {
    const dev = loadStackFile("Pulumi.dev.yaml");
    const prod = loadStackFile("Pulumi.prod.yaml");
    const m = TABLE.meters;
    const withMeters = (meters: Partial<PriceTable["meters"]>, extra: Partial<PriceTable> = {}): PriceTable => ({ ...TABLE, ...extra, meters: { ...TABLE.meters, ...meters } });

    it("names each price found for another region, and only those", () => {
        const estimate = estimateFor("dev", dev.config);
        assert.ok(estimate.warnings.includes("NAT gateway: the table's price is for westeurope, not eastus"), estimate.warnings.join("\n"));
        const local = estimateFor("dev", dev.config, withMeters({ natGatewayHour: { ...m.natGatewayHour, foundFor: undefined } }));
        assert.ok(!local.warnings.some((w) => w.startsWith("NAT gateway:")), local.warnings.join("\n"));
        assert.ok(!estimate.warnings.some((w) => w.startsWith("VPN gateway:")), "the gateway's price is the table's region's");
    });

    it("a stack in the table's region gets no location warning", () => {
        const here = estimateFor("dev", dev.config, { ...TABLE, region: "westeurope" });
        assert.ok(!here.warnings.some((w) => w.startsWith("the stack is in")), here.warnings.join("\n"));
    });

    it("five rules or fewer add no line for extra rules", () => {
        assert.equal(item(estimateFor("prod", prod.config), "Load balancer rules beyond 5"), undefined);
        assert.equal(item(estimateFor("prod", prod.config), "Standard load balancer")?.sku, "1 rule (first 5 included)");
    });

    it("point-to-site connections beyond the included ones are a monthly rate per connection", () => {
        const rate = estimateFor("dev", dev.config).usageRates.find((r) => r.resource === "Point-to-site connections beyond included");
        assert.deepEqual(rate, {
            resource: "Point-to-site connections beyond included", rate: cents(m.pointToSiteConnectionHour.price! * HOURS), per: "connection-month",
            note: "128 included; 1 client certificate issued",
        });
        const two = estimateFor("dev", withSections(dev.config, { vpn: { clients: ["a", "b"] } })).usageRates.find((r) => r.resource === "Point-to-site connections beyond included");
        assert.equal(two?.note, "128 included; 2 client certificates issued");
    });

    it("notes are there only where a line has one; geo-redundant backups say what they add", () => {
        const estimate = estimateFor("prod", prod.config);
        assert.equal("note" in (item(estimate, "VPN gateway") ?? {}), false);
        assert.equal(item(estimate, "PostgreSQL compute")?.note, "× 2: the HA standby is billed like the primary");
        assert.equal("note" in (estimate.usageRates.find((r) => r.resource === "NAT gateway data processed") ?? {}), false);
        const backup = estimate.usageRates.find((r) => r.resource === "PostgreSQL backup storage beyond the free amount");
        assert.equal(backup?.note, "backups up to the provisioned storage (128 GB) are free; 35 days retained; geo-redundant copies add to the billed backup storage");
        const devBackup = estimateFor("dev", dev.config).usageRates.find((r) => r.resource === "PostgreSQL backup storage beyond the free amount");
        assert.equal(devBackup?.note, "backups up to the provisioned storage (32 GB) are free; 7 days retained");
    });

    it("a table without any price has no total share to name", () => {
        const nothing = Object.fromEntries(Object.entries(TABLE.meters).map(([group, value]) => [group,
            "price" in value ? { ...value, price: null } : Object.fromEntries(Object.entries(value).map(([sku, meter]) => [sku, { ...meter, price: null }]))]));
        const estimate = estimateFor("dev", dev.config, { ...TABLE, meters: nothing as PriceTable["meters"] });
        assert.equal(estimate.total, 0);
        assert.equal(estimate.largest, undefined);
        assert.equal(estimate.unpriced.length, estimate.lineItems.length);
        assert.ok(!renderEstimate(estimate).includes("Most of it is"));
    });

    it("the table's dates are whole ISO dates", () => {
        for (const retrieved of ["x2026-12-05", "2026-12-05x", "2026-12"]) {
            assert.throws(() => parsePriceTable({ ...TABLE, retrieved }, "t.json"), /^Error: price table t\.json is malformed: retrieved: /);
        }
        assert.throws(() => parsePriceTable({ ...TABLE, sources: { ...TABLE.sources, "infracost-vng": { ...TABLE.sources["infracost-vng"], date: "January" } } }, "t.json"),
            /^Error: price table t\.json is malformed: sources\.infracost-vng\.date: /);
    });

    it("names every line by what it is: resource, SKU or size, quantity", () => {
        const estimate = estimateFor("prod", withSections(prod.config, { vpn: { sites: [{ name: "office", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] }] },
            proxy: { targets: [1, 2, 3, 4, 5].map((i) => ({ name: `t${i}`, host: `t${i}.postgres.database.azure.com`, port: 5432, listenPort: 6000 + i })) } }));
        assert.deepEqual(estimate.lineItems.map((i) => [i.resource, i.sku, i.quantity, i.note ?? null]), [
            ["VPN gateway", "VpnGw1AZ", 1, null],
            ["Standard public IP", "static, regional", 2, "1 for the VPN gateway, 1 for the NAT gateway"],
            ["Site-to-site connection", "IPsec, IKEv2", 1, "priced at the rate for tunnels beyond the SKU's included ones (docs/cost.md)"],
            ["PostgreSQL compute", "Standard_D2ds_v5 (GeneralPurpose)", 2, "× 2: the HA standby is billed like the primary"],
            ["PostgreSQL storage", "128 GB", 256, "× 2: the HA standby is billed like the primary"],
            ["Private DNS zone", "1 zone", 1, null],
            ["Proxy VM", "Standard_D2as_v5", 2, null],
            ["Proxy OS disk", "StandardSSD_LRS E4 (32 GiB; the Ubuntu 24.04 image's 30 GiB disk)", 2, null],
            ["Standard load balancer", "6 rules (first 5 included)", 1, null],
            ["Load balancer rules beyond 5", "rule", 1, null],
            ["NAT gateway", "Standard", 1, null],
            ["Metric alert rules", "1 time series each", 6, null],
        ]);
        assert.deepEqual(estimate.usageRates.map((r) => [r.resource, r.per]), [
            ["NAT gateway data processed", "GB"], ["Load balancer data processed", "GB"], ["PostgreSQL backup storage beyond the free amount", "GB-month"],
            ["Log Analytics ingestion", "GB"], ["Point-to-site connections beyond included", "connection-month"],
        ]);
        const activeActive = estimateFor("prod", withSections(prod.config, { vpn: { activeActive: true } }));
        assert.equal(item(activeActive, "Standard public IP")?.note, "3 for the VPN gateway (active-active and point-to-site), 1 for the NAT gateway");
        const plainDisk = estimateFor("prod", prod.config, withMeters({ osDiskMonth: { StandardSSD_LRS: { ...m.osDiskMonth.StandardSSD_LRS, size: undefined } } }));
        assert.equal(item(plainDisk, "Proxy OS disk")?.sku, "StandardSSD_LRS");
    });

    it("warns about the location, then each price from elsewhere in order, then each line without a price", () => {
        const estimate = estimateFor("dev", dev.config);
        const elsewhere = [...new Set(allFoundFor())].sort();
        assert.deepEqual(estimate.warnings, [
            "the stack is in westeurope, the price table covers eastus: prices in westeurope may differ",
            ...elsewhere,
            `Proxy VM Standard_B2ats_v2 has no price in ${DEFAULT_PRICE_TABLE}: the total leaves it out`,
        ]);
        function allFoundFor(): string[] {
            // The meters dev uses that were priced for another region, named as the estimate names them.
            const used: Array<[string, { foundFor?: string }]> = [["NAT gateway", m.natGatewayHour], ["NAT gateway data processed", m.natGatewayDataProcessedGB],
                ["Standard load balancer", m.loadBalancerFirstFiveRulesHour], ["Private DNS zone", m.privateDnsZoneMonth], ["Log Analytics ingestion", m.logAnalyticsIngestionGB]];
            return used.filter(([, meter]) => meter.foundFor).map(([name, meter]) => `${name}: the table's price is for ${meter.foundFor}, not eastus`);
        }
    });

    it("a table of zero prices names no largest share; a table without sources dates itself", () => {
        const zero = Object.fromEntries(Object.entries(TABLE.meters).map(([group, value]) => [group,
            "price" in value ? { ...value, price: 0 } : Object.fromEntries(Object.entries(value).map(([sku, meter]) => [sku, { ...meter, price: 0 }]))]));
        assert.equal(estimateFor("dev", dev.config, { ...TABLE, meters: zero as PriceTable["meters"] }).largest, undefined);
        const undated = estimateFor("dev", dev.config, { ...TABLE, sources: {} });
        assert.deepEqual(undated.table.sourceDates, { oldest: "2026-12-05", newest: "2026-12-05" });
        const one = estimateFor("dev", dev.config, { ...TABLE, sources: { a: { url: "https://example.com", date: "2025-01-02" }, b: { url: "https://example.com", date: "2024-03-04" } } });
        assert.deepEqual(one.table.sourceDates, { oldest: "2024-03-04", newest: "2025-01-02" });
    });

    it("names every problem of a malformed table, a missing disk type, and every unpriced line", () => {
        assert.throws(() => parsePriceTable({ ...TABLE, retrieved: "December", hoursPerMonth: -1 }, "t.json"),
            /^Error: price table t\.json is malformed: retrieved: [^;]+; hoursPerMonth: /);
        assert.throws(() => estimateFor("dev", dev.config, withMeters({ osDiskMonth: {} })),
            new RegExp(`^Error: OS disk type StandardSSD_LRS is not in the price table ${DEFAULT_PRICE_TABLE.replace(/[.]/g, "\\.")}`));
        const twoUnpriced = estimateFor("dev", dev.config, withMeters({ metricAlertTimeSeriesMonth: { ...m.metricAlertTimeSeriesMonth, price: null } }));
        assert.ok(renderEstimate(twoUnpriced).split("\n").includes(`Total: ${twoUnpriced.total.toFixed(2)} USD per month (without Proxy VM Standard_B2ats_v2, Metric alert rules 1 time series each)`));
        assert.ok(renderEstimate(twoUnpriced).split("\n").every((line) => line === line.trimEnd()), "a line ends in spaces");
    });

    it("renders what the estimate holds, line by line", () => {
        const estimate = estimateFor("dev", dev.config);
        const lines = renderEstimate(estimate).split("\n");
        assert.equal(lines[0], "securepg cost: stack dev");
        assert.equal(lines[1], priceHeader(estimate));
        assert.equal(lines[2], "");
        const header = lines[3];
        assert.match(header, /^Resource {2,}SKU \/ size {2,}Qty {2}Unit \/ month {2,}Monthly$/);
        // Quantities are right-aligned under "Qty": the storage line's 32 and the gateway's 1 end where "Qty" ends.
        const qtyEnd = header.indexOf("Qty") + 3;
        for (const row of lines.slice(4, 4 + estimate.lineItems.length)) {
            assert.match(row.slice(qtyEnd - 3, qtyEnd), /^ *\d+$/, row);
        }
        // Columns: names left-aligned, numbers right-aligned, every row as wide as the widest.
        const rows = lines.slice(4, 4 + estimate.lineItems.length);
        const gateway = rows.find((row) => row.startsWith("VPN gateway"));
        assert.ok(gateway?.endsWith(`${estimate.lineItems[0].monthly!.toFixed(2)} USD`), gateway);
        assert.equal(new Set(rows.map((row) => row.indexOf(" USD") === -1 ? -1 : row.length)).size <= 2, true);
        assert.ok(rows.some((row) => /^Proxy VM\s+Standard_B2ats_v2\s+1\s+not in table\s+not in table$/.test(row)), rows.join("\n"));
        const total = lines.indexOf(`Total: ${estimate.total.toFixed(2)} USD per month (without Proxy VM Standard_B2ats_v2)`);
        assert.ok(total > 0 && lines[total - 1] === "", lines.join("\n"));
        const everyPrice = estimateFor("dev", dev.config, withMeters({ linuxVmHour: { Standard_B2ats_v2: { ...m.linuxVmHour.Standard_B2ats_v2, price: 0.01 } } }));
        assert.ok(renderEstimate(everyPrice).split("\n").includes(`Total: ${everyPrice.total.toFixed(2)} USD per month`));
        assert.ok(lines.includes(`Most of it is the VPN gateway: ${Math.round(estimate.largest!.share * 100)}%`));
        const notes = lines.indexOf("Notes:");
        assert.ok(notes > 0 && lines[notes - 1] === "" && lines[notes + 1] === "  Standard public IP: 1 for the VPN gateway, 1 for the NAT gateway", lines.join("\n"));
        const usage = lines.indexOf("Usage-based (not in the total):");
        assert.equal(lines[usage - 1], "");
        assert.equal(lines[usage + 1], `  NAT gateway data processed: ${m.natGatewayDataProcessedGB.price} USD per GB`);
        assert.equal(lines[usage + 3], "  PostgreSQL backup storage beyond the free amount: 0.095 USD per GB-month (backups up to the provisioned storage (32 GB) are free; 7 days retained)");
        const warnings = lines.indexOf("Warnings:");
        assert.equal(lines[warnings - 1], "");
        assert.deepEqual(lines.slice(warnings + 1), estimate.warnings.map((w) => `  ${w}`));
        const unknownRate = renderEstimate({ ...estimate, usageRates: [{ resource: "X", rate: null, per: "GB" }], warnings: [] }).split("\n");
        assert.ok(unknownRate.includes("  X: not in table per GB"));
        assert.ok(!unknownRate.includes("Warnings:"));
        const noNotes = renderEstimate({ ...estimate, lineItems: estimate.lineItems.map(({ note: _note, ...rest }) => rest) });
        assert.ok(!noNotes.includes("Notes:"));
    });
});

describe("what is priced is what the program declares", () => {
    const reach = { vpn: { activeActive: true, sites: [{ name: "office", gatewayAddress: "203.0.113.10", addressPrefixes: ["192.168.10.0/24"] }] },
        proxy: { targets: [1, 2, 3, 4, 5].map((i) => ({ name: `t${i}`, host: `t${i}.postgres.database.azure.com`, port: 5432, listenPort: 6000 + i })) } };
    for (const file of loadAllStackFiles()) {
        for (const [variant, config] of [[file.stack, file.config], [`${file.stack} with sites, active-active and six listen ports`, withSections(file.config, reach)]] as const) {
            it(`${variant}: the counts and sizes of the program's resources under mocks`, async () => {
                const run = await runProgram({ stack: file.stack, config, secretKeys: file.secretKeys });
                assert.equal(run.error, undefined, run.error?.message);
                const estimate = estimateFor(file.stack, config);
                const input = costInput(parseStackConfig({ project: PROJECT_NAME, stack: file.stack, values: config }));
                assert.equal(ofType(run, "azure-native:network:PublicIPAddress").length, item(estimate, "Standard public IP")?.quantity);
                const vms = ofType(run, "azure-native:compute:VirtualMachine");
                assert.equal(vms.length, item(estimate, "Proxy VM")?.quantity);
                assert.ok(vms.every((vm) => vm.inputs.hardwareProfile.vmSize === item(estimate, "Proxy VM")?.sku));
                assert.ok(vms.every((vm) => vm.inputs.storageProfile.osDisk.managedDisk.storageAccountType === input.proxy.osDiskType));
                assert.equal(ofType(run, "azure-native:network:LoadBalancer")[0].inputs.loadBalancingRules.length, input.proxy.loadBalancingRules);
                assert.equal(ofType(run, "azure-native:monitor:MetricAlert").length, item(estimate, "Metric alert rules")?.quantity);
                assert.equal(ofType(run, "azure-native:network:VirtualNetworkGatewayConnection").length, item(estimate, "Site-to-site connection")?.quantity ?? 0);
                assert.equal(ofType(run, "azure-native:privatedns:PrivateZone").length, item(estimate, "Private DNS zone")?.quantity ?? 0);
                assert.equal(ofType(run, "azure-native:network:NatGateway").length, item(estimate, "NAT gateway")?.quantity);
                assert.equal(ofType(run, "azure-native:network:VirtualNetworkGateway")[0].inputs.sku.name, item(estimate, "VPN gateway")?.sku);
                const server = ofType(run, "azure-native:dbforpostgresql:Server")[0].inputs;
                assert.equal(server.sku.name, input.database.skuName);
                assert.equal(server.storage.storageSizeGB, input.database.storageSizeGB);
                assert.equal(server.highAvailability.mode !== "Disabled", input.database.highAvailability);
                assert.equal(ofType(run, "azure-native:operationalinsights:Workspace").length > 0, estimate.usageRates.some((r) => r.resource === "Log Analytics ingestion"));
            });
        }
    }
});
