/**
 * Reads and validates a stack's configuration before any resource is declared. Every problem is
 * collected and reported together, each with its full key path, so one `pulumi up` shows them all.
 */
import type { z } from "zod";
import { contains, nthSubnet, overlaps, type Ipv4Cidr } from "../lib/cidr";
import { privateZoneConflict, resourceNames, slug } from "../lib/naming";
import { FLEXIBLE_SERVER_SKU_FAMILY } from "../lib/azureRules";
import { closestRegions, REGION_LIST_SOURCE, regionZones, zonePlan } from "../lib/regions";
import { proxySubnetShortfall } from "../lib/proxyTier";
import { PROD_RETENTION_FLOOR_DAYS } from "../lib/audit";
import { ENVIRONMENT_DEFAULTS, type RawSections } from "./defaults";
import { reachFindings } from "./reach";
import { databaseFields, monitoringFields, networkFields, proxyFields, topLevelFields, vpnFields, type FieldSchemas } from "./fields";
import type {
    AllowedIpRange, DatabaseConfig, Environment, MonitoringConfig, NetworkConfig, ProxyConfig, StackConfig, VpnConfig,
} from "./types";

export * from "./types";

export const PROJECT_NAMESPACE = "securepg";
const SECTIONS = { network: networkFields, database: databaseFields, vpn: vpnFields, proxy: proxyFields, monitoring: monitoringFields } as const;
type SectionName = keyof typeof SECTIONS;
const TOP_LEVEL_KEYS = ["environment", "protect", "entraTenantId"] as const;
export const KNOWN_KEYS = [...Object.keys(SECTIONS), ...TOP_LEVEL_KEYS].map((k) => `${PROJECT_NAMESPACE}:${k}`);

export interface ConfigProblem {
    /** Full key path, e.g. `securepg:network.proxySubnet`. */
    readonly key: string;
    readonly message: string;
}

export class StackConfigError extends Error {
    constructor(readonly problems: readonly ConfigProblem[]) {
        super(
            `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was deployed:\n` +
            problems.map((p) => `  - ${p.key} ${p.message}`).join("\n"),
        );
        this.name = "StackConfigError";
    }
}

/** Configuration exactly as the Pulumi engine hands it over: full keys to raw strings. */
export interface RawStackConfig {
    readonly project: string;
    readonly stack: string;
    readonly values: Readonly<Record<string, string | undefined>>;
}

/** A value as the stack file spelled it (values come from JSON, so they always have a JSON form). */
function describe(value: unknown): string {
    const text = String(JSON.stringify(value));
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The value a zod issue is about. Settings are scalars or lists of scalars, so an issue's path is
 * empty or one list index, through containers zod has already walked.
 */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    return path.reduce<unknown>((node, step) => (node as Record<PropertyKey, unknown>)[step], root);
}

/** The key and the place inside it an issue names: `securepg:database.databases[1]`, `securepg:database.entraAdmin.objectId`. */
function formatPath(key: string, path: readonly PropertyKey[]): string {
    return path.reduce<string>((text, step) => (typeof step === "number" ? `${text}[${step}]` : `${text}.${String(step)}`), key);
}

class ProblemCollector {
    readonly problems: ConfigProblem[] = [];
    readonly warnings: string[] = [];

    add(key: string, message: string): void {
        this.problems.push({ key, message });
    }

    /** Validates one value; returns the parsed value, or undefined after recording the problems. */
    check<S extends z.ZodType>(key: string, schema: S, value: unknown): z.output<S> | undefined {
        const result = schema.safeParse(value);
        if (result.success) {
            return result.data;
        }
        for (const issue of result.error.issues) {
            // The value is worth repeating unless the message already names what is wrong.
            const got = issue.code === "custom" || issue.code === "unrecognized_keys" ? "" : ` (got ${describe(valueAt(value, issue.path))})`;
            this.add(formatPath(key, issue.path), `${issue.message}${got}`);
        }
        return undefined;
    }

    /** Validates a section field by field, so one bad field does not hide the others. */
    section(key: string, raw: Record<string, unknown>, fields: FieldSchemas): Record<string, unknown> {
        const parsed: Record<string, unknown> = {};
        for (const [field, value] of Object.entries(raw)) {
            const schema = fields[field];
            if (!schema) {
                this.add(`${key}.${field}`, `is not a known setting (known: ${Object.keys(fields).join(", ")})`);
                continue;
            }
            // A refused value is left undefined; the problems it recorded stop the program later.
            parsed[field] = this.check(`${key}.${field}`, schema, value);
        }
        return parsed;
    }
}

function parseObject(collector: ProblemCollector, key: string, text: string | undefined): Record<string, unknown> {
    if (text === undefined || text === "") {
        return {};
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        collector.add(key, `must be an object of settings (got ${describe(text)})`);
        return {};
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        collector.add(key, `must be an object of settings (got ${describe(value)})`);
        return {};
    }
    return value as Record<string, unknown>;
}

/** Stack files give booleans and numbers as strings at the top level. */
function parseScalar(text: string | undefined): unknown {
    if (text === undefined) {
        return undefined;
    }
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function environmentFor(collector: ProblemCollector, stack: string, explicit: unknown): Environment | undefined {
    if (explicit !== undefined) {
        return collector.check(`${PROJECT_NAMESPACE}:environment`, topLevelFields.environment, explicit);
    }
    const match = /^(dev|prod)(?:$|[-_.])/.exec(stack.toLowerCase());
    if (match) {
        return match[1] as Environment;
    }
    collector.add(`${PROJECT_NAMESPACE}:environment`, `is not set and stack "${stack}" is not named after an environment; set it to "dev" or "prod"`);
    return undefined;
}

/**
 * Default subnet plan inside the address space: /24s when there is room (readable), else /27s.
 * The gateway gets a /27, the size Azure recommends for GatewaySubnet.
 */
export function planSubnets(addressSpace: Ipv4Cidr): { gatewaySubnet: Ipv4Cidr; proxySubnet: Ipv4Cidr; databaseSubnet: Ipv4Cidr } | undefined {
    const blockPrefix = addressSpace.prefixLength <= 22 ? 24 : 27;
    const blocks = [0, 1, 2].map((i) => nthSubnet(addressSpace, blockPrefix, i));
    if (blocks.some((b) => b === undefined)) {
        return undefined;
    }
    const [gatewayBlock, proxySubnet, databaseSubnet] = blocks as Ipv4Cidr[];
    return { gatewaySubnet: nthSubnet(gatewayBlock, 27, 0)!, proxySubnet, databaseSubnet };
}

function checkNetworkLayout(collector: ProblemCollector, key: string, network: Partial<NetworkConfig>, pool: Ipv4Cidr | undefined): void {
    const space = network.addressSpace;
    const subnets = (["gatewaySubnet", "proxySubnet", "databaseSubnet"] as const)
        .map((field) => ({ field, block: network[field] }))
        .filter((s): s is { field: typeof s.field; block: Ipv4Cidr } => s.block !== undefined);
    if (space) {
        for (const { field, block } of subnets) {
            if (!contains(space, block)) {
                collector.add(`${key}.${field}`, `${block.text} is outside addressSpace ${space.text}`);
            }
        }
    }
    subnets.forEach((earlier, i) => {
        for (const later of subnets.slice(i + 1)) {
            if (overlaps(earlier.block, later.block)) {
                collector.add(`${key}.${later.field}`, `${later.block.text} overlaps ${earlier.field} ${earlier.block.text}`);
            }
        }
    });
    if (space && pool && overlaps(space, pool)) {
        collector.add(`${PROJECT_NAMESPACE}:vpn.clientAddressPool`, `${pool.text} overlaps the VNet addressSpace ${space.text}; VPN clients would be unroutable`);
    }
}

const SKU_FAMILY = FLEXIBLE_SERVER_SKU_FAMILY;

/** Parses, defaults and cross-checks a stack's configuration. Throws StackConfigError listing every problem. */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
    const collector = new ProblemCollector();
    const ns = PROJECT_NAMESPACE;
    const { values } = raw;

    for (const key of Object.keys(values)) {
        if (key.startsWith(`${ns}:`) && !KNOWN_KEYS.includes(key) && values[key] !== undefined) {
            collector.add(key, `is not a known setting (known: ${KNOWN_KEYS.join(", ")})`);
        }
    }

    const rawLocation = values["azure-native:location"];
    const location = rawLocation === undefined
        ? collector.add("azure-native:location", "is not set; run `pulumi config set azure-native:location <region>` (e.g. westeurope)")
        : collector.check("azure-native:location", topLevelFields.location, rawLocation);
    if (location !== undefined && regionZones(location) === "unknown") {
        collector.add("azure-native:location", `${location} is not an Azure region securepg knows (did you mean ${closestRegions(location).join(", ")}?). ` +
            `Zonal resources depend on whether a region has availability zones; a new region goes into lib/regions.ts, from ${REGION_LIST_SOURCE}`);
    }
    for (const [what, name] of [["project", raw.project], ["stack", raw.stack]] as const) {
        if (slug(name) === "") {
            collector.add(`(${what} name)`, `${JSON.stringify(name)} has no letters or digits to build Azure resource names from; use another ${what} name`);
        }
    }
    const environment = environmentFor(collector, raw.stack, parseScalar(values[`${ns}:environment`]));
    const defaults = ENVIRONMENT_DEFAULTS[environment ?? "prod"];
    const explicitProtect = values[`${ns}:protect`];
    const protect = explicitProtect === undefined
        ? defaults.protect
        : collector.check(`${ns}:protect`, topLevelFields.protect, parseScalar(explicitProtect));
    const explicitTenant = values[`${ns}:entraTenantId`];
    const entraTenantId = explicitTenant === undefined ? undefined : collector.check(`${ns}:entraTenantId`, topLevelFields.entraTenantId, explicitTenant);

    const given = {} as Required<RawSections>;
    const parsed = {} as Record<SectionName, Record<string, unknown>>;
    for (const section of Object.keys(SECTIONS) as SectionName[]) {
        given[section] = parseObject(collector, `${ns}:${section}`, values[`${ns}:${section}`]);
        parsed[section] = collector.section(`${ns}:${section}`, { ...defaults[section], ...given[section] }, SECTIONS[section]);
    }

    const net = parsed.network as { -readonly [K in keyof NetworkConfig]?: NetworkConfig[K] };
    if (net.addressSpace && !(given.network.gatewaySubnet && given.network.proxySubnet && given.network.databaseSubnet)) {
        const plan = planSubnets(net.addressSpace);
        if (plan) {
            for (const field of ["gatewaySubnet", "proxySubnet", "databaseSubnet"] as const) {
                if (given.network[field] === undefined) {
                    (net as Record<string, unknown>)[field] = plan[field];
                }
            }
        } else {
            collector.add(`${ns}:network.addressSpace`, `${net.addressSpace.text} is too small to plan subnets in; give gatewaySubnet, proxySubnet and databaseSubnet explicitly`);
        }
    }
    const vpn = parsed.vpn as Partial<VpnConfig>;
    checkNetworkLayout(collector, `${ns}:network`, net, vpn.clientAddressPool);

    const db = parsed.database as Record<string, unknown> & Partial<Omit<DatabaseConfig, "access">> & { access?: "vnet" | "public" };
    const access = db.access;
    if (access === "vnet") {
        if (Array.isArray(db.allowedIpRanges) && db.allowedIpRanges.length > 0) {
            collector.add(`${ns}:database.allowedIpRanges`, 'applies only to access: "public"; a VNet-integrated server has no public endpoint');
        }
        if (db.allowAzureServices === true) {
            collector.add(`${ns}:database.allowAzureServices`, 'applies only to access: "public"; a VNet-integrated server has no public endpoint');
        }
    }
    if (net.serviceEndpoints === undefined && access !== undefined) {
        // Microsoft documents that a Microsoft.Sql endpoint can break a subnet's connections to a
        // public Flexible Server endpoint (it has no VNet rules), so public mode starts without one.
        net.serviceEndpoints = access === "vnet" ? ["Microsoft.Sql"] : [];
    } else if (access === "public" && net.serviceEndpoints?.includes("Microsoft.Sql")) {
        collector.warnings.push(
            `${ns}:network.serviceEndpoints lists Microsoft.Sql with access "public": the proxy subnet then reaches Azure SQL services from its private address, which the server's IP firewall cannot match; connections from the proxy may fail`,
        );
    }
    if (db.tier && db.skuName && !SKU_FAMILY[db.tier].test(db.skuName)) {
        collector.add(`${ns}:database.skuName`, `${db.skuName} does not belong to tier ${db.tier} (expected ${SKU_FAMILY[db.tier].source.slice(1)}...)`);
    }
    if (db.tier === "Burstable" && db.highAvailability === true) {
        collector.add(`${ns}:database.highAvailability`, "is not available on the Burstable tier; use GeneralPurpose or MemoryOptimized");
    }
    const names = resourceNames(raw.project, raw.stack);
    if (access === "vnet" && typeof db.serverName === "string") {
        const conflict = privateZoneConflict(names.privateDnsZone, db.serverName);
        if (conflict) {
            collector.add(`${ns}:database.serverName`, `${db.serverName} cannot be used: ${conflict}`);
        }
    }
    if (db.version && Number(db.version) <= 14) {
        collector.warnings.push(`${ns}:database.version ${db.version} is in Azure's paid extended support; plan an upgrade to 17`);
    }
    const proxy = parsed.proxy as Partial<ProxyConfig>;
    if (proxy.vmSize && /^Standard_B\d+(ls|s|ms|m)$/i.test(proxy.vmSize)) {
        collector.warnings.push(`${ns}:proxy.vmSize ${proxy.vmSize} is B-series v1, announced for retirement; prefer Standard_B2ats_v2`);
    }
    const shortfall = proxy.instances !== undefined && net.proxySubnet ? proxySubnetShortfall(net.proxySubnet, proxy.instances) : undefined;
    if (shortfall) {
        collector.add(`${ns}:network.proxySubnet`, `${shortfall} (the load balancer's, and two per proxy while a new one replaces the old)`);
    }
    const reach = reachFindings(ns, { addressSpace: net.addressSpace, vpn, proxy, tier: db.tier, pgbouncer: db.pgbouncer });
    reach.problems.forEach((p) => collector.add(p.key, p.message));
    collector.warnings.push(...reach.warnings);
    if (environment === "prod" && proxy.instances === 1) {
        collector.warnings.push(`${ns}:proxy.instances is 1 on a prod stack: a zone outage or a failed proxy cuts every on-premises connection until it is back`);
    }
    if (environment === "prod" && proxy.vmSize && /^Standard_B/.test(proxy.vmSize)) {
        collector.warnings.push(`${ns}:proxy.vmSize ${proxy.vmSize} is burstable: under sustained load it is throttled to its baseline (docs/performance.md has the sizing table)`);
    }
    if (proxy.idleTimeoutSeconds !== undefined && proxy.keepaliveIdleSeconds !== undefined && proxy.idleTimeoutSeconds <= proxy.keepaliveIdleSeconds) {
        collector.warnings.push(`${ns}:proxy.idleTimeoutSeconds ${proxy.idleTimeoutSeconds} is not above keepaliveIdleSeconds; idle sessions close before a keepalive is sent`);
    }
    if (environment === "prod" && (db.highAvailability === false || db.geoRedundantBackup === false)) {
        collector.warnings.push(
            `${ns}:database: a prod stack without ${db.highAvailability === false ? "highAvailability" : "geoRedundantBackup"} is blocked by the policy pack (postgres-prod-resilience)`,
        );
    }
    if (environment === "prod" && protect === false) {
        collector.warnings.push(`${ns}:protect is false on a prod stack: \`pulumi destroy\` will delete the database`);
    }
    if (vpn.authentication === "entra" && Array.isArray(vpn.clients) && vpn.clients.length > 0) {
        collector.add(`${ns}:vpn.clients`, `issues certificates the gateway would refuse: vpn.authentication is "entra"; use "both" to keep certificate clients (Linux has no Entra client)`);
    } else if (vpn.authentication !== "entra" && Array.isArray(vpn.clients) && vpn.clients.length === 0) {
        collector.warnings.push(`${ns}:vpn.clients is empty: no VPN client certificate will be issued`);
    }
    if (db.passwordAuth === false && db.entraAdmin === undefined) {
        collector.add(`${ns}:database.passwordAuth`, "is false without securepg:database.entraAdmin: nobody could sign in to the server");
    }
    if (environment === "prod" && db.entraAdmin === undefined) {
        collector.warnings.push(`${ns}:database.entraAdmin is not set on a prod stack: everyone shares the admin password; set an Entra group as administrator (docs/operations.md, "Entra ID for the database")`);
    }
    const monitoring = parsed.monitoring as Partial<MonitoringConfig>;
    if (environment === "prod" && monitoring.diagnostics === false) {
        collector.warnings.push(`${ns}:monitoring.diagnostics is false on a prod stack: no audit trail of who connected; the policy pack blocks this (prod-diagnostics-on)`);
    }
    if (environment === "prod" && monitoring.retentionInDays !== undefined && monitoring.retentionInDays < PROD_RETENTION_FLOOR_DAYS) {
        collector.warnings.push(`${ns}:monitoring.retentionInDays ${monitoring.retentionInDays} is below the prod floor of ${PROD_RETENTION_FLOOR_DAYS} days; the policy pack blocks this (log-retention-floor)`);
    }
    if (monitoring.diagnostics === false && given.monitoring.workspaceId !== undefined) {
        collector.warnings.push(`${ns}:monitoring.workspaceId is not used while monitoring.diagnostics is false`);
    }
    if (environment === "prod" && Array.isArray(monitoring.alertEmails) && monitoring.alertEmails.length === 0) {
        collector.warnings.push(`${ns}:monitoring.alertEmails is empty on a prod stack: alerts fire without notifying anyone`);
    }
    if (vpn.authentication === "certificate" && vpn.entraAudience !== undefined) {
        collector.warnings.push(`${ns}:vpn.entraAudience is not used while vpn.authentication is "certificate"`);
    }

    const zones = zonePlan(location ?? "");
    if (location !== undefined && regionZones(location) === "no-zones") {
        collector.warnings.push(
            `azure-native:location ${location} has no availability zones: the VPN gateway (an AZ SKU, which Azure deploys regionally there) gets a regional public IP with no zones` +
            (db.highAvailability === true ? ", and securepg:database.highAvailability is planned as SameZone HA (zone-redundant HA needs zones)" : ""),
        );
    } else if (db.highAvailability === true && zones.highAvailabilityMode === "SameZone") {
        collector.warnings.push(`securepg:database.highAvailability: Flexible Server offers no zone-redundant HA in ${location}; planned as SameZone HA`);
    }

    if (collector.problems.length > 0) {
        throw new StackConfigError(collector.problems);
    }

    const common = {
        serverName: db.serverName as string | undefined,
        version: db.version!, skuName: db.skuName!, tier: db.tier!, storageSizeGB: db.storageSizeGB!,
        highAvailability: db.highAvailability!, geoRedundantBackup: db.geoRedundantBackup!,
        backupRetentionDays: db.backupRetentionDays!, adminLogin: db.adminLogin!, databases: db.databases!,
        tlsMinVersion: db.tlsMinVersion!, passwordRotation: db.passwordRotation!, allowReplace: db.allowReplace as boolean,
        deleteLock: db.deleteLock as boolean,
        entraAdmin: db.entraAdmin as DatabaseConfig["entraAdmin"],
        passwordAuth: db.passwordAuth as boolean | undefined,
        pgbouncer: db.pgbouncer as boolean | undefined,
    };
    const database: DatabaseConfig = access === "public"
        ? { ...common, access, allowedIpRanges: db.allowedIpRanges as AllowedIpRange[], allowAzureServices: db.allowAzureServices as boolean }
        : { ...common, access: "vnet" };
    return {
        project: raw.project,
        stack: raw.stack,
        environment: environment!,
        location: location!,
        zones,
        protect: protect!,
        entraTenantId,
        network: net as NetworkConfig,
        database,
        vpn: vpn as VpnConfig,
        proxy: { ...proxy, sshPublicKey: proxy.sshPublicKey } as ProxyConfig,
        monitoring: {
            diagnostics: monitoring.diagnostics, retentionInDays: monitoring.retentionInDays, alertEmails: monitoring.alertEmails,
            existingWorkspace: (parsed.monitoring as { workspaceId?: MonitoringConfig["existingWorkspace"] }).workspaceId,
        } as MonitoringConfig,
        warnings: collector.warnings,
    };
}
