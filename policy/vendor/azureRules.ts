/**
 * What Azure refuses although the azure-native types and Pulumi's mocks accept it: one rule per
 * documented restriction, each citing where Azure documents it. Every resource the program
 * registers must pass them (see test/azureRules.test.ts, which also breaks each rule on purpose).
 *
 * Rules read plain request data (the inputs the provider would send, plus the resource options
 * that decide how a replacement is carried out). A value that is not known yet (during preview) is
 * never a violation: rules only judge strings, numbers and lists they can read.
 */
import { overlaps, parseCidr, type Ipv4Cidr } from "./cidr";
import { FIREWALL_RULE_NAME_PATTERN } from "./firewall";
import { GENERATION_SKUS, type GatewayGeneration } from "./lifecycle";
import { NAME_LIMITS, POSTGRES_PUBLIC_DNS_SUFFIX } from "./naming";
import { GENERATION_NAME } from "./proxyTier";
import { asnProblem, gcmMismatch, IPSEC_POLICY_VALUES, MIN_SA_DATA_SIZE_KILOBYTES, MIN_SA_LIFETIME_SECONDS } from "./siteToSite";
import { POSTGRES_NO_ZONE_REDUNDANT_HA, regionZones } from "./regions";

export interface RequestResource {
    /** Type token, e.g. `azure-native:network:NetworkSecurityGroup` (API-version modules allowed). */
    readonly type: string;
    /** Pulumi's logical name, for messages. */
    readonly name: string;
    /** The resource's URN, when known (policy violations point at it). */
    readonly urn?: string;
    /** Inputs as the provider receives them, secrets unwrapped. */
    readonly inputs: Record<string, unknown>;
    /** Undefined when not known (a policy engine that does not say): the replacement rule then skips it. */
    readonly deleteBeforeReplace?: boolean;
}

export interface RuleContext {
    /** Every resource of the deployment, for rules that look across resources. */
    readonly resources: readonly RequestResource[];
}

export interface AzureRule {
    readonly id: string;
    /** What Azure enforces, in one sentence. */
    readonly description: string;
    /** Where Azure documents it (Microsoft Learn, the REST API spec, an issue with a maintainer's answer). */
    readonly source: string;
    /** Resource kinds the rule reads; `*` for all. */
    readonly appliesTo: readonly string[] | "*";
    check(resource: RequestResource, context: RuleContext): string[];
}

export interface Violation {
    readonly rule: string;
    /** `<kind> <logical name>`, for messages. */
    readonly resource: string;
    readonly urn: string | undefined;
    readonly message: string;
}

// ------------------------------------------------------------------------------------------------
// Reading plain request data
// ------------------------------------------------------------------------------------------------

type Data = Record<string, unknown>;
/** An object's named fields; anything else (a list included, whose fields are never read) reads as empty. */
const obj = (v: unknown): Data => (v !== null && typeof v === "object" ? (v as Data) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** `azure-native:network/v20240301:Subnet` → `azure-native:network:Subnet`. */
export function kindOf(type: string): string {
    return type.replace(/^(azure-native:[A-Za-z0-9]+)\/v\d{8}(?:preview)?:/, "$1:");
}

const K = {
    resourceGroup: "azure-native:resources:ResourceGroup",
    vnet: "azure-native:network:VirtualNetwork",
    subnet: "azure-native:network:Subnet",
    nsg: "azure-native:network:NetworkSecurityGroup",
    securityRule: "azure-native:network:SecurityRule",
    nat: "azure-native:network:NatGateway",
    pip: "azure-native:network:PublicIPAddress",
    gateway: "azure-native:network:VirtualNetworkGateway",
    localGateway: "azure-native:network:LocalNetworkGateway",
    connection: "azure-native:network:VirtualNetworkGatewayConnection",
    configuration: "azure-native:dbforpostgresql:Configuration",
    nic: "azure-native:network:NetworkInterface",
    loadBalancer: "azure-native:network:LoadBalancer",
    availabilitySet: "azure-native:compute:AvailabilitySet",
    runCommand: "azure-native:compute:VirtualMachineRunCommandByVirtualMachine",
    zone: "azure-native:privatedns:PrivateZone",
    zoneLink: "azure-native:privatedns:VirtualNetworkLink",
    vm: "azure-native:compute:VirtualMachine",
    server: "azure-native:dbforpostgresql:Server",
    firewallRule: "azure-native:dbforpostgresql:FirewallRule",
    database: "azure-native:dbforpostgresql:Database",
    lock: "azure-native:authorization:ManagementLockByScope",
    entraAdmin: "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra",
    diagnosticSetting: "azure-native:monitor:DiagnosticSetting",
    workspace: "azure-native:operationalinsights:Workspace",
    workspaceTable: "azure-native:operationalinsights:Table",
    dataCollectionRule: "azure-native:monitor:DataCollectionRule",
    metricAlert: "azure-native:monitor:MetricAlert",
    actionGroup: "azure-native:monitor:ActionGroup",
} as const;

/** The last segment of an ARM id (or of the mocks' stand-in ids): the referenced resource's name. */
const lastSegment = (id: unknown) => str(id)?.split("/").pop();

function referenced(context: RuleContext, kind: string, id: unknown, nameField: string): RequestResource | undefined {
    const name = lastSegment(id);
    return name === undefined ? undefined : context.resources.find((r) => kindOf(r.type) === kind && r.inputs[nameField] === name);
}

function locationOf(resource: RequestResource, context: RuleContext): string | undefined {
    const own = str(resource.inputs.location);
    if (own && own.toLowerCase() !== "global") {
        return own;
    }
    // Child resources (subnets, databases) live where their resource group does.
    return str(context.resources.find((r) => kindOf(r.type) === K.resourceGroup)?.inputs.location);
}

// ------------------------------------------------------------------------------------------------
// Names
// ------------------------------------------------------------------------------------------------

interface NameLimits {
    readonly min: number;
    readonly max: number;
    readonly pattern: RegExp;
    readonly rule: string;
}

interface NameRule extends NameLimits {
    /** The input that holds the Azure name. */
    readonly field: string;
}

/** Letters, digits, `_`, `.`, `-`; starting with a letter or digit, ending with one or `_`. */
const NETWORK_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const NETWORK_NAME_RULE = "letters, digits, _ . -, starting with a letter or digit and ending with a letter, digit or _";

const NAME_RULES: Record<string, NameRule> = {
    [K.resourceGroup]: { field: "resourceGroupName", min: 1, max: NAME_LIMITS.resourceGroup, pattern: /^[-\w.()]*[-\w()]$/, rule: "letters, digits, _ . - ( ), not ending with ." },
    [K.vnet]: { field: "virtualNetworkName", min: 2, max: NAME_LIMITS.virtualNetwork, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.subnet]: { field: "subnetName", min: 1, max: NAME_LIMITS.subnet, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.nsg]: { field: "networkSecurityGroupName", min: 1, max: NAME_LIMITS.networkSecurityGroup, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.nat]: { field: "natGatewayName", min: 1, max: NAME_LIMITS.natGateway, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.pip]: { field: "publicIpAddressName", min: 1, max: NAME_LIMITS.publicIp, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.gateway]: { field: "virtualNetworkGatewayName", min: 1, max: NAME_LIMITS.virtualNetworkGateway, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.localGateway]: { field: "localNetworkGatewayName", min: 1, max: NAME_LIMITS.localNetworkGateway, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.connection]: { field: "virtualNetworkGatewayConnectionName", min: 1, max: NAME_LIMITS.connection, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.nic]: { field: "networkInterfaceName", min: 1, max: NAME_LIMITS.networkInterface, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.loadBalancer]: { field: "loadBalancerName", min: 1, max: NAME_LIMITS.loadBalancer, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.availabilitySet]: { field: "availabilitySetName", min: 1, max: NAME_LIMITS.availabilitySet, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.zoneLink]: { field: "virtualNetworkLinkName", min: 1, max: NAME_LIMITS.virtualNetworkLink, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE },
    [K.vm]: { field: "vmName", min: 1, max: NAME_LIMITS.linuxVirtualMachine, pattern: /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, rule: "letters, digits, . and -, not starting with _ nor ending with . or -" },
    // REST API 2025-08-01 (the version azure-native 3.x uses) and the Azure CLI.
    [K.server]: { field: "serverName", min: 3, max: NAME_LIMITS.flexibleServer, pattern: /^[a-z0-9]+(?:-[a-z0-9]+)*$/, rule: "lowercase letters, digits and single hyphens, not at either end" },
    [K.firewallRule]: { field: "firewallRuleName", min: 1, max: 80, pattern: FIREWALL_RULE_NAME_PATTERN, rule: "letters, digits, - and _ (no periods), not ending with -" },
    [K.database]: { field: "databaseName", min: 1, max: 63, pattern: /^[a-zA-Z_][\w-]{0,62}$/, rule: "letters, digits, _ and -, starting with a letter or _" },
    [K.lock]: { field: "lockName", min: 1, max: 90, pattern: /^[^<>*%&:\\?+/]*[^<>*%&:\\?+/. ]$/, rule: "no < > * % & : \\ ? + /, not ending with . or a space" },
};

function checkName(value: unknown, rule: NameLimits, what: string): string[] {
    const name = str(value);
    if (name === undefined) {
        return [];
    }
    const problems: string[] = [];
    if (name.length < rule.min || name.length > rule.max) {
        problems.push(`${what} ${JSON.stringify(name)} is ${name.length} characters; Azure allows ${rule.min}-${rule.max}`);
    }
    if (!rule.pattern.test(name)) {
        problems.push(`${what} ${JSON.stringify(name)} breaks Azure's naming rule: ${rule.rule}`);
    }
    return problems;
}

function checkResourceNames(resource: RequestResource): string[] {
    const kind = kindOf(resource.type);
    const problems: string[] = [];
    const rule = NAME_RULES[kind];
    if (rule) {
        problems.push(...checkName(resource.inputs[rule.field], rule, rule.field));
    }
    if (kind === K.vm) {
        const os = obj(resource.inputs.osProfile);
        problems.push(...checkName(os.computerName, { min: 1, max: NAME_LIMITS.linuxVirtualMachine, pattern: /^(?![0-9]+$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, rule: "a host name: letters, digits and -, not only digits" }, "osProfile.computerName"));
        problems.push(...checkName(obj(obj(resource.inputs.storageProfile).osDisk).name, { min: 1, max: NAME_LIMITS.disk, pattern: NETWORK_NAME, rule: NETWORK_NAME_RULE }, "storageProfile.osDisk.name"));
    }
    if (kind === K.zone) {
        const zone = str(resource.inputs.privateZoneName);
        if (zone !== undefined) {
            const labels = zone.split(".");
            if (zone.length > 253 || labels.length < 2 || labels.some((l) => l.length > NAME_LIMITS.dnsLabel || !/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(l))) {
                problems.push(`privateZoneName ${JSON.stringify(zone)} is not a DNS name of labels of 1-63 letters, digits and hyphens (253 at most)`);
            }
        }
    }
    return problems;
}

// ------------------------------------------------------------------------------------------------
// NSG rules
// ------------------------------------------------------------------------------------------------

const RULE_FIELDS = [
    ["sourceAddressPrefix", "sourceAddressPrefixes"],
    ["destinationAddressPrefix", "destinationAddressPrefixes"],
    ["sourcePortRange", "sourcePortRanges"],
    ["destinationPortRange", "destinationPortRanges"],
] as const;

/** The rules of an NSG, or a standalone rule; an NSG's rule not known yet (preview) has no name and is skipped. */
function securityRulesOf(resource: RequestResource): Data[] {
    return kindOf(resource.type) === K.nsg
        ? arr(resource.inputs.securityRules).map(obj).filter((r) => typeof r.name === "string")
        : [resource.inputs];
}

function checkRuleFieldForms(r: Data): string[] {
    const label = `security rule ${str(r.name) ?? "(unnamed)"}`;
    const problems: string[] = [];
    for (const [singular, plural] of RULE_FIELDS) {
        const one = r[singular];
        const many = r[plural];
        const hasOne = typeof one === "string" && one !== "";
        const hasMany = Array.isArray(many) && many.length > 0;
        if (hasOne && hasMany) {
            problems.push(`${label} sets both ${singular} and ${plural}; Azure takes one or the other`);
        }
        if (one === undefined && many === undefined) {
            problems.push(`${label} sets neither ${singular} nor ${plural}`);
        }
        if (Array.isArray(many) && many.includes("*")) {
            problems.push(`${label} lists "*" in ${plural}; Azure accepts "*" only in ${singular} (SecurityRuleInvalidPortRange / invalid prefix)`);
        }
    }
    return problems;
}

function checkRuleLimits(rules: Data[]): string[] {
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const r of rules) {
        const name = str(r.name) ?? "(unnamed)";
        const priority = num(r.priority);
        if (priority !== undefined && (!Number.isInteger(priority) || priority < 100 || priority > 4096)) {
            problems.push(`security rule ${name} has priority ${priority}; Azure allows 100-4096`);
        }
        const direction = str(r.direction);
        if (priority !== undefined && direction !== undefined) {
            const key = `${direction}/${priority}`;
            if (seen.has(key)) {
                problems.push(`security rules ${seen.get(key)} and ${name} share ${direction} priority ${priority}; Azure requires unique priorities per direction`);
            }
            seen.set(key, name);
        }
        if (str(r.name) !== undefined && (name.length > 80 || !/^\w(?:[\w.-]*\w)?$/.test(name))) {
            problems.push(`security rule name ${JSON.stringify(name)}: Azure allows up to 80 word characters, . and -, starting and ending with a word character`);
        }
        const description = str(r.description);
        if (description !== undefined && description.length > 140) {
            problems.push(`security rule ${name} has a description of ${description.length} characters; Azure allows 140`);
        }
    }
    return problems;
}

// ------------------------------------------------------------------------------------------------
// Zones
// ------------------------------------------------------------------------------------------------

function checkZones(resource: RequestResource, context: RuleContext): string[] {
    const location = locationOf(resource, context);
    if (!location) {
        return [];
    }
    const zonal = regionZones(location) === "zones";
    const kind = kindOf(resource.type);
    const problems: string[] = [];
    const zones = arr(resource.inputs.zones);
    if (!zonal && zones.length > 0) {
        problems.push(`zones ${JSON.stringify(zones)} in ${location}, a region without availability zones (LocationNotSupportAvailabilityZones)`);
    }
    if (kind === K.server) {
        const mode = str(obj(resource.inputs.highAvailability).mode);
        if (mode === "ZoneRedundant" && (!zonal || POSTGRES_NO_ZONE_REDUNDANT_HA.includes(location))) {
            problems.push(`highAvailability.mode ZoneRedundant in ${location}, where Flexible Server offers only SameZone HA`);
        }
        const zone = str(resource.inputs.availabilityZone);
        if (!zonal && zone) {
            problems.push(`availabilityZone ${zone} in ${location}, a region without availability zones`);
        }
    }
    for (const frontend of kind === K.loadBalancer ? arr(resource.inputs.frontendIPConfigurations).map(obj) : []) {
        const frontendZones = arr(frontend.zones);
        if (!zonal && frontendZones.length > 0) {
            problems.push(`frontend ${str(frontend.name) ?? "(unnamed)"} has zones ${JSON.stringify(frontendZones)} in ${location}, a region without availability zones`);
        }
    }
    if (kind === K.gateway && zonal && /AZ$/.test(String(obj(resource.inputs.sku).name))) {
        for (const config of arr(resource.inputs.ipConfigurations).map(obj)) {
            const ip = referenced(context, K.pip, obj(config.publicIPAddress).id, "publicIpAddressName");
            if (ip && arr(ip.inputs.zones).length === 0) {
                problems.push(`public IP ${str(ip.inputs.publicIpAddressName)} has no zones; an AZ gateway SKU in a region with zones needs zone-redundant IPs (VmssVpnGatewayPublicIpsMustHaveZonesConfigured)`);
            }
        }
    }
    return problems;
}

// ------------------------------------------------------------------------------------------------
// VPN gateway
// ------------------------------------------------------------------------------------------------

function checkGateway(resource: RequestResource, context: RuleContext): string[] {
    const g = resource.inputs;
    const problems: string[] = [];
    const sku = obj(g.sku);
    const name = str(sku.name);
    if (name !== undefined && str(sku.tier) !== undefined && sku.tier !== name) {
        problems.push(`sku.tier ${String(sku.tier)} differs from sku.name ${name}; a VPN gateway's tier is its SKU name`);
    }
    if (name === "Basic") {
        problems.push("the Basic SKU has no OpenVPN, IKEv2 or Entra ID and needs a retired Basic public IP");
    } else if (name !== undefined && /^VpnGw[1-5]$/.test(name)) {
        problems.push(`${name} is a non-zonal SKU Azure no longer creates; use ${name}AZ`);
    }
    const generation = str(g.vpnGatewayGeneration) as GatewayGeneration | undefined;
    if (name !== undefined && generation && GENERATION_SKUS[generation] && !GENERATION_SKUS[generation].includes(name)) {
        problems.push(`${name} is not offered in ${generation} (offered: ${GENERATION_SKUS[generation].join(", ")})`);
    }
    const configs = arr(g.ipConfigurations).map(obj);
    const expected = g.activeActive === true ? 2 : 1;
    if (Array.isArray(g.ipConfigurations) && configs.length < expected) {
        problems.push(`${configs.length} IP configuration(s); ${g.activeActive === true ? "an active-active" : "a"} gateway needs ${expected}`);
    }
    for (const config of configs) {
        const subnet = lastSegment(obj(config.subnet).id);
        if (subnet !== undefined && subnet !== "GatewaySubnet") {
            problems.push(`ipConfigurations use subnet ${subnet}; a gateway must sit in the subnet named exactly GatewaySubnet`);
        }
        const ip = referenced(context, K.pip, obj(config.publicIPAddress).id, "publicIpAddressName");
        if (ip && (str(obj(ip.inputs.sku).name) !== "Standard" || ip.inputs.publicIPAllocationMethod !== "Static")) {
            problems.push(`public IP ${str(ip.inputs.publicIpAddressName)} must be Standard and Static for a VPN gateway (Basic IPs are retired)`);
        }
    }
    const client = obj(g.vpnClientConfiguration);
    const auth = arr(client.vpnAuthenticationTypes);
    const protocols = arr(client.vpnClientProtocols);
    if (auth.includes("AAD") && protocols.some((p) => p !== "OpenVPN")) {
        problems.push(`Entra ID (AAD) authentication works with OpenVPN only, not ${protocols.filter((p) => p !== "OpenVPN").join(", ")}`);
    }
    for (const pool of arr(obj(client.vpnClientAddressPool).addressPrefixes)) {
        const prefix = Number(str(pool)?.split("/")[1]);
        if (Number.isFinite(prefix) && prefix > 29) {
            problems.push(`client address pool ${String(pool)} is smaller than the /29 Azure requires`);
        }
    }
    return problems;
}

// ------------------------------------------------------------------------------------------------
// PostgreSQL Flexible Server
// ------------------------------------------------------------------------------------------------

export const FLEXIBLE_SERVER_STORAGE_SIZES_GB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767] as const;
export const FLEXIBLE_SERVER_VERSIONS = ["11", "12", "13", "14", "15", "16", "17", "18"] as const;
/** Admin logins Azure refuses (besides anything starting with pg_). */
export const RESERVED_ADMIN_LOGINS: readonly string[] = ["azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public"];
/** Compute sizes each Flexible Server tier offers, by name prefix. */
export const FLEXIBLE_SERVER_SKU_FAMILY: Record<string, RegExp> = { Burstable: /^Standard_B/, GeneralPurpose: /^Standard_D/, MemoryOptimized: /^Standard_E/ };

function checkServer(resource: RequestResource, context: RuleContext): string[] {
    const s = resource.inputs;
    const problems: string[] = [];
    const size = num(obj(s.storage).storageSizeGB);
    if (size !== undefined && !(FLEXIBLE_SERVER_STORAGE_SIZES_GB as readonly number[]).includes(size)) {
        problems.push(`storage.storageSizeGB ${size} is not a size Flexible Server offers (${FLEXIBLE_SERVER_STORAGE_SIZES_GB.join(", ")})`);
    }
    const version = str(s.version);
    if (version !== undefined && !(FLEXIBLE_SERVER_VERSIONS as readonly string[]).includes(version)) {
        problems.push(`version ${version} is not offered (${FLEXIBLE_SERVER_VERSIONS.join(", ")})`);
    }
    const sku = obj(s.sku);
    const tier = str(sku.tier);
    const skuName = str(sku.name);
    if (tier && skuName && FLEXIBLE_SERVER_SKU_FAMILY[tier] && !FLEXIBLE_SERVER_SKU_FAMILY[tier].test(skuName)) {
        problems.push(`sku ${skuName} is not in tier ${tier}`);
    }
    const mode = str(obj(s.highAvailability).mode);
    if (tier === "Burstable" && mode && mode !== "Disabled") {
        problems.push(`highAvailability ${mode} is not available on the Burstable tier`);
    }
    const retention = num(obj(s.backup).backupRetentionDays);
    if (retention !== undefined && (retention < 7 || retention > 35)) {
        problems.push(`backup.backupRetentionDays ${retention}: Azure allows 7-35`);
    }
    const login = str(s.administratorLogin);
    if (login !== undefined && (RESERVED_ADMIN_LOGINS.includes(login.toLowerCase()) || login.toLowerCase().startsWith("pg_"))) {
        problems.push(`administratorLogin ${login} is reserved`);
    }
    const network = obj(s.network);
    if (str(network.delegatedSubnetResourceId)) {
        if (!str(network.privateDnsZoneArmResourceId)) {
            problems.push("a VNet-integrated server needs network.privateDnsZoneArmResourceId when created from IaC");
        }
        if (network.publicNetworkAccess === "Enabled") {
            problems.push("a VNet-integrated server cannot have publicNetworkAccess Enabled");
        }
        const zone = referenced(context, K.zone, network.privateDnsZoneArmResourceId, "privateZoneName");
        const zoneName = str(zone?.inputs.privateZoneName);
        const serverName = str(s.serverName);
        if (zoneName && !zoneName.endsWith(`.${POSTGRES_PUBLIC_DNS_SUFFIX}`)) {
            problems.push(`private DNS zone ${zoneName} must end in .${POSTGRES_PUBLIC_DNS_SUFFIX}`);
        }
        if (zoneName && serverName && zoneName.split(".")[0] === serverName) {
            problems.push(`private DNS zone ${zoneName} may not be named after the server ${serverName}`);
        }
        const subnet = referenced(context, K.subnet, network.delegatedSubnetResourceId, "subnetName");
        const delegations = arr(subnet?.inputs.delegations).map((d) => str(obj(d).serviceName));
        if (subnet && (delegations.length !== 1 || delegations[0] !== "Microsoft.DBforPostgreSQL/flexibleServers")) {
            problems.push(`subnet ${str(subnet.inputs.subnetName)} must be delegated to Microsoft.DBforPostgreSQL/flexibleServers and nothing else`);
        }
    }
    return problems;
}

function checkDelegatedSubnet(resource: RequestResource): string[] {
    const s = resource.inputs;
    const delegations = arr(s.delegations).map((d) => str(obj(d).serviceName));
    const problems: string[] = [];
    if (delegations.includes("Microsoft.DBforPostgreSQL/flexibleServers")) {
        const prefix = Number(str(s.addressPrefix)?.split("/")[1]);
        if (Number.isFinite(prefix) && prefix > 28) {
            problems.push(`${str(s.addressPrefix)} is smaller than the /28 a Flexible Server subnet needs`);
        }
        if (delegations.length > 1) {
            problems.push("a Flexible Server subnet is delegated to nothing else");
        }
    }
    if (s.subnetName === "GatewaySubnet") {
        if (str(obj(s.networkSecurityGroup).id) !== undefined) {
            problems.push("GatewaySubnet must not have an NSG (unsupported; it can break the gateway)");
        }
        if (delegations.length > 0) {
            problems.push("GatewaySubnet must not be delegated");
        }
    }
    return problems;
}

// ------------------------------------------------------------------------------------------------
// Everything else
// ------------------------------------------------------------------------------------------------

function checkPublicIp(resource: RequestResource): string[] {
    const sku = str(obj(resource.inputs.sku).name);
    const problems: string[] = [];
    if (sku === "Basic") {
        problems.push("Basic public IPs were retired on 2025-09-30");
    }
    if (sku === "Standard" && resource.inputs.publicIPAllocationMethod === "Dynamic") {
        problems.push("a Standard public IP must be Static");
    }
    return problems;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const ipValue = (text: string) => text.split(".").reduce((n, part) => n * 256 + Number(part), 0);

function checkFirewallRule(resource: RequestResource): string[] {
    const start = str(resource.inputs.startIpAddress);
    const end = str(resource.inputs.endIpAddress);
    if (start === undefined || end === undefined) {
        return [];
    }
    const bad = [start, end].filter((a) => !IPV4.test(a) || a.split(".").some((p) => Number(p) > 255));
    if (bad.length > 0) {
        return [`${bad.join(", ")} is not an IPv4 address`];
    }
    return ipValue(start) > ipValue(end) ? [`startIpAddress ${start} is after endIpAddress ${end}`] : [];
}

function checkVirtualMachine(resource: RequestResource): string[] {
    const vm = resource.inputs;
    const problems: string[] = [];
    const os = obj(vm.osProfile);
    const customData = str(os.customData);
    if (customData !== undefined && customData.length > 65_535) {
        problems.push(`osProfile.customData is ${customData.length} characters of base64; Azure allows 65535`);
    }
    const linux = obj(os.linuxConfiguration);
    const admin = str(os.adminUsername);
    const keys = arr(obj(linux.ssh).publicKeys).map(obj);
    if (linux.disablePasswordAuthentication === true && Array.isArray(obj(linux.ssh).publicKeys) && keys.length === 0) {
        problems.push("password authentication is off but no SSH key is given");
    }
    for (const key of keys) {
        if (admin && str(key.path) !== undefined && key.path !== `/home/${admin}/.ssh/authorized_keys`) {
            problems.push(`SSH key path ${String(key.path)} is not /home/${admin}/.ssh/authorized_keys, the only path Azure accepts`);
        }
    }
    const patchMode = str(obj(linux.patchSettings).patchMode);
    if (patchMode === "AutomaticByPlatform" && linux.provisionVMAgent === false) {
        problems.push("patchMode AutomaticByPlatform needs provisionVMAgent true");
    }
    const security = obj(vm.securityProfile);
    const image = obj(obj(vm.storageProfile).imageReference);
    if (security.securityType === "TrustedLaunch" && /gen1/i.test(String(image.sku))) {
        problems.push(`Trusted Launch needs a Generation 2 image; ${String(image.sku)} is Generation 1`);
    }
    return problems;
}

/** `…/<load balancer>/<child>/<name>` → [load balancer, name], for ids that point into a load balancer. */
function loadBalancerPart(id: string, child: string): [string, string] | undefined {
    const match = new RegExp(`/([^/]+)/${child}/([^/]+)$`, "i").exec(id);
    return match ? [match[1], match[2]] : undefined;
}

function checkLoadBalancer(resource: RequestResource): string[] {
    const lb = resource.inputs;
    const problems: string[] = [];
    const sku = str(obj(lb.sku).name);
    if (sku !== undefined && sku !== "Standard") {
        problems.push(`sku ${sku}: Basic load balancers were retired on 2025-09-30; use Standard`);
    }
    const own = str(lb.loadBalancerName);
    const named = (list: unknown) => new Set(arr(list).map((x) => str(obj(x).name)));
    const parts: Record<string, Set<string | undefined>> = {
        frontendIPConfigurations: named(lb.frontendIPConfigurations),
        backendAddressPools: named(lb.backendAddressPools),
        probes: named(lb.probes),
    };
    for (const probe of arr(lb.probes).map(obj)) {
        const interval = num(probe.intervalInSeconds);
        if (interval !== undefined && interval < 5) {
            problems.push(`probe ${str(probe.name) ?? "(unnamed)"} every ${interval} s; Azure probes every 5 s at the most`);
        }
    }
    for (const rule of arr(lb.loadBalancingRules).map(obj)) {
        const name = str(rule.name) ?? "(unnamed)";
        const idle = num(rule.idleTimeoutInMinutes);
        if (idle !== undefined && (idle < 4 || idle > 30)) {
            problems.push(`rule ${name} has idleTimeoutInMinutes ${idle}; Azure allows 4-30`);
        }
        for (const [field, child] of [["frontendIPConfiguration", "frontendIPConfigurations"], ["backendAddressPool", "backendAddressPools"], ["probe", "probes"]] as const) {
            const id = str(obj(rule[field]).id);
            if (id === undefined) {
                continue;
            }
            const part = loadBalancerPart(id, child);
            if (!part || (own !== undefined && part[0] !== own) || !parts[child].has(part[1])) {
                problems.push(`rule ${name}: ${field} ${id} is not one of this load balancer's ${child}`);
            }
        }
    }
    return problems;
}

function checkNetworkInterfacePools(resource: RequestResource, context: RuleContext): string[] {
    const problems: string[] = [];
    for (const config of arr(resource.inputs.ipConfigurations).map(obj)) {
        for (const pool of arr(config.loadBalancerBackendAddressPools).map(obj)) {
            const id = str(pool.id);
            if (id === undefined) {
                continue;
            }
            const part = loadBalancerPart(id, "backendAddressPools");
            // Only load balancers have a loadBalancerName.
            const lb = part && context.resources.find((r) => r.inputs.loadBalancerName === part[0]);
            if (!part || (lb && !arr(lb.inputs.backendAddressPools).some((p) => str(obj(p).name) === part[1]))) {
                problems.push(`ipConfigurations ${str(config.name) ?? "(unnamed)"} joins ${id}, which is no backend pool of the deployment's load balancer`);
            }
        }
    }
    return problems;
}

function checkVirtualMachinePlacement(resource: RequestResource): string[] {
    const zones = arr(resource.inputs.zones);
    const problems: string[] = [];
    if (zones.length > 0 && str(obj(resource.inputs.availabilitySet).id) !== undefined) {
        problems.push("a VM is either in an availability zone or in an availability set, not both");
    }
    if (zones.length > 1) {
        problems.push(`zones ${JSON.stringify(zones)}: a VM lives in one zone`);
    }
    return problems;
}

function checkRunCommand(resource: RequestResource): string[] {
    const c = resource.inputs;
    if (c.treatFailureAsDeploymentFailure === true && c.asyncExecution === true) {
        return ["treatFailureAsDeploymentFailure has no effect with asyncExecution: the deployment completes when the script starts"];
    }
    return [];
}

function checkNatGateway(resource: RequestResource): string[] {
    const idle = num(resource.inputs.idleTimeoutInMinutes);
    return idle !== undefined && (idle < 4 || idle > 120) ? [`idleTimeoutInMinutes ${idle}: Azure allows 4-120`] : [];
}

function checkTags(resource: RequestResource): string[] {
    const tags = resource.inputs.tags;
    if (tags === null || typeof tags !== "object" || Array.isArray(tags)) {
        return [];
    }
    const entries = Object.entries(tags as Data);
    const problems: string[] = [];
    if (entries.length > 50) {
        problems.push(`${entries.length} tags; Azure allows 50`);
    }
    for (const [key, value] of entries) {
        if (key.length > 512 || /[<>%&\\?/]/.test(key)) {
            problems.push(`tag name ${JSON.stringify(key)}: at most 512 characters, none of < > % & \\ ? /`);
        }
        if (typeof value === "string" && value.length > 256) {
            problems.push(`tag ${key} has a value of ${value.length} characters; Azure allows 256`);
        }
    }
    return problems;
}

/** Resource types whose Azure name is an input the program sets (so it stays the same on replacement). */
const NAMED_KINDS = [...Object.keys(NAME_RULES), K.zone];

function checkReplaceable(resource: RequestResource): string[] {
    // The rule applies to NAMED_KINDS only: the private DNS zone, or a kind with a name rule.
    const kind = kindOf(resource.type);
    const named = kind === K.zone ? "privateZoneName" : NAME_RULES[kind].field;
    // A generation name changes whenever the resource is replaced, so the new one can come first.
    const generation = GENERATION_NAME.test(String(resource.inputs[named]));
    if (resource.inputs[named] !== undefined && !generation && resource.deleteBeforeReplace === false) {
        return [`has a fixed name (${named}) but no deleteBeforeReplace: a replacement would create the new resource first, under the same name, and azure-native refuses to create a resource that exists`];
    }
    return [];
}

// ------------------------------------------------------------------------------------------------
// The rules
// ------------------------------------------------------------------------------------------------

// ------------------------------------------------------------------------------------------------
// Identity and audit
// ------------------------------------------------------------------------------------------------

const GUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkServerAuthentication(resource: RequestResource): string[] {
    const auth = obj(resource.inputs.authConfig);
    const problems: string[] = [];
    if (auth.passwordAuth === "Disabled" && auth.activeDirectoryAuth !== "Enabled") {
        problems.push("authConfig turns password authentication off with Entra authentication off: nobody could sign in");
    }
    if (auth.activeDirectoryAuth === "Enabled" && !GUID_TEXT.test(String(auth.tenantId))) {
        problems.push(`authConfig.tenantId ${JSON.stringify(auth.tenantId)}: Entra authentication needs the tenant id`);
    }
    return problems;
}

function checkEntraAdministrator(resource: RequestResource, context: RuleContext): string[] {
    const a = resource.inputs;
    const problems: string[] = [];
    if (!GUID_TEXT.test(String(a.objectId))) {
        problems.push(`objectId ${JSON.stringify(a.objectId)}: the administrator is named after its Entra object id`);
    }
    if (!["User", "Group", "ServicePrincipal", "Unknown"].includes(String(a.principalType))) {
        problems.push(`principalType ${JSON.stringify(a.principalType)}: Flexible Server takes User, Group or ServicePrincipal (azure-native's enum spells the Cosmos DB API's lowercase values)`);
    }
    const server = referenced(context, K.server, a.serverName, "serverName");
    if (server && obj(server.inputs.authConfig).activeDirectoryAuth !== "Enabled") {
        problems.push(`server ${String(a.serverName)} has Entra authentication off: an administrator needs it on`);
    }
    return problems;
}

function checkDiagnosticSetting(resource: RequestResource): string[] {
    const d = resource.inputs;
    const problems: string[] = [];
    if (![d.workspaceId, d.storageAccountId, d.eventHubAuthorizationRuleId, d.marketplacePartnerId].some((v) => v !== undefined)) {
        problems.push("no destination: a diagnostic setting needs a workspace, a storage account, an event hub or a partner");
    }
    if (d.logAnalyticsDestinationType !== undefined && d.logAnalyticsDestinationType !== "Dedicated" && d.logAnalyticsDestinationType !== "AzureDiagnostics") {
        problems.push(`logAnalyticsDestinationType ${JSON.stringify(d.logAnalyticsDestinationType)}: Dedicated, or AzureDiagnostics (unset)`);
    }
    const seen = new Set<string>();
    for (const entry of [...arr(d.logs), ...arr(d.metrics)].map(obj)) {
        const picks = [entry.category, entry.categoryGroup].filter((v) => v !== undefined);
        if (picks.length !== 1) {
            problems.push(`a log entry names ${picks.length === 0 ? "neither" : "both"} category and categoryGroup: exactly one`);
        }
        if (typeof entry.enabled !== "boolean") {
            problems.push(`${String(picks[0])}: enabled is required`);
        }
        if (entry.retentionPolicy !== undefined && d.storageAccountId === undefined) {
            problems.push(`${String(picks[0])}: retentionPolicy applies to storage accounts only (a workspace keeps its own retention)`);
        }
        const key = String(picks[0]).toLowerCase();
        if (seen.has(key)) {
            problems.push(`${String(picks[0])} is listed twice`);
        }
        seen.add(key);
    }
    return problems;
}

function checkLogAnalytics(resource: RequestResource): string[] {
    const w = resource.inputs;
    const days = num(w.retentionInDays);
    if (kindOf(resource.type) === K.workspace) {
        return days !== undefined && (days < 30 || days > 730) ? [`retentionInDays ${days}: a PerGB2018 workspace keeps 30-730 days`] : [];
    }
    const problems: string[] = [];
    const name = str(w.tableName) ?? "";
    if (!name.endsWith("_CL")) {
        problems.push(`tableName ${name}: a custom table's name ends in _CL`);
    }
    const columns = arr(obj(w.schema).columns).map(obj);
    if (!columns.some((c) => c.name === "TimeGenerated" && c.type === "dateTime")) {
        problems.push("schema: a custom table needs TimeGenerated of type dateTime");
    }
    if (days !== undefined && days !== -1 && (days < 4 || days > 730)) {
        problems.push(`retentionInDays ${days}: a table keeps 4-730 days, or -1 for the workspace's`);
    }
    return problems;
}

function checkDataCollectionRule(resource: RequestResource, context: RuleContext): string[] {
    const r = resource.inputs;
    const problems: string[] = [];
    const declared = Object.keys(obj(r.streamDeclarations));
    for (const name of declared.filter((n) => !n.startsWith("Custom-"))) {
        problems.push(`stream ${name}: a declared stream's name starts with Custom-`);
    }
    const destinations = Object.values(obj(r.destinations)).flatMap(arr).map((d) => str(obj(d).name));
    for (const flow of arr(r.dataFlows).map(obj)) {
        for (const stream of arr(flow.streams).map(String)) {
            if (!declared.includes(stream) && !stream.startsWith("Microsoft-")) {
                problems.push(`data flow stream ${stream} is neither declared nor built in (a data source's name is not a stream)`);
            }
        }
        for (const target of arr(flow.destinations).map(String).filter((t) => !destinations.includes(t))) {
            problems.push(`data flow destination ${target} is not one of the rule's destinations`);
        }
        const output = str(flow.outputStream);
        if (output !== undefined && !/^(Custom-[A-Za-z0-9_]+_CL|Microsoft-[A-Za-z0-9]+)$/.test(output)) {
            problems.push(`outputStream ${output}: Custom-<table>_CL, or Microsoft-<table>`);
        }
    }
    for (const destination of arr(obj(r.destinations).logAnalytics).map(obj)) {
        const workspace = referenced(context, K.workspace, destination.workspaceResourceId, "workspaceName");
        const where = workspace ? str(workspace.inputs.location) : undefined;
        if (where && str(r.location) && where.toLowerCase() !== String(r.location).toLowerCase()) {
            problems.push(`location ${String(r.location)}: a data collection rule must be in its workspace's region (${where})`);
        }
    }
    return problems;
}

const DURATION_MINUTES: Record<string, number> = { PT1M: 1, PT5M: 5, PT15M: 15, PT30M: 30, PT1H: 60, PT6H: 360, PT12H: 720, P1D: 1440 };

function checkAlerting(resource: RequestResource): string[] {
    const a = resource.inputs;
    const problems: string[] = [];
    if (kindOf(resource.type) === K.actionGroup) {
        const short = str(a.groupShortName) ?? "";
        if (short.length < 1 || short.length > 12) {
            problems.push(`groupShortName ${JSON.stringify(short)}: 1-12 characters`);
        }
        return problems;
    }
    const severity = num(a.severity);
    if (severity === undefined || severity < 0 || severity > 4 || !Number.isInteger(severity)) {
        problems.push(`severity ${String(a.severity)}: 0-4`);
    }
    const frequency = DURATION_MINUTES[String(a.evaluationFrequency)];
    const window = DURATION_MINUTES[String(a.windowSize)];
    if (frequency === undefined || frequency > 60) {
        problems.push(`evaluationFrequency ${String(a.evaluationFrequency)}: PT1M, PT5M, PT15M, PT30M or PT1H`);
    }
    if (window === undefined) {
        problems.push(`windowSize ${String(a.windowSize)}: PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H or P1D`);
    } else if (frequency !== undefined && window < frequency) {
        problems.push(`windowSize ${String(a.windowSize)} is shorter than evaluationFrequency ${String(a.evaluationFrequency)}`);
    }
    if (str(a.location)?.toLowerCase() !== "global" && a.location !== undefined) {
        problems.push(`location ${String(a.location)}: a metric alert lives in global`);
    }
    return problems;
}

/** The VNet address spaces of the deployment, for rules that check overlaps. */
function vnetSpaces(context: RuleContext): Ipv4Cidr[] {
    return context.resources.filter((r) => kindOf(r.type) === K.vnet)
        .flatMap((r) => arr(obj(r.inputs.addressSpace).addressPrefixes))
        .map((p) => parseCidr(String(p)))
        .filter((b): b is Ipv4Cidr => typeof b !== "string");
}

/**
 * Site-to-site: a local network gateway names one address (IP or FQDN), networks that do not
 * overlap the VNet and an ASN Azure allows; an IPsec connection has a local gateway, a key of
 * Azure's alphabet, at most one complete policy of Learn's values with matching GCM integrity
 * and lifetimes above the minimums, and a DPD timeout of 9-3600 s.
 */
function checkSiteToSite(resource: RequestResource, context: RuleContext): string[] {
    const a = resource.inputs;
    const problems: string[] = [];
    if (kindOf(resource.type) === K.localGateway) {
        if ((a.gatewayIpAddress === undefined) === (a.fqdn === undefined)) {
            problems.push("gatewayIpAddress or fqdn: exactly one names the on-premises device");
        }
        const spaces = vnetSpaces(context);
        for (const prefix of arr(obj(a.localNetworkAddressSpace).addressPrefixes)) {
            const block = parseCidr(String(prefix));
            if (typeof block === "string") {
                problems.push(`addressPrefixes ${String(prefix)}: ${block}`);
            } else if (spaces.some((space) => overlaps(space, block))) {
                problems.push(`addressPrefixes ${block.text} overlaps the VNet: Azure refuses the connection`);
            }
        }
        const asn = obj(a.bgpSettings).asn;
        if (asn !== undefined && asnProblem(Number(asn)) !== undefined) {
            problems.push(`bgpSettings.asn ${String(asn)} ${asnProblem(Number(asn))}`);
        }
        return problems;
    }
    if (str(a.connectionType) !== "IPsec") {
        return problems;
    }
    if (a.localNetworkGateway2 === undefined) {
        problems.push("localNetworkGateway2: an IPsec connection names its local network gateway");
    }
    const key = a.sharedKey;
    if (typeof key === "string" && (key.length < 1 || key.length > 128 || !/^[!-~]+$/.test(key) || /[-~]/.test(key))) {
        problems.push("sharedKey: 1-128 printable ASCII characters other than space, - and ~");
    }
    const policies = arr(a.ipsecPolicies);
    if (policies.length > 1) {
        problems.push(`ipsecPolicies has ${policies.length} policies: a connection takes one`);
    }
    for (const raw of policies) {
        const policy = obj(raw);
        for (const [field, allowed] of Object.entries(IPSEC_POLICY_VALUES)) {
            if (!(allowed as readonly string[]).includes(String(policy[field]))) {
                problems.push(`ipsecPolicies ${field} ${String(policy[field])}: one of ${allowed.join(", ")}`);
            }
        }
        const encryption = String(policy.ipsecEncryption);
        const integrity = String(policy.ipsecIntegrity);
        if (gcmMismatch(encryption, integrity)) {
            problems.push(`ipsecPolicies ipsecIntegrity ${integrity} with ipsecEncryption ${encryption}: GCMAES takes the same GCMAES for both`);
        }
        if (!(num(policy.saLifeTimeSeconds)! >= MIN_SA_LIFETIME_SECONDS)) {
            problems.push(`ipsecPolicies saLifeTimeSeconds ${String(policy.saLifeTimeSeconds)}: at least ${MIN_SA_LIFETIME_SECONDS}`);
        }
        if (!(num(policy.saDataSizeKilobytes)! >= MIN_SA_DATA_SIZE_KILOBYTES)) {
            problems.push(`ipsecPolicies saDataSizeKilobytes ${String(policy.saDataSizeKilobytes)}: at least ${MIN_SA_DATA_SIZE_KILOBYTES}`);
        }
    }
    const dpd = a.dpdTimeoutSeconds;
    if (dpd !== undefined && !(Number.isInteger(dpd) && Number(dpd) >= 9 && Number(dpd) <= 3600)) {
        problems.push(`dpdTimeoutSeconds ${String(dpd)}: 9-3600`);
    }
    return problems;
}

/** The built-in PgBouncer runs on General Purpose and Memory Optimized servers, not Burstable. */
function checkPgbouncer(resource: RequestResource, context: RuleContext): string[] {
    const a = resource.inputs;
    if (str(a.configurationName) !== "pgbouncer.enabled" || String(a.value).toLowerCase() !== "true") {
        return [];
    }
    const servers = context.resources.filter((r) => kindOf(r.type) === K.server);
    const burstable = servers.some((server) => str(obj(server.inputs.sku).tier) === "Burstable");
    return burstable ? ["pgbouncer.enabled true on a Burstable server: the built-in PgBouncer needs General Purpose or Memory Optimized"] : [];
}

const LEARN = "https://learn.microsoft.com/azure";

export const AZURE_RULES: readonly AzureRule[] = [
    {
        id: "nsg-rule-field-forms",
        description: "An NSG rule sets each address and port field in its singular or its plural form, never both; \"*\" is valid only in the singular form.",
        source: `Microsoft maintainer in Azure/terraform-azurerm-network-security-group #21 and #44; ${LEARN}/virtual-network/network-security-groups-overview#security-rules`,
        appliesTo: [K.nsg, K.securityRule],
        check: (resource) => securityRulesOf(resource).flatMap(checkRuleFieldForms),
    },
    {
        id: "nsg-rule-limits",
        description: "NSG rule priorities are 100-4096 and unique per direction; names up to 80 word characters, . and -; descriptions up to 140 characters.",
        source: `${LEARN}/virtual-network/network-security-groups-overview#security-rules; Azure/azure-rest-api-specs network 2024-05-01 SecurityRulePropertiesFormat`,
        appliesTo: [K.nsg, K.securityRule],
        check: (resource) => checkRuleLimits(securityRulesOf(resource)),
    },
    {
        id: "resource-names",
        description: "Names fit Azure's length and character rules per resource type (a server name is also a DNS label).",
        source: `${LEARN}/azure-resource-manager/management/resource-name-rules; Azure/azure-rest-api-specs Microsoft.DBforPostgreSQL 2025-08-01`,
        appliesTo: [...Object.keys(NAME_RULES), K.zone],
        check: checkResourceNames,
    },
    {
        id: "zones-need-a-zonal-region",
        description: "Zonal settings (zones on public IPs, ZoneRedundant HA, a server zone) only in regions with availability zones; an AZ gateway SKU in such a region needs zone-redundant IPs.",
        source: `${LEARN}/reliability/regions-list; ${LEARN}/reliability/reliability-database-postgresql; ${LEARN}/vpn-gateway/gateway-sku-consolidation; Azure/ALZ-Bicep #981, Azure/ResourceModules #2609`,
        appliesTo: "*",
        check: checkZones,
    },
    {
        id: "vpn-gateway-request",
        description: "A VPN gateway: tier equal to its SKU, no Basic or non-zonal SKU, a SKU its generation offers, GatewaySubnet, Standard static IPs, Entra ID with OpenVPN only, a pool of /29 or larger.",
        source: `${LEARN}/vpn-gateway/about-gateway-skus; ${LEARN}/vpn-gateway/gateway-sku-consolidation; ${LEARN}/vpn-gateway/openvpn-azure-ad-tenant; Azure/Enterprise-Scale #504`,
        appliesTo: [K.gateway],
        check: checkGateway,
    },
    {
        id: "postgres-server-request",
        description: "A Flexible Server: an offered storage size and version, a SKU of its tier, no HA on Burstable, 7-35 days of backups, no reserved login; VNet integration with a private DNS zone ending in .postgres.database.azure.com and a subnet delegated to it alone.",
        source: `${LEARN}/postgresql/compute-storage/concepts-compute; ${LEARN}/postgresql/network/concepts-networking-private; ${LEARN}/postgresql/security/security-manage-users`,
        appliesTo: [K.server],
        check: checkServer,
    },
    {
        id: "subnet-request",
        description: "A Flexible Server subnet is /28 or larger and delegated to it alone; GatewaySubnet has no NSG and no delegation.",
        source: `${LEARN}/postgresql/network/concepts-networking-private#virtual-network-concepts; ${LEARN}/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub`,
        appliesTo: [K.subnet],
        check: checkDelegatedSubnet,
    },
    {
        id: "public-ip-request",
        description: "No Basic public IP (retired 2025-09-30); a Standard IP is Static.",
        source: `${LEARN}/virtual-network/ip-services/public-ip-basic-upgrade-guidance; ${LEARN}/virtual-network/ip-services/public-ip-addresses#sku`,
        appliesTo: [K.pip],
        check: checkPublicIp,
    },
    {
        id: "firewall-rule-request",
        description: "A firewall rule's start and end are IPv4 addresses, start not after end.",
        source: `${LEARN}/postgresql/network/concepts-networking-public#firewall-rules`,
        appliesTo: [K.firewallRule],
        check: checkFirewallRule,
    },
    {
        id: "virtual-machine-request",
        description: "customData up to 65535 base64 characters; SSH keys at /home/<admin>/.ssh/authorized_keys; platform patching needs the VM agent; Trusted Launch needs a Gen2 image.",
        source: `${LEARN}/virtual-machines/custom-data; ${LEARN}/virtual-machines/linux/create-ssh-keys-detailed; ${LEARN}/virtual-machines/automatic-vm-guest-patching#requirements-for-enabling-automatic-vm-guest-patching; ${LEARN}/virtual-machines/trusted-launch`,
        appliesTo: [K.vm],
        check: checkVirtualMachine,
    },
    {
        id: "load-balancer-request",
        description: "A Standard load balancer (Basic is retired) whose rules refer to its own frontend, pool and probe, probing every 5 s at the most, with a rule idle timeout of 4-30 minutes; a NIC joins only a pool that exists.",
        source: `${LEARN}/load-balancer/skus; ${LEARN}/load-balancer/load-balancer-custom-probe-overview; ${LEARN}/load-balancer/load-balancer-tcp-idle-timeout; ${LEARN}/load-balancer/backend-pool-management`,
        appliesTo: [K.loadBalancer, K.nic],
        check: (resource, context) => (kindOf(resource.type) === K.loadBalancer ? checkLoadBalancer(resource) : checkNetworkInterfacePools(resource, context)),
    },
    {
        id: "virtual-machine-placement",
        description: "A VM is in one availability zone or in an availability set, never both.",
        source: `${LEARN}/virtual-machines/availability; ${LEARN}/virtual-machines/availability-set-overview`,
        appliesTo: [K.vm],
        check: checkVirtualMachinePlacement,
    },
    {
        id: "run-command-request",
        description: "A Run Command fails the deployment on a failed script only when it runs synchronously.",
        source: `${LEARN}/virtual-machines/linux/run-command-managed; ${LEARN}/rest/api/compute/virtual-machine-run-commands/create-or-update`,
        appliesTo: [K.runCommand],
        check: checkRunCommand,
    },
    {
        id: "nat-gateway-request",
        description: "A NAT gateway's idle timeout is 4-120 minutes.",
        source: `${LEARN}/nat-gateway/nat-gateway-resource#tcp-idle-timeout`,
        appliesTo: [K.nat],
        check: checkNatGateway,
    },
    {
        id: "tags",
        description: "At most 50 tags; names up to 512 characters without < > % & \\ ? /; values up to 256 characters.",
        source: `${LEARN}/azure-resource-manager/management/tag-resources#limitations`,
        appliesTo: "*",
        check: checkTags,
    },
    {
        id: "postgres-authentication",
        description: "Password authentication off needs Entra authentication on; Entra authentication needs the tenant; an Entra administrator is named after its object id, has a PascalCase principal type, and needs Entra on.",
        source: `${LEARN}/postgresql/security/security-entra-configure; Azure/azure-rest-api-specs Microsoft.DBforPostgreSQL stable/2025-08-01 AdministratorsMicrosoftEntra.json (principalType Unknown|User|Group|ServicePrincipal); azurerm postgresql_flexible_server docs (authentication.tenant_id)`,
        appliesTo: [K.server, K.entraAdmin],
        check: (resource, context) => (kindOf(resource.type) === K.server ? checkServerAuthentication(resource) : checkEntraAdministrator(resource, context)),
    },
    {
        id: "diagnostic-setting-request",
        description: "A diagnostic setting has a destination, names each log by category or category group (once), says whether it is enabled, and keeps retention policies for storage accounts.",
        source: `${LEARN}/azure-monitor/platform/diagnostic-settings; ${LEARN}/azure-monitor/essentials/migrate-to-azure-storage-lifecycle-policy`,
        appliesTo: [K.diagnosticSetting],
        check: checkDiagnosticSetting,
    },
    {
        id: "log-analytics-request",
        description: "A PerGB2018 workspace keeps 30-730 days; a custom table's name ends in _CL, it has TimeGenerated as dateTime, and keeps 4-730 days (or -1: the workspace's).",
        source: `${LEARN}/azure-monitor/logs/data-retention-configure; ${LEARN}/azure-monitor/logs/create-custom-table; hashicorp/terraform-provider-azurerm #21897 (SchemaUpdateFatalError without TimeGenerated)`,
        appliesTo: [K.workspace, K.workspaceTable],
        check: checkLogAnalytics,
    },
    {
        id: "data-collection-rule-request",
        description: "A data collection rule's custom streams start with Custom-, its flows read declared or built-in streams into its own destinations, write to Custom-<table>_CL, and it lives in its workspace's region.",
        source: `${LEARN}/azure-monitor/data-collection/data-collection-rule-structure; ${LEARN}/azure-monitor/agents/data-collection-log-text; MicrosoftDocs/azure-docs #94401`,
        appliesTo: [K.dataCollectionRule],
        check: checkDataCollectionRule,
    },
    {
        id: "alerting-request",
        description: "A metric alert has severity 0-4, a frequency of PT1M-PT1H, a window among Azure's durations and not shorter than the frequency, and lives in global; an action group's short name has 1-12 characters.",
        source: `${LEARN}/templates/microsoft.insights/metricalerts; ${LEARN}/azure-monitor/alerts/action-groups`,
        appliesTo: [K.metricAlert, K.actionGroup],
        check: checkAlerting,
    },
    {
        id: "site-to-site-request",
        description: "A local network gateway names one device address, networks outside the VNet and an allowed ASN; an IPsec connection names its local gateway, a pre-shared key of 1-128 printable ASCII characters without space, - or ~, at most one complete IPsec/IKE policy of documented values (GCMAES paired with itself, SA lifetime ≥ 300 s, data size ≥ 1024 KB) and a DPD timeout of 9-3600 s.",
        source: `${LEARN}/vpn-gateway/ipsec-ike-policy-howto; ${LEARN}/vpn-gateway/vpn-gateway-vpn-faq (shared key, BGP ASNs); ${LEARN}/vpn-gateway/vpn-gateway-about-vpn-gateway-settings`,
        appliesTo: [K.localGateway, K.connection],
        check: checkSiteToSite,
    },
    {
        id: "pgbouncer-request",
        description: "The built-in PgBouncer (pgbouncer.enabled) is available on General Purpose and Memory Optimized servers only.",
        source: "https://learn.microsoft.com/azure/postgresql/connectivity/concepts-pgbouncer",
        appliesTo: [K.configuration],
        check: checkPgbouncer,
    },
    {
        id: "replacement-deletes-first",
        description: "A resource with a fixed name is replaced delete-first: azure-native refuses to create a resource that already exists.",
        source: "pulumi/pulumi-azure-native provider/pkg/provider/crud (CanCreate: \"cannot create already existing resource\"), issue #3952; https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/",
        appliesTo: NAMED_KINDS,
        check: checkReplaceable,
    },
];

/** Every violation of every rule by every Azure resource of the deployment. */
export function checkAzureRequests(resources: readonly RequestResource[], rules: readonly AzureRule[] = AZURE_RULES): Violation[] {
    const context: RuleContext = { resources };
    const violations: Violation[] = [];
    for (const resource of resources.filter((r) => r.type.startsWith("azure-native:"))) {
        const kind = kindOf(resource.type);
        for (const rule of rules.filter((r) => r.appliesTo === "*" || r.appliesTo.includes(kind))) {
            for (const message of rule.check(resource, context)) {
                violations.push({ rule: rule.id, resource: `${kind} ${resource.name}`, urn: resource.urn, message });
            }
        }
    }
    return violations;
}
