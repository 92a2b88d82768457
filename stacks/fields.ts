/**
 * One schema per configuration field. Sections are validated field by field (not as one object) so
 * that a single bad value never hides the problems of its neighbours.
 */
import { z } from "zod";
import { nonPublicReason, parseAddressOrCidr, parseCidr, isRfc1918, contains, type Ipv4Cidr } from "../lib/cidr";
import { FQDN_PATTERN, SERVER_NAME_PATTERN } from "../lib/naming";
import { FLEXIBLE_SERVER_STORAGE_SIZES_GB, FLEXIBLE_SERVER_VERSIONS, RESERVED_ADMIN_LOGINS } from "../lib/azureRules";
import { MAX_PROXY_INSTANCES } from "../lib/proxyTier";
import { GUID, P2S_AUTHENTICATIONS } from "../lib/entra";
import { asnProblem, DEFAULT_IPSEC_POLICY, ipsecPolicyProblems, siteKeyProblem, type IpsecPolicy } from "../lib/siteToSite";
import type { WorkspaceReference } from "../lib/stackConfig";

function cidr(check?: (block: Ipv4Cidr) => string | undefined) {
    return z.string({ error: "must be a CIDR string like 10.40.0.0/16" }).transform((text, ctx) => {
        const parsed = parseCidr(text);
        const problem = typeof parsed === "string" ? parsed : check?.(parsed);
        if (problem !== undefined) {
            ctx.addIssue({ code: "custom", message: problem });
            return z.NEVER;
        }
        // No problem means parseCidr returned a block.
        return parsed as Ipv4Cidr;
    });
}

function atLeast(prefixLength: number, why: string) {
    return (block: Ipv4Cidr) =>
        block.prefixLength > prefixLength ? `${block.text} is too small: ${why} needs /${prefixLength} or larger` : undefined;
}

const CGNAT = parseCidr("100.64.0.0/10") as Ipv4Cidr;
function privateRange(what: string) {
    return (block: Ipv4Cidr) =>
        isRfc1918(block) || contains(CGNAT, block)
            ? undefined
            : `${block.text} is not a private range: ${what} must lie in 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10`;
}

function uniqueList<T extends z.ZodType<string>>(item: T, what: string) {
    return z.array(item, { error: `must be a list of ${what}` }).superRefine((items, ctx) => {
        const seen = new Set<string>();
        for (const value of items) {
            if (seen.has(value.toLowerCase())) {
                ctx.addIssue({ code: "custom", message: `lists ${value} twice` });
            }
            seen.add(value.toLowerCase());
        }
    });
}

const bool = z.boolean({ error: "must be true or false" });
const int = (min: number, max: number, aboveMax = `must be from ${min} to ${max}`) =>
    // The schema's own message also covers .int(): a fraction is "not a whole number" like a string is.
    z.number({ error: `must be a whole number from ${min} to ${max}` }).int()
        .min(min, `must be from ${min} to ${max}`).max(max, aboveMax);
const name = (pattern: RegExp, rule: string) => z.string({ error: `must be a string (${rule})` }).regex(pattern, `is not valid: ${rule}`);

// Azure's list, plus `postgres` which the engine already owns.
const RESERVED_LOGINS = [...RESERVED_ADMIN_LOGINS, "postgres"];
const RESERVED_DATABASES = ["postgres", "azure_maintenance", "azure_sys", "template0", "template1"];
// Names Azure refuses as a Linux VM admin user; its "1" and "123" are left out because the user
// name pattern already refuses a leading digit.
const RESERVED_VM_USERS = ["administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1", "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john", "owner", "root", "server", "sql", "support", "support_388945a0", "sys", "test2", "test3", "user4", "user5"];

export const STORAGE_SIZES_GB = FLEXIBLE_SERVER_STORAGE_SIZES_GB;
export const POSTGRES_VERSIONS = FLEXIBLE_SERVER_VERSIONS;
export const VPN_SKUS = ["VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"] as const;

export const networkFields = {
    addressSpace: cidr(privateRange("the VNet address space")),
    gatewaySubnet: cidr(atLeast(27, "the VPN gateway subnet (GatewaySubnet)")),
    proxySubnet: cidr(atLeast(29, "an Azure subnet")),
    databaseSubnet: cidr(atLeast(28, "a subnet delegated to Flexible Server")),
    serviceEndpoints: uniqueList(name(/^Microsoft\.[A-Za-z]+(\.[A-Za-z]+)*$/, "a service name like Microsoft.Sql"), "service names"),
};

const allowedIpRange = z.string({ error: "must be an IPv4 address or CIDR string" }).transform((text, ctx) => {
    const block = parseAddressOrCidr(text);
    if (typeof block === "string") {
        ctx.addIssue({ code: "custom", message: block });
        return z.NEVER;
    }
    if (block.prefixLength === 0) {
        ctx.addIssue({ code: "custom", message: `${text} would open the server to the whole Internet` });
        return z.NEVER;
    }
    const reason = nonPublicReason(block);
    if (reason) {
        ctx.addIssue({ code: "custom", message: `${text} touches the ${reason}; the firewall only ever sees public source addresses` });
        return z.NEVER;
    }
    if (block.prefixLength < 24) {
        ctx.addIssue({ code: "custom", message: `${text} is wider than a /24; list the office or CI ranges you need` });
        return z.NEVER;
    }
    return { source: text, block };
});

export const databaseFields = {
    access: z.enum(["vnet", "public"], { error: 'must be "vnet" or "public"' }),
    serverName: name(SERVER_NAME_PATTERN, "3-63 lowercase letters, digits and single hyphens, no hyphen at either end"),
    version: z.union([z.string(), z.number()], { error: "must be a major version" }).transform(String)
        .pipe(z.enum(POSTGRES_VERSIONS, { error: `must be one of ${POSTGRES_VERSIONS.join(", ")}` })),
    skuName: name(/^Standard_[A-Za-z0-9_]+$/, "an Azure compute size like Standard_B1ms or Standard_D2ds_v5"),
    tier: z.enum(["Burstable", "GeneralPurpose", "MemoryOptimized"], { error: "must be Burstable, GeneralPurpose or MemoryOptimized" }),
    storageSizeGB: z.number({ error: "must be a number" }).refine((n) => (STORAGE_SIZES_GB as readonly number[]).includes(n), {
        message: `must be one of ${STORAGE_SIZES_GB.join(", ")} (GiB)`,
    }),
    highAvailability: bool,
    geoRedundantBackup: bool,
    backupRetentionDays: int(7, 35),
    allowedIpRanges: z.array(allowedIpRange, { error: "must be a list of IPv4 addresses or CIDR blocks" }),
    allowAzureServices: bool,
    adminLogin: z.string({ error: "must be a string" })
        .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, "must start with a letter and use only letters, digits and _ (at most 63)")
        .refine((login) => !RESERVED_LOGINS.includes(login.toLowerCase()), { message: "is a reserved name Azure refuses" })
        .refine((login) => !login.toLowerCase().startsWith("pg_"), { message: "may not start with pg_" }),
    databases: uniqueList(
        name(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, "letters, digits, _ and -, at most 63, not starting with a digit")
            .refine((db) => !RESERVED_DATABASES.includes(db.toLowerCase()), { message: "is a system database name" }),
        "database names",
    ),
    tlsMinVersion: z.string({ error: "must be TLSv1.2 or TLSv1.3" }).refine((v) => v === "TLSv1.2" || v === "TLSv1.3", {
        message: "must be TLSv1.2 or TLSv1.3 (TLS 1.0 and 1.1 are refused by Azure)",
    }).transform((v) => v as "TLSv1.2" | "TLSv1.3"),
    passwordRotation: int(1, 1_000_000),
    allowReplace: bool,
    deleteLock: bool,
    entraAdmin: z.object({
        objectId: z.string({ error: "must be the Entra object id (a GUID)" }).regex(GUID, "must be the Entra object id (a GUID)"),
        // Azure matches tokens to the role by object id; the name is what people sign in as.
        principalName: z.string({ error: "must be the group's display name, a user's UPN or an app's display name" })
            .min(1, "must not be empty").max(128, "must be at most 128 characters"),
        principalType: z.enum(["Group", "User", "ServicePrincipal"], { error: 'must be "Group", "User" or "ServicePrincipal"' }).default("Group"),
    }, {
        error: (issue) => (issue.code === "unrecognized_keys"
            ? `has unknown settings: ${issue.keys.join(", ")} (known: objectId, principalName, principalType)`
            : "must be an object { objectId, principalName, principalType }"),
    }).strict(),
    passwordAuth: bool,
    pgbouncer: bool,
};

/** Names that become part of Azure resource names and nginx/NSG rule names. */
const SHORT_NAME = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/;
const SHORT_NAME_RULE = "2-24 lowercase letters, digits and -, starting with a letter";

function ipv4Address(what: string, check?: (block: Ipv4Cidr) => string | undefined) {
    return z.string({ error: `must be ${what}, an IPv4 address` }).superRefine((text, ctx) => {
        const parsed = parseAddressOrCidr(text);
        const problem = typeof parsed === "string" || parsed.prefixLength !== 32 ? `must be ${what}, an IPv4 address like 203.0.113.10` : check?.(parsed);
        if (problem !== undefined) {
            ctx.addIssue({ code: "custom", message: problem });
        }
    });
}

const ipsecPolicy = z.object({
    ikeEncryption: z.string(), ikeIntegrity: z.string(), dhGroup: z.string(),
    ipsecEncryption: z.string(), ipsecIntegrity: z.string(), pfsGroup: z.string(),
    saLifeTimeSeconds: z.number(), saDataSizeKilobytes: z.number(),
}, {
    error: (issue) => (issue.code === "unrecognized_keys"
        ? `has unknown settings: ${issue.keys.join(", ")} (known: ${Object.keys(DEFAULT_IPSEC_POLICY).join(", ")})`
        : "must be an object of IPsec/IKE settings"),
}).partial().strict()
    // Fields left out keep the strong default; Azure takes a policy only whole.
    .transform((given, ctx): IpsecPolicy => {
        const policy = { ...DEFAULT_IPSEC_POLICY, ...given };
        for (const problem of ipsecPolicyProblems(policy)) {
            ctx.addIssue({ code: "custom", message: problem });
        }
        return policy;
    });

const site = z.object({
    name: name(SHORT_NAME, SHORT_NAME_RULE),
    gatewayAddress: ipv4Address("the on-premises VPN device's public address", (block) => {
        const reason = nonPublicReason(block);
        return reason === undefined ? undefined : `${block.text.replace(/\/32$/, "")} is not a public address (${reason}): Azure reaches the device over the Internet`;
    }),
    addressPrefixes: z.array(cidr((block) => (block.prefixLength < 8 ? `${block.text} is wider than /8` : undefined)), { error: "must be a list of CIDR blocks" }).default([]),
    bgp: z.object({
        asn: z.number({ error: "must be a whole number" }).superRefine((asn, ctx) => {
            const problem = asnProblem(asn);
            if (problem !== undefined) {
                ctx.addIssue({ code: "custom", message: problem });
            }
        }),
        peeringAddress: ipv4Address("the device's BGP peering address"),
    }, { error: "must be an object { asn, peeringAddress }" }).strict().optional(),
    ipsecPolicy: ipsecPolicy.default(DEFAULT_IPSEC_POLICY),
}, {
    error: (issue) => (issue.code === "unrecognized_keys"
        ? `has unknown settings: ${issue.keys.join(", ")} (known: name, gatewayAddress, addressPrefixes, bgp, ipsecPolicy)`
        : "must be an object { name, gatewayAddress, addressPrefixes, bgp, ipsecPolicy }"),
}).strict();

const proxyTarget = z.object({
    name: name(SHORT_NAME, SHORT_NAME_RULE).refine((n) => n !== "postgres" && n !== "pgbouncer", { message: "is the name of the stack's own server's entry" }),
    host: name(FQDN_PATTERN, "a fully qualified host name like psql-other.postgres.database.azure.com"),
    port: int(1, 65535),
    listenPort: int(1024, 65535, "must be from 1024 to 65535"),
}, {
    error: (issue) => (issue.code === "unrecognized_keys"
        ? `has unknown settings: ${issue.keys.join(", ")} (known: name, host, port, listenPort)`
        : "must be an object { name, host, port, listenPort }"),
}).strict();

function uniqueNames<T extends { name: string }>(item: z.ZodType<T>, what: string) {
    return z.array(item, { error: `must be a list of ${what}` }).superRefine((items, ctx) => {
        const seen = new Set<string>();
        for (const entry of items) {
            if (seen.has(entry.name)) {
                ctx.addIssue({ code: "custom", message: `names ${entry.name} twice` });
            }
            seen.add(entry.name);
        }
    });
}

export const vpnFields = {
    clientAddressPool: cidr((block) => atLeast(29, "the P2S client address pool")(block) ?? privateRange("the VPN client pool")(block)),
    sku: z.string({ error: "must be a VPN gateway SKU" }).superRefine((sku, ctx) => {
        if (sku === "Basic") {
            ctx.addIssue({ code: "custom", message: "Basic is not allowed: it has no OpenVPN, IKEv2 or Entra ID and needs a retired Basic public IP" });
        } else if (/^VpnGw[1-5]$/.test(sku)) {
            ctx.addIssue({ code: "custom", message: `${sku} is a non-zonal SKU that Azure no longer creates (retired 2026); use ${sku}AZ` });
        } else if (!(VPN_SKUS as readonly string[]).includes(sku)) {
            ctx.addIssue({ code: "custom", message: `must be one of ${VPN_SKUS.join(", ")}` });
        }
    }).transform((sku) => sku as (typeof VPN_SKUS)[number]),
    clients: uniqueList(name(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and -, at most 63"), "client names"),
    rootCertificates: uniqueList(name(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and -, at most 63"), "root certificate names")
        .refine((roots) => roots.length >= 1 && roots.length <= 20, { message: "must list 1 to 20 roots (Azure's limit is 20)" }),
    clientCertificateValidityDays: int(1, 3650),
    authentication: z.enum(P2S_AUTHENTICATIONS, { error: 'must be "certificate", "entra" or "both"' }),
    entraAudience: z.string({ error: "must be an app id (a GUID)" }).regex(GUID, "must be an app id (a GUID)"),
    sites: uniqueNames(site, "sites { name, gatewayAddress, addressPrefixes, bgp, ipsecPolicy }"),
    // Secret config: only custom issues, which the collector never follows with the value.
    siteKeys: z.unknown().transform((value, ctx): Record<string, string> => {
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            ctx.addIssue({ code: "custom", message: "must be an object { <site name>: <pre-shared key> }" });
            return z.NEVER;
        }
        for (const [site, key] of Object.entries(value)) {
            const problem = typeof key === "string" ? siteKeyProblem(key) : "must be a string";
            if (problem !== undefined) {
                ctx.addIssue({ code: "custom", message: problem, path: [site] });
            }
        }
        return value as Record<string, string>;
    }),
    activeActive: bool,
};

export const proxyFields = {
    instances: int(1, MAX_PROXY_INSTANCES, `must be from 1 to ${MAX_PROXY_INSTANCES}: one proxy per availability zone, so that Azure never patches or maintains two at once`),
    vmSize: name(/^Standard_[A-Za-z0-9_]+$/, "an Azure VM size like Standard_B2ats_v2"),
    port: int(1, 65535).refine((p) => p !== 22, { message: "may not be 22, which SSH uses on the proxy" }),
    adminUsername: name(/^[a-z_][a-z0-9_-]{0,31}$/, "a Linux user name: lowercase letters, digits, _ and -, at most 32")
        .refine((u) => !RESERVED_VM_USERS.includes(u), { message: "is a user name Azure refuses for Linux VMs" }),
    sshPublicKey: z.string({ error: "must be an OpenSSH public key" })
        .regex(/^(ssh-rsa|ssh-ed25519) [A-Za-z0-9+/]+={0,2}( [^\n]*)?$/, "must be one OpenSSH ssh-rsa or ssh-ed25519 public key line"),
    idleTimeoutSeconds: int(1, 7 * 24 * 3600),
    connectTimeoutSeconds: int(1, 60),
    resolverValidSeconds: int(1, 300),
    keepaliveIdleSeconds: int(1, 239, "must be below 240 s, the idle time after which Azure drops a TCP flow"),
    keepaliveIntervalSeconds: int(1, 120),
    keepaliveProbes: int(1, 20),
    targets: uniqueNames(proxyTarget, "targets { name, host, port, listenPort }"),
};

/** A Log Analytics workspace's resource id; Azure returns its segments in varying case. */
export const WORKSPACE_ID = /^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([-\w._()]{1,90})\/providers\/Microsoft\.OperationalInsights\/workspaces\/([A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9])$/i;

export const monitoringFields = {
    diagnostics: bool,
    workspaceId: z.string({ error: "must be a Log Analytics workspace resource id" })
        .regex(WORKSPACE_ID, "must be a Log Analytics workspace resource id: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>")
        .transform((id): WorkspaceReference => {
            const [, subscriptionId, resourceGroupName, workspaceName] = WORKSPACE_ID.exec(id) as unknown as [string, string, string, string];
            return { id, subscriptionId, resourceGroupName, workspaceName };
        }),
    // Azure's range for a PerGB2018 workspace; the first 31 days are included in the ingestion price.
    retentionInDays: int(30, 730),
    alertEmails: uniqueList(z.email({ error: "must be an email address" }), "email addresses"),
};

export const topLevelFields = {
    location: z.string({ error: "must be an Azure region name" }).regex(/^[a-z][a-z0-9]+$/, "must be an Azure region name like westeurope (lowercase, no spaces)"),
    environment: z.enum(["dev", "prod"], { error: 'must be "dev" or "prod"' }),
    protect: bool,
    entraTenantId: z.string({ error: "must be a tenant id (a GUID)" }).regex(GUID, "must be a tenant id (a GUID)"),
};

export type FieldSchemas = Record<string, z.ZodType>;
