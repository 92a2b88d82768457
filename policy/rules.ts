/**
 * The logic of every policy, as plain functions over plain property objects (resource inputs as
 * the engine sends them, secrets unwrapped). Each returns the list of problems it finds: an empty
 * list means compliant. `policies.ts` wraps them for CrossGuard; tests call them directly.
 *
 * A value that is unknown during preview (`UNKNOWN`) is never reported: the check runs again on
 * `pulumi up`, when the engine knows it.
 */
import { ipv4ToInt, isRfc1918, overlaps, parseCidr, type Ipv4Cidr } from "../lib/cidr";
import { regionZones } from "../lib/regions";
import { DEFAULT_IPSEC_POLICY, weakerThanDefault, type IpsecPolicy } from "../lib/siteToSite";
import {
    armName, arr, formatPath, isKind, kindOf, isUnknown, obj, present, sameText, str, TYPES, walkStrings,
    type Props, type PropPath,
} from "./props";
import { DEFAULT_ALLOWED_GATEWAY_SKUS, DEFAULT_PROTECTED_PORTS, DEFAULT_RETENTION_FLOOR_DAYS, DEFAULT_WIDEST_PREFIX_LENGTH } from "./config";

export { DEFAULT_ALLOWED_GATEWAY_SKUS, DEFAULT_PROTECTED_PORTS, DEFAULT_RETENTION_FLOOR_DAYS, DEFAULT_WIDEST_PREFIX_LENGTH };

/** A problem found by a stack-level check; `urn` names the resource at fault (none: the stack). */
export interface Finding {
    readonly message: string;
    readonly urn?: string;
}

const show = (value: unknown): string => (value === undefined ? "unset" : JSON.stringify(value));

// ------------------------------------------------------------------------------------------------
// PostgreSQL Flexible Server
// ------------------------------------------------------------------------------------------------

const TLS_12_OR_LATER = /^TLSv1\.[23]$/i;

/** `require_secure_transport` must be on; `ssl_min_protocol_version` (and a max, if set) TLS 1.2+. */
export function checkServerParameter(props: Props): string[] {
    const name = str(props.configurationName)?.toLowerCase();
    const value = props.value;
    if (value === undefined || isUnknown(value)) {
        return [];
    }
    const text = String(value).trim();
    switch (name) {
        case "require_secure_transport":
            return text.toLowerCase() === "on"
                ? []
                : [`require_secure_transport is ${show(value)}: it must be "on" so that the server refuses unencrypted connections`];
        case "ssl_min_protocol_version":
            return TLS_12_OR_LATER.test(text)
                ? []
                : [`ssl_min_protocol_version is ${show(value)}: it must be TLSv1.2 or TLSv1.3`];
        case "ssl_max_protocol_version":
            return TLS_12_OR_LATER.test(text) || text === ""
                ? []
                : [`ssl_max_protocol_version is ${show(value)}: anything below TLSv1.2 caps clients at a protocol Azure refuses; leave it unset`];
        default:
            return [];
    }
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function ipv4(value: unknown): number | undefined {
    const text = str(value)?.trim();
    if (text === undefined || !IPV4.test(text)) {
        return undefined;
    }
    try {
        return ipv4ToInt(text);
    } catch {
        return undefined;
    }
}

/** The address range of a firewall rule, "unknown" during preview, or an error message. */
export function firewallRange(props: Props): Ipv4Cidr | "unknown" | string {
    if (isUnknown(props.startIpAddress) || isUnknown(props.endIpAddress)) {
        return "unknown";
    }
    const first = ipv4(props.startIpAddress);
    const last = ipv4(props.endIpAddress);
    if (first === undefined || last === undefined) {
        return `start ${show(props.startIpAddress)} / end ${show(props.endIpAddress)} is not a pair of IPv4 addresses`;
    }
    if (first > last) {
        return `start ${show(props.startIpAddress)} is after end ${show(props.endIpAddress)}`;
    }
    const size = last - first + 1;
    return { text: `${props.startIpAddress}-${props.endIpAddress}`, prefixLength: 32 - Math.ceil(Math.log2(size)), first, last };
}

const FULL_RANGE = 2 ** 32;

/**
 * No `0.0.0.0`–`255.255.255.255`, and nothing wider than a /`widestPrefixLength` (24 unless
 * configured) of public address space.
 */
export function checkFirewallRule(props: Props, widestPrefixLength: number = DEFAULT_WIDEST_PREFIX_LENGTH): string[] {
    const range = firewallRange(props);
    if (range === "unknown") {
        return [];
    }
    if (typeof range === "string") {
        return [`firewall rule ${range}`];
    }
    const size = range.last - range.first + 1;
    if (size === FULL_RANGE) {
        return [`firewall rule ${range.text} opens the server to the whole Internet`];
    }
    if (size > 2 ** (32 - widestPrefixLength) && !isRfc1918(range)) {
        return [`firewall rule ${range.text} admits ${size} addresses, wider than a /${widestPrefixLength} of public address space; allow the office or CI ranges you need`];
    }
    return [];
}

/** The `0.0.0.0`–`0.0.0.0` rule: every Azure service of every tenant. Expected only with allowAzureServices. */
export function checkAllowAzureServicesRule(props: Props): string[] {
    return str(props.startIpAddress) === "0.0.0.0" && str(props.endIpAddress) === "0.0.0.0"
        ? ["firewall rule 0.0.0.0 admits every Azure service of every tenant, not just yours; expected only when the stack sets securepg:database.allowAzureServices: true"]
        : [];
}

/** `vnet` when the server is placed in a delegated subnet (even if the subnet id is not known yet). */
export function serverAccessMode(props: Props): "vnet" | "public" {
    return present(obj(props.network).delegatedSubnetResourceId) ? "vnet" : "public";
}

/** A VNet-integrated server says `publicNetworkAccess: Disabled` explicitly. */
export function checkServerPublicAccess(props: Props): string[] {
    if (serverAccessMode(props) !== "vnet") {
        return [];
    }
    const access = obj(props.network).publicNetworkAccess;
    return isUnknown(access) || sameText(access, "Disabled")
        ? []
        : [`the server is VNet-integrated but network.publicNetworkAccess is ${show(access)}: it must be "Disabled"`];
}

export const MIN_BACKUP_RETENTION_DAYS = 7;

/** Backups kept at least 7 days (Azure's default when unset). */
export function checkBackupRetention(props: Props): string[] {
    const days = obj(props.backup).backupRetentionDays;
    if (days === undefined || isUnknown(days)) {
        return [];
    }
    return typeof days === "number" && days >= MIN_BACKUP_RETENTION_DAYS
        ? []
        : [`backup.backupRetentionDays is ${show(days)}: keep backups at least ${MIN_BACKUP_RETENTION_DAYS} days`];
}

/** The `environment` tag the program puts on every resource, lowercased; undefined when missing. */
export function environmentOf(props: Props): string | undefined {
    return str(obj(props.tags).environment)?.toLowerCase();
}

/** Production unless tagged otherwise: a resource without an environment tag gets the strict checks. */
export function isProduction(environment: string | undefined): boolean {
    return environment === undefined || ["prod", "production", "prd"].includes(environment);
}

/** Geo-redundant backups and high availability (checked as mandatory in prod, advisory elsewhere). */
export function checkServerResilience(props: Props): string[] {
    const problems: string[] = [];
    const geo = obj(props.backup).geoRedundantBackup;
    if (!isUnknown(geo) && !sameText(geo, "Enabled")) {
        problems.push(`backup.geoRedundantBackup is ${show(geo)}: enable geo-redundant backups (fixed at creation) to survive a regional outage`);
    }
    const mode = obj(props.highAvailability).mode;
    if (!isUnknown(mode) && !sameText(mode, "ZoneRedundant") && !sameText(mode, "SameZone")) {
        problems.push(`highAvailability.mode is ${show(mode)}: use ZoneRedundant (or SameZone) so a standby takes over on failure`);
    }
    return problems;
}

// ------------------------------------------------------------------------------------------------
// Network
// ------------------------------------------------------------------------------------------------

const PORT_NAMES: Record<number, string> = { 22: "SSH", 5432: "PostgreSQL" };
const INTERNET_SOURCES = ["*", "any", "internet", "::/0"];
const NON_TCP = ["udp", "icmp", "esp", "ah"];

/** `*`, `Any`, `Internet`, `::/0`, or an IPv4 block of /8 or wider outside RFC 1918 (`0.0.0.0/0` is one). */
export function isInternetSource(prefix: string): boolean {
    const text = prefix.trim().toLowerCase();
    if (INTERNET_SOURCES.includes(text)) {
        return true;
    }
    const block = parseCidr(text);
    return typeof block !== "string" && block.prefixLength <= 8 && !isRfc1918(block);
}

/** Whether an NSG port specification (`*`, `22`, `20-30`) covers `port`; unparseable counts as yes. */
export function portSpecCovers(spec: string, port: number): boolean {
    // "*" and anything else that is neither a port nor a range count as covering every port.
    const text = spec.trim();
    const single = /^(\d+)$/.exec(text);
    if (single) {
        return Number(single[1]) === port;
    }
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(text);
    if (range) {
        return Number(range[1]) <= port && port <= Number(range[2]);
    }
    return true;
}

/** One NSG rule (inline in an NSG or a standalone SecurityRule): no Internet source to a protected port. */
export function checkSecurityRule(rule: Props, ports: readonly number[] = DEFAULT_PROTECTED_PORTS): string[] {
    if (!sameText(rule.direction, "Inbound") || !sameText(rule.access, "Allow")) {
        return [];
    }
    if (typeof rule.protocol === "string" && NON_TCP.includes(rule.protocol.toLowerCase())) {
        return [];
    }
    const sources = [rule.sourceAddressPrefix, ...arr(rule.sourceAddressPrefixes)].filter((s): s is string => typeof s === "string");
    const internet = sources.filter(isInternetSource);
    if (internet.length === 0) {
        return [];
    }
    const portValues = [rule.destinationPortRange, ...arr(rule.destinationPortRanges)].filter((p) => p !== undefined && p !== null);
    if (portValues.some(isUnknown)) {
        return [];
    }
    // A rule that names no destination port is judged as one for every port.
    const specs = portValues.map(String);
    const hit = ports.filter((port) => specs.length === 0 || specs.some((spec) => portSpecCovers(spec, port)));
    const name = str(rule.name) ?? "(unnamed rule)";
    return hit.map((port) => `rule ${name} allows ${internet.join(", ")} (the Internet) to port ${port}${PORT_NAMES[port] ? ` (${PORT_NAMES[port]})` : ""}; admit VPN clients or specific subnets only`);
}

export function checkNetworkSecurityGroup(props: Props, ports: readonly number[] = DEFAULT_PROTECTED_PORTS): string[] {
    return arr(props.securityRules).flatMap((rule) => checkSecurityRule(obj(rule), ports));
}

/** No IP configuration of a network interface carries a public IP. */
export function checkNetworkInterfacePublicIp(props: Props): string[] {
    return arr(props.ipConfigurations).flatMap((config, i) => present(obj(config).publicIPAddress)
        ? [`ipConfigurations[${i}] (${str(obj(config).name) ?? "unnamed"}) has a public IP: the proxy VM is reached over the VPN only and leaves through the NAT gateway`]
        : []);
}

/** No network interface a VM defines inline gets a public IP configuration. */
export function checkVirtualMachinePublicIp(props: Props): string[] {
    const problems: string[] = [];
    arr(obj(props.networkProfile).networkInterfaceConfigurations).forEach((nic, i) => {
        arr(obj(nic).ipConfigurations).forEach((config, j) => {
            if (present(obj(config).publicIPAddressConfiguration)) {
                problems.push(`networkProfile.networkInterfaceConfigurations[${i}].ipConfigurations[${j}] creates a public IP: the proxy VM must have none`);
            }
        });
    });
    return problems;
}

function looksLikeWindows(props: Props): boolean {
    const image = obj(obj(props.storageProfile).imageReference);
    return [image.publisher, image.offer].some((text) => typeof text === "string" && /windows/i.test(text));
}

/** Linux VMs: `disablePasswordAuthentication: true` and no admin password (SSH keys only). */
export function checkLinuxPasswordAuth(props: Props): string[] {
    if (!present(props.osProfile) || isUnknown(props.osProfile)) {
        return [];
    }
    const os = obj(props.osProfile);
    const linux = os.linuxConfiguration;
    if (!present(linux) && ((os.windowsConfiguration !== undefined && os.windowsConfiguration !== null) || looksLikeWindows(props))) {
        return [];
    }
    const problems: string[] = [];
    const disabled = obj(linux).disablePasswordAuthentication;
    if (!isUnknown(disabled) && disabled !== true) {
        problems.push(`osProfile.linuxConfiguration.disablePasswordAuthentication is ${show(disabled)}: it must be true (SSH keys only)`);
    }
    if (present(os.adminPassword)) {
        problems.push("osProfile.adminPassword is set on a Linux VM: use SSH keys only");
    }
    return problems;
}

/** Basic public IPs were retired on 2025-09-30 and VPN gateways refuse them: Standard only, explicitly. */
export function checkPublicIpSku(props: Props): string[] {
    const sku = obj(props.sku).name;
    if (isUnknown(sku) || sameText(sku, "Standard")) {
        return [];
    }
    return sku === undefined
        ? ["sku.name is unset: set Standard explicitly (older API versions default to the retired Basic SKU)"]
        : [`sku.name is ${show(sku)}: Basic public IPs are retired; use Standard`];
}

// ------------------------------------------------------------------------------------------------
// VPN gateway
// ------------------------------------------------------------------------------------------------

/**
 * No Basic gateway SKU: it has no OpenVPN, IKEv2, RADIUS or Entra ID and needs a Basic public IP.
 * A VPN gateway's SKU is one of `allowedSkus` (every other VPN SKU unless configured); ExpressRoute
 * gateways have SKUs of their own and are only held to the first rule.
 */
export function checkGatewaySku(props: Props, allowedSkus: readonly string[] = DEFAULT_ALLOWED_GATEWAY_SKUS): string[] {
    const sku = obj(props.sku);
    if (sameText(sku.name, "Basic") || sameText(sku.tier, "Basic")) {
        return ["sku is Basic: it has no OpenVPN, IKEv2 or Entra ID and needs a retired Basic public IP; use VpnGw1AZ or larger"];
    }
    const name = str(sku.name);
    if (name === undefined || sameText(props.gatewayType, "ExpressRoute") || allowedSkus.some((allowed) => sameText(name, allowed))) {
        return [];
    }
    return [`sku is ${show(name)}: this policy pack allows only ${allowedSkus.join(", ")} (vpn-gateway-no-basic-sku allowedSkus)`];
}

/**
 * Site-to-site connections use IKEv2 and one explicit IPsec/IKE policy at least as strong as
 * securepg's default (lib/siteToSite.ts): Azure's own default proposals include DH group 2.
 */
export function checkSiteConnection(props: Props): string[] {
    if (!sameText(props.connectionType, "IPsec")) {
        return [];
    }
    const problems: string[] = [];
    if (!isUnknown(props.connectionProtocol) && !sameText(props.connectionProtocol, "IKEv2")) {
        problems.push(`connectionProtocol is ${show(props.connectionProtocol ?? "unset (IKEv2 or IKEv1 by the device)")}: use IKEv2`);
    }
    if (isUnknown(props.ipsecPolicies)) {
        return problems;
    }
    const policies = arr(props.ipsecPolicies);
    if (policies.length !== 1) {
        return [...problems, "ipsecPolicies is empty: Azure's default proposals include DH group 2; give one policy at least as strong as securepg's default"];
    }
    const policy = obj(policies[0]) as unknown as IpsecPolicy;
    const weaker = weakerThanDefault(policy);
    if (weaker.length > 0) {
        problems.push(`ipsecPolicies[0] is weaker than securepg's default in ${weaker.map((field) => `${field} (${show(policy[field])}, default ${DEFAULT_IPSEC_POLICY[field]})`).join(", ")}`);
    }
    return problems;
}

const ALLOWED_AUTH = ["Certificate", "AAD"];

/** Point-to-Site clients authenticate with certificates or Microsoft Entra ID only: no RADIUS. */
export function checkVpnClientAuth(props: Props): string[] {
    const raw = props.vpnClientConfiguration;
    if (!present(raw) || isUnknown(raw)) {
        return [];
    }
    const config = obj(raw);
    const problems: string[] = [];
    const types = config.vpnAuthenticationTypes;
    if (!isUnknown(types)) {
        const list = arr(types);
        for (const type of list.filter((t) => !ALLOWED_AUTH.some((allowed) => sameText(t, allowed)))) {
            problems.push(`vpnClientConfiguration.vpnAuthenticationTypes includes ${show(type)}: only Certificate or AAD (Microsoft Entra ID) are allowed`);
        }
        if (list.length === 0 && !present(config.vpnClientRootCertificates) && !present(config.aadTenant)) {
            problems.push("vpnClientConfiguration names no authentication type and has neither root certificates nor Entra ID settings");
        }
        if (list.some((t) => sameText(t, "AAD"))) {
            for (const key of ["aadTenant", "aadAudience", "aadIssuer"]) {
                if (!present(config[key])) {
                    problems.push(`vpnClientConfiguration.${key} is unset: Entra ID authentication needs the tenant, audience and issuer`);
                }
            }
        }
    }
    for (const key of ["radiusServerAddress", "radiusServerSecret", "radiusServers"]) {
        if (present(config[key])) {
            problems.push(`vpnClientConfiguration.${key} configures RADIUS: use certificates or Entra ID`);
        }
    }
    return problems;
}

/** The public IP of a VPN gateway: Standard, static, zone-redundant (zones 1, 2 and 3). */
export function checkVpnPublicIp(props: Props): string[] {
    const problems: string[] = [];
    const sku = obj(props.sku).name;
    if (!isUnknown(sku) && !sameText(sku, "Standard")) {
        problems.push(`sku.name is ${show(sku)}: a VPN gateway needs a Standard public IP`);
    }
    const allocation = props.publicIPAllocationMethod;
    if (!isUnknown(allocation) && !sameText(allocation, "Static")) {
        problems.push(`publicIPAllocationMethod is ${show(allocation)}: a VPN gateway needs a static public IP`);
    }
    if (!isUnknown(props.zones)) {
        const zones = new Set(arr(props.zones).map(String));
        const location = String(props.location);
        if (regionZones(location) === "no-zones") {
            // Azure deploys AZ gateway SKUs regionally there and refuses zones on their IPs.
            if (zones.size > 0) {
                problems.push(`zones is ${show(props.zones)} in ${location}, a region without availability zones: the VPN gateway's public IP must have none there`);
            }
        } else if (zones.size < 3) {
            problems.push(`zones is ${show(props.zones)}: the VPN gateway's public IP must be zone-redundant (zones ["1", "2", "3"])`);
        }
    }
    return problems;
}

/** A resource as a stack-level check sees it (CrossGuard's PolicyResource, as plain data). */
export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Inputs (Analyze) or outputs (AnalyzeStack), secrets unwrapped. */
    readonly props: Props;
    /** URNs of the resources this one depends on. */
    readonly dependencies: readonly string[];
    /** URNs each property depends on, when the engine provides them. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    readonly additionalSecretOutputs: readonly string[];
}

function ofKind(resources: readonly StackResource[], token: string): StackResource[] {
    return resources.filter((r) => isKind(r.type, token));
}

/**
 * The public IPs a VPN gateway uses: those its `ipConfigurations` depend on (known even during
 * preview, when ids are not), plus those whose name ends one of its `publicIPAddress.id`s.
 */
export function gatewayPublicIps(gateway: StackResource, resources: readonly StackResource[]): { linked: StackResource[]; referenced: number } {
    const ips = ofKind(resources, TYPES.publicIp);
    const viaProperty = gateway.propertyDependencies?.ipConfigurations;
    const dependencyUrns = new Set(viaProperty && viaProperty.length > 0 ? viaProperty : gateway.dependencies);
    const linked = new Set(ips.filter((ip) => dependencyUrns.has(ip.urn)));
    const references = arr(gateway.props.ipConfigurations).map((c) => obj(c).publicIPAddress).filter(present);
    for (const reference of references) {
        const name = armName(obj(reference).id);
        const match = name === undefined ? undefined : ips.find((ip) => (str(ip.props.name) ?? str(ip.props.publicIpAddressName))?.toLowerCase() === name);
        if (match) {
            linked.add(match);
        }
    }
    return { linked: [...linked], referenced: references.length };
}

/** Every public IP a VPN gateway uses is Standard, static and zone-redundant. */
export function checkVpnGatewayPublicIps(resources: readonly StackResource[]): Finding[] {
    const findings: Finding[] = [];
    for (const gateway of ofKind(resources, TYPES.vpnGateway)) {
        const { linked, referenced } = gatewayPublicIps(gateway, resources);
        if (referenced > 0 && linked.length === 0) {
            findings.push({ urn: gateway.urn, message: `VPN gateway ${gateway.name} uses a public IP that is not managed in this stack, so its SKU and zones cannot be checked` });
        }
        for (const ip of linked) {
            for (const problem of checkVpnPublicIp(ip.props)) {
                findings.push({ urn: ip.urn, message: `public IP ${ip.name} of VPN gateway ${gateway.name}: ${problem}` });
            }
        }
    }
    return findings;
}

/** The P2S client address pool overlaps no address space of a VNet in the stack. */
export function checkVpnClientPools(resources: readonly StackResource[]): Finding[] {
    const spaces = ofKind(resources, TYPES.virtualNetwork).flatMap((vnet) =>
        arr(obj(vnet.props.addressSpace).addressPrefixes).flatMap((prefix) => {
            const block = typeof prefix === "string" ? parseCidr(prefix) : undefined;
            return block && typeof block !== "string" ? [{ vnet, block }] : [];
        }));
    const findings: Finding[] = [];
    for (const gateway of ofKind(resources, TYPES.vpnGateway)) {
        const pools = arr(obj(obj(gateway.props.vpnClientConfiguration).vpnClientAddressPool).addressPrefixes);
        for (const pool of pools.filter((p) => !isUnknown(p))) {
            const block = parseCidr(String(pool));
            if (typeof block === "string") {
                findings.push({ urn: gateway.urn, message: `VPN gateway ${gateway.name}: client address pool ${block}` });
                continue;
            }
            for (const space of spaces.filter((s) => overlaps(s.block, block))) {
                findings.push({
                    urn: gateway.urn,
                    message: `VPN gateway ${gateway.name}: client address pool ${block.text} overlaps the address space ${space.block.text} of VNet ${space.vnet.name}; VPN clients would be unroutable`,
                });
            }
        }
    }
    return findings;
}

// ------------------------------------------------------------------------------------------------
// Identity and audit
// ------------------------------------------------------------------------------------------------

/** Whether `resource` refers to `target` through `property` (or, without property dependencies, at all). */
function refersTo(resource: StackResource, property: string, target: StackResource): boolean {
    const viaProperty = resource.propertyDependencies?.[property];
    return (viaProperty && viaProperty.length > 0 ? viaProperty : resource.dependencies).includes(target.urn);
}

/** The diagnostic settings in the stack that send `category` of `target` to a Log Analytics workspace. */
function diagnosticsOf(target: StackResource, category: string, resources: readonly StackResource[]): StackResource[] {
    return ofKind(resources, TYPES.diagnosticSetting).filter((setting) =>
        refersTo(setting, "resourceUri", target) &&
        present(setting.props.workspaceId) &&
        arr(setting.props.logs).some((log) => {
            const entry = obj(log);
            return entry.enabled === true && (sameText(entry.category, category) || sameText(entry.categoryGroup, "allLogs") || sameText(entry.categoryGroup, "audit"));
        }));
}

/**
 * Production servers and gateways keep their audit trail: a diagnostic setting to a workspace with
 * the server's connection log (PostgreSQLLogs) and the gateway's point-to-site log.
 */
export function checkProdDiagnostics(resources: readonly StackResource[]): Finding[] {
    const findings: Finding[] = [];
    const wanted: Array<[string, string, string]> = [[TYPES.server, "PostgreSQLLogs", "PostgreSQL server"], [TYPES.vpnGateway, "P2SDiagnosticLog", "VPN gateway"]];
    for (const [type, category, what] of wanted) {
        for (const target of ofKind(resources, type).filter((r) => isProduction(environmentOf(r.props)))) {
            if (diagnosticsOf(target, category, resources).length === 0) {
                findings.push({ urn: target.urn, message: `${what} ${target.name} sends no ${category} to a Log Analytics workspace: production keeps its audit trail (securepg:monitoring.diagnostics)` });
            }
        }
    }
    return findings;
}

/** A server with password authentication off has Entra on and an Entra administrator, or nobody can sign in. */
export function checkPasswordlessHasEntraAdmin(resources: readonly StackResource[]): Finding[] {
    const findings: Finding[] = [];
    const admins = [...ofKind(resources, TYPES.entraAdmin), ...ofKind(resources, TYPES.entraAdminLegacy)];
    for (const server of ofKind(resources, TYPES.server)) {
        const auth = obj(server.props.authConfig);
        if (!sameText(auth.passwordAuth, "Disabled")) {
            continue;
        }
        if (!sameText(auth.activeDirectoryAuth, "Enabled") && !isUnknown(auth.activeDirectoryAuth)) {
            findings.push({ urn: server.urn, message: `PostgreSQL server ${server.name} has password and Entra authentication both off: nobody can sign in` });
        } else if (!admins.some((admin) => refersTo(admin, "serverName", server))) {
            findings.push({ urn: server.urn, message: `PostgreSQL server ${server.name} has password authentication off and no Entra administrator in this stack (securepg:database.entraAdmin)` });
        }
    }
    return findings;
}

/**
 * In a production stack (any resource tagged so, or none tagged otherwise), every workspace and
 * workspace table the stack manages keeps logs at least `floorDays`. A table at -1 inherits the
 * workspace's retention, which is checked where the stack owns the workspace.
 */
export function checkLogRetention(resources: readonly StackResource[], floorDays: number = DEFAULT_RETENTION_FLOOR_DAYS): Finding[] {
    // The stack resource carries the outputs, no tags: it counts as neither.
    const environments = resources.map((r) => environmentOf(r.props)).filter(present);
    const production = environments.length === 0 || environments.some((e) => isProduction(e));
    if (!production) {
        return [];
    }
    const findings: Finding[] = [];
    for (const holder of [...ofKind(resources, TYPES.workspace), ...ofKind(resources, TYPES.workspaceTable)]) {
        const days = holder.props.retentionInDays;
        const inherits = isKind(holder.type, TYPES.workspaceTable) && days === -1;
        if (isUnknown(days) || inherits || (typeof days === "number" && days >= floorDays)) {
            continue;
        }
        findings.push({ urn: holder.urn, message: `${isKind(holder.type, TYPES.workspace) ? "Log Analytics workspace" : "workspace table"} ${holder.name} keeps logs ${show(days)} days: production keeps them at least ${floorDays} (securepg:monitoring.retentionInDays)` });
    }
    return findings;
}

// ------------------------------------------------------------------------------------------------
// Secrets
// ------------------------------------------------------------------------------------------------

/** Outputs that must be declared `additionalSecretOutputs`, by resource type. */
export const SENSITIVE_OUTPUTS: Readonly<Record<string, readonly string[]>> = {
    [TYPES.server]: ["administratorLoginPassword"],
    [TYPES.randomPassword]: ["result", "bcryptHash"],
    [TYPES.tlsPrivateKey]: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"],
    // Azure returns a connection's pre-shared key on a read.
    [TYPES.vpnConnection]: ["sharedKey"],
};

/** A property or output name that says it carries a credential, or several (`siteSharedKeys`). */
const SENSITIVE_NAME = /(password|passwd|passphrase|secret|privatekey(pem|openssh|pkcs8)?|sharedkey|accesskey|connectionstring|clientcertificate|credential)s?$/i;
/** ... unless it says it does not (`connectionStringWithoutPassword`). */
const NOT_SENSITIVE_NAME = /without/i;
const PRIVATE_KEY_PEM = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
/** Shorter values are too likely to occur by chance in other strings. */
const MIN_TRACKED_SECRET_LENGTH = 8;

export function isSensitiveName(name: string): boolean {
    return SENSITIVE_NAME.test(name) && !NOT_SENSITIVE_NAME.test(name);
}

/** The value at `path` is, or is inside, an output its type's table lists as sensitive. */
function withinSensitiveOutput(resource: StackResource, path: PropPath): boolean {
    return SENSITIVE_OUTPUTS[resourceKind(resource)]?.includes(String(path[0])) ?? false;
}

/** The value at `path` is itself a credential: its own name (or its list's) says so, or its type's table does. */
function isCredential(resource: StackResource, path: PropPath): boolean {
    const own = [...path].reverse().find((part): part is string => typeof part === "string");
    return (own !== undefined && isSensitiveName(own)) || withinSensitiveOutput(resource, path);
}

/** The value at `path` is a credential or part of a bundle named as one (`vpnClientCertificates.x.certificatePem`). */
function withinCredential(resource: StackResource, path: PropPath): boolean {
    return path.some((part) => typeof part === "string" && isSensitiveName(part)) || withinSensitiveOutput(resource, path);
}

function resourceKind(resource: StackResource): string {
    return kindOf(resource.type);
}

function describe(resource: StackResource, path: PropPath): string {
    return isKind(resource.type, TYPES.stack) ? `stack output ${formatPath(path)}` : `${resource.type} ${resource.name}: ${formatPath(path)}`;
}

/**
 * What a policy can see of secrets through @pulumi/policy's public API: secret values arrive
 * unwrapped, indistinguishable from plaintext (pulumi/pulumi-policy#241), so whether a value is a
 * secret is not checked. What is checked:
 * - outputs listed in SENSITIVE_OUTPUTS are declared `additionalSecretOutputs` (resource options);
 * - a credential (a string whose name says so, an output SENSITIVE_OUTPUTS lists, a PEM private key)
 *   appears nowhere but under a name that says it carries one: not copied into a tag, a name, a
 *   plain setting or a stack output like `dsn` (resource inputs and outputs and, through the
 *   `pulumi:pulumi:Stack` resource, the stack outputs). A value under such a name is what the
 *   program wraps in `pulumi.secret()`; anywhere else it is plaintext by construction.
 */
export function checkSecrets(resources: readonly StackResource[]): Finding[] {
    const findings: Finding[] = [];
    for (const resource of resources) {
        for (const output of SENSITIVE_OUTPUTS[resourceKind(resource)] ?? []) {
            if (!resource.additionalSecretOutputs.includes(output)) {
                findings.push({ urn: resource.urn, message: `${resource.type} ${resource.name}: ${output} is not declared in additionalSecretOutputs` });
            }
        }
    }

    // Values of credentials anywhere in the stack, to find copies of them elsewhere.
    const credentials = new Map<string, string>();
    for (const resource of resources) {
        walkStrings(resource.props, (path, text) => {
            if (text.length >= MIN_TRACKED_SECRET_LENGTH && isCredential(resource, path) && !credentials.has(text)) {
                credentials.set(text, describe(resource, path));
            }
        });
    }

    for (const resource of resources) {
        walkStrings(resource.props, (path, text) => {
            if (text === "" || withinCredential(resource, path)) {
                return;
            }
            const where = describe(resource, path);
            if (PRIVATE_KEY_PEM.test(text)) {
                findings.push({ urn: resource.urn, message: `${where} holds a PEM private key under a name that does not say it is a credential; keep it in a secret output named for it` });
                return;
            }
            const copied = [...credentials.entries()].find(([value]) => text.includes(value));
            if (copied) {
                findings.push({ urn: resource.urn, message: `${where} contains the value of ${copied[1]} under a name that does not say it is a credential; keep it in a secret output named for it` });
            }
        });
    }
    return findings;
}
