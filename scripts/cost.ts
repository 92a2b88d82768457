/**
 * `npm run cost -- --stack <stack> [--json] [--table <file>] [--dir <dir>]`
 *
 * The monthly list price of what `Pulumi.<stack>.yaml` deploys: the stack file is read and
 * validated exactly as the program reads it (stacks/index.ts, with the environment's defaults),
 * then priced from the dated table in lib/prices/. Needs no Pulumi, no Azure, no network.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { estimateCost, parsePriceTable, renderEstimate, type CostInput } from "../lib/cost";
import { metricAlerts } from "../lib/alerts";
import { STACK_ARGUMENT_PATTERN } from "../lib/naming";
import { proxyListenPorts } from "../lib/proxyTargets";
import { PROXY_OS_DISK_TYPE } from "../lib/proxyTier";
import { parseStackConfig, type StackConfig } from "../stacks";
import { loadStackFile, PROJECT_NAME, PROJECT_ROOT } from "../stacks/stackFile";

export const DEFAULT_PRICE_TABLE = path.join("lib", "prices", "eastus-2026-12.json");

const USAGE = "usage: npm run cost -- --stack <stack> [--json] [--table <file>] [--dir <dir with Pulumi.<stack>.yaml>]";

class UsageError extends Error {}

/** The priced parts of a validated stack configuration. */
export function costInput(config: StackConfig): CostInput {
    return {
        stack: config.stack,
        location: config.location,
        vpn: {
            sku: config.vpn.sku,
            activeActive: config.vpn.activeActive,
            siteConnections: config.vpn.sites.length,
            clientCertificates: config.vpn.clients.length,
        },
        database: {
            skuName: config.database.skuName,
            tier: config.database.tier,
            storageSizeGB: config.database.storageSizeGB,
            highAvailability: config.database.highAvailability,
            geoRedundantBackup: config.database.geoRedundantBackup,
            backupRetentionDays: config.database.backupRetentionDays,
            privateDnsZone: config.database.access === "vnet",
        },
        proxy: {
            instances: config.proxy.instances,
            vmSize: config.proxy.vmSize,
            osDiskType: PROXY_OS_DISK_TYPE,
            loadBalancingRules: proxyListenPorts(config).length,
        },
        monitoring: {
            diagnostics: config.monitoring.diagnostics,
            createsWorkspace: config.monitoring.existingWorkspace === undefined,
            metricAlerts: metricAlerts({ vpnSku: config.vpn.sku }).length,
        },
    };
}

function options(argv: string[]) {
    let values;
    try {
        values = parseArgs({ args: argv, options: { stack: { type: "string" }, json: { type: "boolean", default: false }, table: { type: "string" }, dir: { type: "string" } } }).values;
    } catch (error) {
        throw new UsageError((error as Error).message);
    }
    if (values.stack === undefined) {
        throw new UsageError("--stack is required");
    }
    if (!STACK_ARGUMENT_PATTERN.test(values.stack) || values.stack.includes("/")) {
        throw new UsageError(`${JSON.stringify(values.stack)} is not a stack name with a Pulumi.<stack>.yaml here`);
    }
    return { stack: values.stack, json: values.json, table: values.table ?? DEFAULT_PRICE_TABLE, dir: path.resolve(values.dir ?? PROJECT_ROOT) };
}

function readTable(file: string) {
    let text: string;
    try {
        text = fs.readFileSync(path.resolve(PROJECT_ROOT, file), "utf8");
    } catch (error) {
        throw new Error(`cannot read the price table ${file}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (error) {
        throw new Error(`price table ${file} is not JSON: ${(error as Error).message}`);
    }
    return parsePriceTable(json, file);
}

function main(): number {
    let json = false;
    try {
        const o = options(process.argv.slice(2));
        json = o.json;
        const stackFile = `Pulumi.${o.stack}.yaml`;
        if (!fs.existsSync(path.join(o.dir, stackFile))) {
            throw new Error(`no stack file ${stackFile} in ${o.dir}`);
        }
        const loaded = loadStackFile(stackFile, o.dir);
        const config = parseStackConfig({ project: PROJECT_NAME, stack: loaded.stack, values: loaded.config });
        const estimate = estimateCost(costInput(config), readTable(o.table), o.table);
        console.log(o.json ? JSON.stringify(estimate, null, 2) : renderEstimate(estimate));
        return 0;
    } catch (error) {
        const message = (error as Error).message;
        if (json) {
            console.log(JSON.stringify({ error: message }));
        }
        console.error(`securepg cost: ${message}${error instanceof UsageError ? `\n${USAGE}` : ""}`);
        return error instanceof UsageError ? 2 : 1;
    }
}

if (require.main === module) {
    process.exit(main());
}
