/**
 * The securepg policies, as CrossGuard policy objects. Each one calls a plain function from
 * `rules.ts`. The pack itself is constructed only in `index.ts`: importing this module starts
 * nothing, so tests can call `validateResource`/`validateStack` directly.
 */
import type { Resource } from "@pulumi/pulumi";
import type {
    EnforcementLevel, PolicyConfigSchema, PolicyResource, ReportViolation, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy,
    StackValidation, StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";
import { VirtualMachine } from "@pulumi/azure-native/compute";
import { Configuration, FirewallRule, Server } from "@pulumi/azure-native/dbforpostgresql";
import { NetworkInterface, NetworkSecurityGroup, PublicIPAddress, SecurityRule, VirtualNetworkGateway, VirtualNetworkGatewayConnection } from "@pulumi/azure-native/network";
import { isKind, snapshotProps, type Props } from "./props";
import {
    checkAllowAzureServicesRule, checkBackupRetention, checkFirewallRule, checkGatewaySku, checkLinuxPasswordAuth,
    checkNetworkInterfacePublicIp, checkNetworkSecurityGroup, checkPublicIpSku, checkSecrets,
    checkSecurityRule, checkServerParameter, checkServerPublicAccess, checkServerResilience, checkVirtualMachinePublicIp,
    checkVpnClientAuth, checkVpnClientPools, checkVpnGatewayPublicIps, environmentOf, isProduction,
    checkLogRetention, checkPasswordlessHasEntraAdmin, checkProdDiagnostics, checkSiteConnection,
    type Finding, type StackResource,
} from "./rules";
import {
    DEFAULT_ALLOWED_GATEWAY_SKUS, DEFAULT_PROTECTED_PORTS, DEFAULT_RETENTION_FLOOR_DAYS, DEFAULT_WIDEST_PREFIX_LENGTH, firewallConfigSchema,
    gatewaySkuConfigSchema, integerSetting, listSetting, portsConfigSchema, retentionConfigSchema, unknownKeys, unknownKeysMessage,
} from "./config";
import { checkAzureRequests } from "../lib/azureRules";

type ResourceClass = new (name: string, args: never, ...rest: never[]) => Resource;

/** The type token a resource class registers (`azure-native:dbforpostgresql:Server`). */
export function typeTokenOf(resourceClass: ResourceClass): string {
    const token = (resourceClass as unknown as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token !== "string") {
        throw new Error(`${resourceClass.name} has no __pulumiType`);
    }
    return token;
}

/**
 * Like `validateResourceOfType`, also for the class's API-version-pinned variants
 * (`azure-native:network/v20240301:NetworkSecurityGroup`). The rule gets a plain copy of the inputs
 * in which values unknown during preview are `UNKNOWN` instead of throwing.
 */
function forResources(resourceClass: ResourceClass, check: (props: Props, args: ResourceValidationArgs) => string[], configured?: Configured): ResourceValidation {
    const token = typeTokenOf(resourceClass);
    return (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!isKind(args.type, token)) {
            args.notApplicable(`applies only to ${token}`);
        }
        for (const message of [...configProblems(configured, args), ...check(snapshotProps(args.props), args)]) {
            reportViolation(message);
        }
    };
}

/** A configurable policy: its name and schema, to check its configuration for keys it does not know. */
interface Configured {
    readonly name: string;
    readonly schema: PolicyConfigSchema;
}

function configProblems(configured: Configured | undefined, args: { getConfig<T extends object>(): T }): string[] {
    if (configured === undefined) {
        return [];
    }
    const unknown = unknownKeys(configured.schema, args.getConfig<object>());
    return unknown.length > 0 ? [unknownKeysMessage(configured.name, configured.schema, unknown)] : [];
}

const settings = (args: { getConfig<T extends object>(): T }): Record<string, unknown> => args.getConfig<Record<string, unknown>>();

/** CrossGuard's view of a stack resource as the plain data the stack-level rules take. */
export function stackResourceOf(resource: PolicyResource): StackResource {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, dependencies] of Object.entries(resource.propertyDependencies ?? {})) {
        propertyDependencies[key] = dependencies.map((d) => d.urn);
    }
    return {
        type: resource.type,
        name: resource.name,
        urn: resource.urn,
        props: snapshotProps(resource.props),
        dependencies: (resource.dependencies ?? []).map((d) => d.urn),
        propertyDependencies,
        additionalSecretOutputs: resource.opts?.additionalSecretOutputs ?? [],
    };
}

function forStack(check: (resources: StackResource[], args: StackValidationArgs) => Finding[], configured?: Configured): StackValidation {
    return (args: StackValidationArgs, reportViolation: ReportViolation) => {
        for (const message of configProblems(configured, args)) {
            reportViolation(message);
        }
        for (const finding of check(args.resources.map(stackResourceOf), args)) {
            reportViolation(finding.message, finding.urn);
        }
    };
}

const mandatory: EnforcementLevel = "mandatory";
const advisory: EnforcementLevel = "advisory";

// ------------------------------------------------------------------------------------------------
// PostgreSQL
// ------------------------------------------------------------------------------------------------

export const postgresTlsRequired: ResourceValidationPolicy = {
    name: "postgres-tls-required",
    description: "PostgreSQL server parameters keep TLS mandatory: require_secure_transport on, ssl_min_protocol_version TLSv1.2 or later.",
    enforcementLevel: mandatory,
    severity: "high",
    validateResource: forResources(Configuration, checkServerParameter),
};

const FIREWALL_POLICY = "postgres-firewall-no-open-ranges";

export const postgresFirewallNoOpenRanges: ResourceValidationPolicy = {
    name: FIREWALL_POLICY,
    description: "No PostgreSQL firewall rule 0.0.0.0-255.255.255.255, and none wider than a /24 of public address space (widestPrefixLength).",
    enforcementLevel: mandatory,
    severity: "critical",
    configSchema: firewallConfigSchema,
    validateResource: forResources(FirewallRule, (props, args) =>
        checkFirewallRule(props, integerSetting(settings(args), "widestPrefixLength", DEFAULT_WIDEST_PREFIX_LENGTH)),
    { name: FIREWALL_POLICY, schema: firewallConfigSchema }),
};

export const postgresFirewallAllowAzureServices: ResourceValidationPolicy = {
    name: "postgres-firewall-allow-azure-services",
    description: "Flags the 0.0.0.0 firewall rule (every Azure service of every tenant); expected only on stacks with allowAzureServices: true.",
    enforcementLevel: advisory,
    severity: "medium",
    validateResource: forResources(FirewallRule, checkAllowAzureServicesRule),
};

export const postgresVnetNoPublicAccess: ResourceValidationPolicy = {
    name: "postgres-vnet-no-public-access",
    description: "A VNet-integrated PostgreSQL server (delegated subnet) has publicNetworkAccess Disabled.",
    enforcementLevel: mandatory,
    severity: "critical",
    validateResource: forResources(Server, checkServerPublicAccess),
};

export const postgresBackupRetention: ResourceValidationPolicy = {
    name: "postgres-backup-retention",
    description: "PostgreSQL backups are kept at least 7 days.",
    enforcementLevel: mandatory,
    severity: "medium",
    validateResource: forResources(Server, checkBackupRetention),
};

export const postgresProdResilience: ResourceValidationPolicy = {
    name: "postgres-prod-resilience",
    description: "Production PostgreSQL servers (tag environment=prod, or no environment tag) have geo-redundant backups and high availability.",
    enforcementLevel: mandatory,
    severity: "high",
    validateResource: forResources(Server, (props) => (isProduction(environmentOf(props)) ? checkServerResilience(props) : [])),
};

export const postgresDevResilience: ResourceValidationPolicy = {
    name: "postgres-dev-resilience",
    description: "Non-production PostgreSQL servers without geo-redundant backups or high availability are reported (advisory).",
    enforcementLevel: advisory,
    severity: "low",
    validateResource: forResources(Server, (props) => (isProduction(environmentOf(props)) ? [] : checkServerResilience(props))),
};

// ------------------------------------------------------------------------------------------------
// Network
// ------------------------------------------------------------------------------------------------

const NSG_POLICY = "nsg-no-internet-to-ssh-or-postgres";
const isPort = (item: unknown): item is number => Number.isInteger(item);
const protectedPorts = (args: ResourceValidationArgs) => listSetting(settings(args), "ports", isPort, DEFAULT_PROTECTED_PORTS);

export const nsgNoInternetToSshOrPostgres: ResourceValidationPolicy = {
    name: NSG_POLICY,
    description: "No NSG rule allows the Internet (*, Any, Internet, 0.0.0.0/0, ::/0, public /8 or wider) inbound to SSH (22) or PostgreSQL (5432) (ports).",
    enforcementLevel: mandatory,
    severity: "critical",
    configSchema: portsConfigSchema,
    validateResource: [
        forResources(NetworkSecurityGroup, (props, args) => checkNetworkSecurityGroup(props, protectedPorts(args)), { name: NSG_POLICY, schema: portsConfigSchema }),
        forResources(SecurityRule, (props, args) => checkSecurityRule(props, protectedPorts(args)), { name: NSG_POLICY, schema: portsConfigSchema }),
    ],
};

export const proxyVmNoPublicIp: ResourceValidationPolicy = {
    name: "proxy-vm-no-public-ip",
    description: "No network interface or VM-defined NIC has a public IP: the proxy VM is reached over the VPN and leaves through the NAT gateway.",
    enforcementLevel: mandatory,
    severity: "high",
    validateResource: [
        forResources(NetworkInterface, checkNetworkInterfacePublicIp),
        forResources(VirtualMachine, checkVirtualMachinePublicIp),
    ],
};

export const linuxVmNoPasswordAuth: ResourceValidationPolicy = {
    name: "linux-vm-no-password-auth",
    description: "Linux VMs disable password authentication and set no admin password (SSH keys only).",
    enforcementLevel: mandatory,
    severity: "high",
    validateResource: forResources(VirtualMachine, checkLinuxPasswordAuth),
};

export const publicIpNoBasicSku: ResourceValidationPolicy = {
    name: "public-ip-no-basic-sku",
    description: "Public IPs are Standard SKU, set explicitly (Basic was retired on 2025-09-30).",
    enforcementLevel: mandatory,
    severity: "medium",
    validateResource: forResources(PublicIPAddress, checkPublicIpSku),
};

// ------------------------------------------------------------------------------------------------
// VPN
// ------------------------------------------------------------------------------------------------

const GATEWAY_SKU_POLICY = "vpn-gateway-no-basic-sku";
const isString = (item: unknown): item is string => typeof item === "string";

export const vpnGatewayNoBasicSku: ResourceValidationPolicy = {
    name: GATEWAY_SKU_POLICY,
    description: "VPN gateways do not use the Basic SKU (no OpenVPN, IKEv2 or Entra ID; needs a retired Basic public IP), and use one of the allowed SKUs (allowedSkus).",
    enforcementLevel: mandatory,
    severity: "high",
    configSchema: gatewaySkuConfigSchema,
    validateResource: forResources(VirtualNetworkGateway, (props, args) =>
        checkGatewaySku(props, listSetting(settings(args), "allowedSkus", isString, DEFAULT_ALLOWED_GATEWAY_SKUS)),
    { name: GATEWAY_SKU_POLICY, schema: gatewaySkuConfigSchema }),
};

export const vpnAuthCertificateOrEntra: ResourceValidationPolicy = {
    name: "vpn-auth-certificate-or-entra",
    description: "Point-to-Site clients authenticate with certificates or Microsoft Entra ID only (no RADIUS).",
    enforcementLevel: mandatory,
    severity: "high",
    validateResource: forResources(VirtualNetworkGateway, checkVpnClientAuth),
};

export const siteConnectionStrongIpsec: ResourceValidationPolicy = {
    name: "site-connection-strong-ipsec",
    description: "Site-to-site connections use IKEv2 and one IPsec/IKE policy at least as strong as securepg's default (AES-256, SHA-256, DH group 14, AES-256-GCM, PFS 2048); their keys are secrets (secrets-stay-secret).",
    enforcementLevel: mandatory,
    severity: "high",
    validateResource: forResources(VirtualNetworkGatewayConnection, checkSiteConnection),
};

export const vpnPublicIpZoneRedundant: StackValidationPolicy = {
    name: "vpn-public-ip-zone-redundant",
    description: "Every public IP a VPN gateway uses (found through the gateway's dependencies and ipConfigurations) is Standard, static and zone-redundant (zoneless in a region without availability zones).",
    enforcementLevel: mandatory,
    severity: "medium",
    validateStack: forStack(checkVpnGatewayPublicIps),
};

export const vpnClientPoolNoVnetOverlap: StackValidationPolicy = {
    name: "vpn-client-pool-no-vnet-overlap",
    description: "The Point-to-Site client address pool overlaps no VNet address space in the stack.",
    enforcementLevel: mandatory,
    severity: "medium",
    validateStack: forStack(checkVpnClientPools),
};

// ------------------------------------------------------------------------------------------------
// Identity and audit
// ------------------------------------------------------------------------------------------------

export const prodDiagnosticsOn: StackValidationPolicy = {
    name: "prod-diagnostics-on",
    description: "Production PostgreSQL servers and VPN gateways send their connection logs (PostgreSQLLogs, P2SDiagnosticLog) to a Log Analytics workspace.",
    enforcementLevel: mandatory,
    severity: "high",
    validateStack: forStack(checkProdDiagnostics),
};

export const postgresPasswordlessHasEntraAdmin: StackValidationPolicy = {
    name: "postgres-passwordless-has-entra-admin",
    description: "A PostgreSQL server with password authentication off has Microsoft Entra authentication on and an Entra administrator in the stack.",
    enforcementLevel: mandatory,
    severity: "critical",
    validateStack: forStack(checkPasswordlessHasEntraAdmin),
};

const RETENTION_POLICY = "log-retention-floor";

export const logRetentionFloor: StackValidationPolicy = {
    name: RETENTION_POLICY,
    description: "In production, Log Analytics workspaces and tables the stack manages keep logs at least the floor (90 days unless configured: floorDays).",
    enforcementLevel: mandatory,
    severity: "medium",
    configSchema: retentionConfigSchema,
    validateStack: forStack((resources, args) => checkLogRetention(resources, integerSetting(settings(args), "floorDays", DEFAULT_RETENTION_FLOOR_DAYS)),
        { name: RETENTION_POLICY, schema: retentionConfigSchema }),
};

// ------------------------------------------------------------------------------------------------
// Secrets
// ------------------------------------------------------------------------------------------------

export const secretsStaySecret: StackValidationPolicy = {
    name: "secrets-stay-secret",
    description: "Known sensitive outputs are declared additionalSecretOutputs, and passwords and private keys appear only under names that say they are credentials (never in tags, names or other stack outputs). Whether a value is a secret is invisible to a policy pack.",
    enforcementLevel: mandatory,
    severity: "critical",
    validateStack: forStack(checkSecrets),
};

// ------------------------------------------------------------------------------------------------
// What Azure refuses although the types accept it
// ------------------------------------------------------------------------------------------------

export const azureRequestRules: StackValidationPolicy = {
    name: "azure-request-rules",
    description: "Every Azure resource passes the restrictions Azure enforces that the azure-native types accept (lib/azureRules.ts: NSG field forms, names, zones versus region, SKU combinations, delete-first replacement of fixed names, ...), so a deployment does not fail halfway.",
    enforcementLevel: mandatory,
    severity: "high",
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        const resources = args.resources.map((r) => ({
            type: r.type, name: r.name, urn: r.urn, inputs: snapshotProps(r.props), deleteBeforeReplace: r.opts?.deleteBeforeReplace,
        }));
        for (const violation of checkAzureRequests(resources)) {
            reportViolation(`${violation.rule}: ${violation.resource}: ${violation.message}`, violation.urn);
        }
    },
};

export const resourcePolicies: ResourceValidationPolicy[] = [
    postgresTlsRequired, postgresFirewallNoOpenRanges, postgresFirewallAllowAzureServices, postgresVnetNoPublicAccess,
    postgresBackupRetention, postgresProdResilience, postgresDevResilience,
    nsgNoInternetToSshOrPostgres, proxyVmNoPublicIp, linuxVmNoPasswordAuth, publicIpNoBasicSku,
    vpnGatewayNoBasicSku, vpnAuthCertificateOrEntra, siteConnectionStrongIpsec,
];

export const stackPolicies: StackValidationPolicy[] = [
    vpnPublicIpZoneRedundant, vpnClientPoolNoVnetOverlap, prodDiagnosticsOn, postgresPasswordlessHasEntraAdmin, logRetentionFloor,
    secretsStaySecret, azureRequestRules,
];

/** Everything the pack enforces, in the order it reports. */
export const policies: Array<ResourceValidationPolicy | StackValidationPolicy> = [...resourcePolicies, ...stackPolicies];
