/**
 * What `pulumi preview --policy-pack policy --policy-pack-config <file.json>` can tune: each
 * configurable policy's JSON schema (`configSchema`), its defaults (today's behaviour, so a run
 * without a file changes nothing), and how a validator reads its configuration.
 *
 * The engine fills in the schema's defaults and refuses values the schema refuses (wrong types,
 * out-of-range numbers, names outside an enum) before the pack runs; it does not refuse keys the
 * schema does not name, nor policy names the pack does not have (pulumi/pulumi
 * pkg/resource/analyzer/config.go). The pack reports unknown keys itself (`unknownKeys`); unknown
 * policy names never reach a policy, which is why `test/policy/config.test.ts` checks config files
 * against the whole pack.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import { PROD_RETENTION_FLOOR_DAYS } from "../lib/audit";

/** Analytics retention Azure accepts on a workspace: 30 days (the default) up to two years. */
export const RETENTION_LIMITS = { minimum: 30, maximum: 730 } as const;

export const DEFAULT_RETENTION_FLOOR_DAYS = PROD_RETENTION_FLOOR_DAYS;

/** The widest public range a firewall rule may admit when nothing is configured: a /24. */
export const DEFAULT_WIDEST_PREFIX_LENGTH = 24;

/**
 * The VPN gateway SKUs Azure has besides Basic: the zone-redundant VpnGw1AZ-VpnGw5AZ and the older
 * VpnGw1-VpnGw5, which Azure no longer creates but which existing gateways may still carry
 * (azure-request-rules refuses creating them). Basic is not among them: vpn-gateway-no-basic-sku
 * refuses it whatever the configuration says.
 */
export const VPN_GATEWAY_SKUS = [
    "VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ",
    "VpnGw1", "VpnGw2", "VpnGw3", "VpnGw4", "VpnGw5",
] as const;

/** Every SKU but Basic, as the policy allowed before it was configurable. */
export const DEFAULT_ALLOWED_GATEWAY_SKUS: readonly string[] = VPN_GATEWAY_SKUS;

export const DEFAULT_PROTECTED_PORTS: readonly number[] = [22, 5432];

export const retentionConfigSchema: PolicyConfigSchema = {
    properties: {
        floorDays: {
            type: "integer", ...RETENTION_LIMITS, default: DEFAULT_RETENTION_FLOOR_DAYS,
            description: "The fewest days a production Log Analytics workspace or table may keep logs.",
        },
    },
};

export const firewallConfigSchema: PolicyConfigSchema = {
    properties: {
        widestPrefixLength: {
            type: "integer", minimum: 0, maximum: 32, default: DEFAULT_WIDEST_PREFIX_LENGTH,
            description: "The widest range of public addresses a PostgreSQL firewall rule may admit, as a prefix length (24: at most a /24). 0.0.0.0-255.255.255.255 is refused whatever this says.",
        },
    },
};

export const gatewaySkuConfigSchema: PolicyConfigSchema = {
    properties: {
        allowedSkus: {
            type: "array", items: { type: "string", enum: [...VPN_GATEWAY_SKUS] }, minItems: 1, uniqueItems: true,
            default: [...DEFAULT_ALLOWED_GATEWAY_SKUS],
            description: "The VPN gateway SKUs a stack may use (Basic never).",
        },
    },
};

export const portsConfigSchema: PolicyConfigSchema = {
    properties: {
        ports: {
            type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, default: [...DEFAULT_PROTECTED_PORTS],
            description: "The inbound TCP ports no NSG rule may open to the Internet.",
        },
    },
};

/** The keys of a policy's configuration that its schema does not name (a typo the engine lets through). */
export function unknownKeys(schema: PolicyConfigSchema, config: object): string[] {
    return Object.keys(config).filter((key) => !Object.prototype.hasOwnProperty.call(schema.properties, key)).sort();
}

export function unknownKeysMessage(policyName: string, schema: PolicyConfigSchema, keys: readonly string[]): string {
    return `the policy pack configuration of ${policyName} has ${keys.map((k) => JSON.stringify(k)).join(", ")}, which it does not know `
        + `(it knows ${Object.keys(schema.properties).map((k) => JSON.stringify(k)).join(", ")}); fix the --policy-pack-config file`;
}

/** An integer setting, or its default when it is absent or not an integer (the engine checks the range). */
export function integerSetting(config: Record<string, unknown>, key: string, fallback: number): number {
    const value = config[key];
    return typeof value === "number" && Number.isInteger(value) ? value : fallback;
}

/** A non-empty list setting of `T`, or its default. */
export function listSetting<T>(config: Record<string, unknown>, key: string, isItem: (item: unknown) => item is T, fallback: readonly T[]): readonly T[] {
    const value = config[key];
    return Array.isArray(value) && value.length > 0 && value.every(isItem) ? value : fallback;
}
