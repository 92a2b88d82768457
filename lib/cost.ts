/**
 * The monthly list price of what one stack deploys, from a dated price table (lib/prices/*.json).
 * Pure: the caller maps the validated stack configuration to `CostInput` and reads the table file;
 * nothing here knows about Pulumi or the file system. Whatever the program does not deploy for a
 * stack gets no line; whatever depends on traffic is a rate, never a guessed monthly amount.
 */
import { z } from "zod";

const meter = z.object({
    /** null: the table records that no citable price was found; never a made-up number. */
    price: z.number().nonnegative().nullable(),
    unit: z.string(),
    source: z.string(),
    shown: z.string(),
    /** The region the price was found for, when it is not the table's own. */
    foundFor: z.string().optional(),
    included: z.number().int().nonnegative().optional(),
    size: z.string().optional(),
});
export type Meter = z.infer<typeof meter>;

const bySku = z.record(z.string(), meter);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const priceTableSchema = z.object({
    currency: z.string(),
    region: z.string(),
    retrieved: z.string().regex(ISO_DATE),
    hoursPerMonth: z.number().positive(),
    note: z.string(),
    sources: z.record(z.string(), z.object({ url: z.string().url(), date: z.string().regex(ISO_DATE) })),
    meters: z.object({
        vpnGatewayHour: bySku,
        siteToSiteConnectionHour: meter,
        pointToSiteConnectionHour: meter,
        standardPublicIpHour: meter,
        natGatewayHour: meter,
        natGatewayDataProcessedGB: meter,
        loadBalancerFirstFiveRulesHour: meter,
        loadBalancerExtraRuleHour: meter,
        loadBalancerDataProcessedGB: meter,
        postgresComputeHour: bySku,
        postgresStorageGBMonth: meter,
        postgresBackupGBMonth: meter,
        linuxVmHour: bySku,
        osDiskMonth: bySku,
        logAnalyticsIngestionGB: meter,
        privateDnsZoneMonth: meter,
        metricAlertTimeSeriesMonth: meter,
    }),
});
export type PriceTable = z.infer<typeof priceTableSchema>;

/** Parses a table file's JSON; `file` names it in every error. */
export function parsePriceTable(json: unknown, file: string): PriceTable {
    const result = priceTableSchema.safeParse(json);
    if (!result.success) {
        throw new Error(`price table ${file} is malformed: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    }
    for (const [name, m] of allMeters(result.data)) {
        if (!(m.source in result.data.sources)) {
            throw new Error(`price table ${file} is malformed: ${name} cites source "${m.source}", which is not in sources`);
        }
    }
    return result.data;
}

function allMeters(table: PriceTable): [string, Meter][] {
    return Object.entries(table.meters).flatMap(([name, value]) =>
        "price" in value ? [[name, value as Meter]] : Object.entries(value as Record<string, Meter>).map(([sku, m]) => [`${name}.${sku}`, m] as [string, Meter]));
}

/** What a stack deploys that has a price, as plain data (scripts/cost.ts maps the stack config to it). */
export interface CostInput {
    readonly stack: string;
    readonly location: string;
    readonly vpn: {
        readonly sku: string;
        readonly activeActive: boolean;
        readonly siteConnections: number;
        readonly clientCertificates: number;
    };
    readonly database: {
        readonly skuName: string;
        readonly tier: string;
        readonly storageSizeGB: number;
        readonly highAvailability: boolean;
        readonly geoRedundantBackup: boolean;
        readonly backupRetentionDays: number;
        /** VNet integration brings a private DNS zone. */
        readonly privateDnsZone: boolean;
    };
    readonly proxy: {
        readonly instances: number;
        readonly vmSize: string;
        readonly osDiskType: string;
        readonly loadBalancingRules: number;
    };
    readonly monitoring: {
        readonly diagnostics: boolean;
        /** The stack creates its workspace (false: it writes into an existing one, billed there). */
        readonly createsWorkspace: boolean;
        readonly metricAlerts: number;
    };
}

export interface LineItem {
    readonly resource: string;
    readonly sku: string;
    readonly quantity: number;
    /** Per month, for one unit; null when the table has no price for it. */
    readonly unitPrice: number | null;
    readonly monthly: number | null;
    readonly note?: string;
}

export interface UsageRate {
    readonly resource: string;
    readonly rate: number | null;
    readonly per: string;
    readonly note?: string;
}

export interface CostEstimate {
    readonly stack: string;
    readonly table: {
        readonly file: string; readonly region: string; readonly currency: string; readonly retrieved: string; readonly hoursPerMonth: number;
        /** The oldest and newest dates of the sources the prices were copied from. */
        readonly sourceDates: { readonly oldest: string; readonly newest: string };
    };
    readonly lineItems: readonly LineItem[];
    /** Sum of the priced line items. */
    readonly total: number;
    readonly largest: { readonly resource: string; readonly monthly: number; readonly share: number } | undefined;
    readonly usageRates: readonly UsageRate[];
    /** Line items the table has no price for: the total leaves them out. */
    readonly unpriced: readonly string[];
    readonly warnings: readonly string[];
}

/** Cents, so sums and deltas compare exactly. */
function money(value: number): number {
    return Math.round(value * 100) / 100;
}

export function estimateCost(input: CostInput, table: PriceTable, tableFile: string): CostEstimate {
    const m = table.meters;
    const hours = table.hoursPerMonth;
    const regionNotes = new Set<string>();
    const lookup = (group: Record<string, Meter>, sku: string, what: string): Meter => {
        const found = group[sku];
        if (!found) {
            throw new Error(`${what} ${sku} is not in the price table ${tableFile}; add it with its source (docs/cost.md, "Updating the table")`);
        }
        return found;
    };
    const note = (name: string, x: Meter) => {
        if (x.foundFor) {
            regionNotes.add(`${name}: the table's price is for ${x.foundFor}, not ${table.region}`);
        }
    };
    const perMonth = (x: Meter): number | null => (x.price === null ? null : x.unit === "hour" ? x.price * hours : x.price);
    const items: LineItem[] = [];
    const add = (resource: string, sku: string, quantity: number, x: Meter, extra?: string) => {
        note(resource, x);
        const unitPrice = perMonth(x);
        items.push({
            resource, sku, quantity,
            unitPrice: unitPrice === null ? null : money(unitPrice),
            monthly: unitPrice === null ? null : money(unitPrice * quantity),
            ...(extra ? { note: extra } : {}),
        });
    };

    const { vpn, database: db, proxy, monitoring } = input;
    add("VPN gateway", vpn.sku, 1, lookup(m.vpnGatewayHour, vpn.sku, "VPN gateway SKU"));
    // The gateway's address, and with active-active a second one plus a third for point-to-site
    // (components/vpnGateway.ts); one more for the NAT gateway (components/network.ts).
    const gatewayIps = vpn.activeActive ? 3 : 1;
    add("Standard public IP", "static, regional", gatewayIps + 1, m.standardPublicIpHour,
        `${gatewayIps} for the VPN gateway${vpn.activeActive ? " (active-active and point-to-site)" : ""}, 1 for the NAT gateway`);
    if (vpn.siteConnections > 0) {
        add("Site-to-site connection", "IPsec, IKEv2", vpn.siteConnections, m.siteToSiteConnectionHour,
            "priced at the rate for tunnels beyond the SKU's included ones (docs/cost.md)");
    }

    const copies = db.highAvailability ? 2 : 1;
    const haNote = db.highAvailability ? "× 2: the HA standby is billed like the primary" : undefined;
    add("PostgreSQL compute", `${db.skuName} (${db.tier})`, copies, lookup(m.postgresComputeHour, db.skuName, "Flexible Server SKU"), haNote);
    add("PostgreSQL storage", `${db.storageSizeGB} GB`, db.storageSizeGB * copies, m.postgresStorageGBMonth, haNote);
    if (db.privateDnsZone) {
        add("Private DNS zone", "1 zone", 1, m.privateDnsZoneMonth);
    }

    add("Proxy VM", proxy.vmSize, proxy.instances, lookup(m.linuxVmHour, proxy.vmSize, "VM size"));
    const disk = lookup(m.osDiskMonth, proxy.osDiskType, "OS disk type");
    add("Proxy OS disk", `${proxy.osDiskType}${disk.size ? ` ${disk.size}` : ""}`, proxy.instances, disk);
    const extraRules = Math.max(0, proxy.loadBalancingRules - 5);
    add("Standard load balancer", `${proxy.loadBalancingRules} rule${proxy.loadBalancingRules === 1 ? "" : "s"} (first 5 included)`, 1, m.loadBalancerFirstFiveRulesHour);
    if (extraRules > 0) {
        add("Load balancer rules beyond 5", "rule", extraRules, m.loadBalancerExtraRuleHour);
    }
    add("NAT gateway", "Standard", 1, m.natGatewayHour);
    add("Metric alert rules", "1 time series each", monitoring.metricAlerts, m.metricAlertTimeSeriesMonth);

    const rates: UsageRate[] = [];
    const rate = (resource: string, x: Meter, per: string, extra?: string) => {
        note(resource, x);
        rates.push({ resource, rate: x.price, per, ...(extra ? { note: extra } : {}) });
    };
    rate("NAT gateway data processed", m.natGatewayDataProcessedGB, "GB");
    rate("Load balancer data processed", m.loadBalancerDataProcessedGB, "GB");
    rate("PostgreSQL backup storage beyond the free amount", m.postgresBackupGBMonth, "GB-month",
        `backups up to the provisioned storage (${db.storageSizeGB} GB) are free; ${db.backupRetentionDays} days retained` +
        (db.geoRedundantBackup ? "; geo-redundant copies add to the billed backup storage" : ""));
    if (monitoring.diagnostics && monitoring.createsWorkspace) {
        rate("Log Analytics ingestion", m.logAnalyticsIngestionGB, "GB");
    }
    const p2s = m.pointToSiteConnectionHour;
    rate("Point-to-site connections beyond included", { ...p2s, price: p2s.price === null ? null : money(p2s.price * hours) }, "connection-month",
        `${p2s.included ?? 0} included; ${vpn.clientCertificates} client certificate${vpn.clientCertificates === 1 ? "" : "s"} issued`);

    const priced = items.filter((i): i is LineItem & { monthly: number } => i.monthly !== null);
    const total = money(priced.reduce((sum, i) => sum + i.monthly, 0));
    const top = [...priced].sort((a, b) => b.monthly - a.monthly)[0];
    const warnings: string[] = [];
    if (input.location !== table.region) {
        warnings.push(`the stack is in ${input.location}, the price table covers ${table.region}: prices in ${input.location} may differ`);
    }
    warnings.push(...[...regionNotes].sort());
    const unpriced = items.filter((i) => i.monthly === null).map((i) => `${i.resource} ${i.sku}`);
    for (const item of unpriced) {
        warnings.push(`${item} has no price in ${tableFile}: the total leaves it out`);
    }
    return {
        stack: input.stack,
        table: { file: tableFile, region: table.region, currency: table.currency, retrieved: table.retrieved, hoursPerMonth: hours, sourceDates: sourceDates(table) },
        lineItems: items,
        total,
        largest: top && total > 0 ? { resource: top.resource, monthly: top.monthly, share: top.monthly / total } : undefined,
        usageRates: rates,
        unpriced,
        warnings,
    };
}

function amount(value: number | null, currency: string): string {
    return value === null ? "not in table" : `${value.toFixed(2)} ${currency}`;
}

/** The span of the table's source dates (ISO dates sort as text). */
function sourceDates(table: PriceTable): { oldest: string; newest: string } {
    const dates = Object.values(table.sources).map((source) => source.date).sort();
    return { oldest: dates[0] ?? table.retrieved, newest: dates[dates.length - 1] ?? table.retrieved };
}

/** The header every estimate starts with: which prices, from when and where. */
export function priceHeader(estimate: CostEstimate): string {
    const t = estimate.table;
    return `Prices: ${t.currency} pay-as-you-go list prices for ${t.region}, table of ${t.retrieved} (sources dated ${t.sourceDates.oldest} to ${t.sourceDates.newest}), ` +
        `from ${t.file} (${t.hoursPerMonth} hours a month)`;
}

export function renderEstimate(estimate: CostEstimate): string {
    const currency = estimate.table.currency;
    const rows = [["Resource", "SKU / size", "Qty", "Unit / month", "Monthly"],
        ...estimate.lineItems.map((i) => [i.resource, i.sku, String(i.quantity), amount(i.unitPrice, currency), amount(i.monthly, currency)])];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const line = (r: string[]) => r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ").trimEnd();
    const out = [`securepg cost: stack ${estimate.stack}`, priceHeader(estimate), "", line(rows[0]), ...rows.slice(1).map(line)];
    out.push("", `Total: ${amount(estimate.total, currency)} per month${estimate.unpriced.length > 0 ? ` (without ${estimate.unpriced.join(", ")})` : ""}`);
    if (estimate.largest) {
        out.push(`Most of it is the ${estimate.largest.resource}: ${Math.round(estimate.largest.share * 100)}%`);
    }
    const notes = estimate.lineItems.filter((i) => i.note).map((i) => `  ${i.resource}: ${i.note}`);
    if (notes.length > 0) {
        out.push("", "Notes:", ...notes);
    }
    out.push("", "Usage-based (not in the total):");
    for (const r of estimate.usageRates) {
        out.push(`  ${r.resource}: ${r.rate === null ? "not in table" : `${r.rate} ${currency}`} per ${r.per}${r.note ? ` (${r.note})` : ""}`);
    }
    if (estimate.warnings.length > 0) {
        out.push("", "Warnings:", ...estimate.warnings.map((w) => `  ${w}`));
    }
    return out.join("\n");
}
