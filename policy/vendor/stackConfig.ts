/** The validated, fully defaulted configuration of one stack. Every component reads only this. */
import type { Ipv4Cidr } from "./cidr";
import type { EntraAdmin } from "./entra";
import type { ZonePlan } from "./regions";
import type { IpsecPolicy } from "./siteToSite";

export type Environment = "dev" | "prod";

export type PostgresVersion = "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18";
export type DatabaseTier = "Burstable" | "GeneralPurpose" | "MemoryOptimized";
export type TlsMinVersion = "TLSv1.2" | "TLSv1.3";
export type VpnGatewaySku = "VpnGw1AZ" | "VpnGw2AZ" | "VpnGw3AZ" | "VpnGw4AZ" | "VpnGw5AZ";

export interface NetworkConfig {
    readonly addressSpace: Ipv4Cidr;
    readonly gatewaySubnet: Ipv4Cidr;
    readonly proxySubnet: Ipv4Cidr;
    /** Delegated to Flexible Server in `vnet` mode; kept free (not created) in `public` mode. */
    readonly databaseSubnet: Ipv4Cidr;
    /** Service endpoints on the proxy subnet, e.g. "Microsoft.Sql". */
    readonly serviceEndpoints: readonly string[];
}

/** A public address range allowed through the server firewall. */
export interface AllowedIpRange {
    /** As written in the stack file. */
    readonly source: string;
    readonly block: Ipv4Cidr;
}

interface DatabaseCommon {
    /** Explicit server name, or undefined for `psql-<project>-<stack>-<random>`. */
    readonly serverName: string | undefined;
    readonly version: PostgresVersion;
    readonly skuName: string;
    readonly tier: DatabaseTier;
    readonly storageSizeGB: number;
    readonly highAvailability: boolean;
    readonly geoRedundantBackup: boolean;
    readonly backupRetentionDays: number;
    readonly adminLogin: string;
    readonly databases: readonly string[];
    readonly tlsMinVersion: TlsMinVersion;
    /** Bump to issue a new admin password (applied in place). */
    readonly passwordRotation: number;
    /** Lets a protected stack go ahead with a change that replaces (empties) the server. */
    readonly allowReplace: boolean;
    /** An Azure CanNotDelete lock on the server (inherited by its firewall rules and databases). */
    readonly deleteLock: boolean;
    /** The server's Microsoft Entra administrator (a group, preferably); set: Entra authentication is on. */
    readonly entraAdmin: EntraAdmin | undefined;
    /** Password authentication; unset: what the deployed server has, or see `chooseDatabaseAuth`. */
    readonly passwordAuth: boolean | undefined;
    /**
     * The server's built-in PgBouncer (port 6432), which the proxy then forwards too; unset: the
     * server's setting is left as it is.
     */
    readonly pgbouncer: boolean | undefined;
}

/** Private access: VNet-integrated server, no public endpoint, no firewall rules. */
export interface VnetDatabaseConfig extends DatabaseCommon {
    readonly access: "vnet";
}

/** Public access: firewall allowlist only; the proxy reaches it through the NAT gateway's IP. */
export interface PublicDatabaseConfig extends DatabaseCommon {
    readonly access: "public";
    readonly allowedIpRanges: readonly AllowedIpRange[];
    /** Adds the 0.0.0.0 rule: any Azure service of any tenant may connect. */
    readonly allowAzureServices: boolean;
}

export type DatabaseConfig = VnetDatabaseConfig | PublicDatabaseConfig;

/** An on-premises network reached over a site-to-site IPsec tunnel. */
export interface SiteConfig {
    /** Names the local network gateway and the connection (`lgw-…-<name>`, `con-…-<name>`). */
    readonly name: string;
    /** The on-premises VPN device's public IPv4 address. */
    readonly gatewayAddress: string;
    /** The site's networks: routed to the site, and admitted by the proxy (NSG and nginx). */
    readonly addressPrefixes: readonly Ipv4Cidr[];
    readonly bgp: { readonly asn: number; readonly peeringAddress: string } | undefined;
    /** The IPsec/IKE policy: the strong default, with any fields the stack file gives. */
    readonly ipsecPolicy: IpsecPolicy;
}

export interface VpnConfig {
    readonly clientAddressPool: Ipv4Cidr;
    readonly sku: VpnGatewaySku;
    /** Names of client certificates to issue, signed by the newest root. */
    readonly clients: readonly string[];
    /** Names of self-signed root CAs Azure trusts; the last one signs client certificates. */
    readonly rootCertificates: readonly string[];
    readonly clientCertificateValidityDays: number;
    /** How VPN clients sign in: certificates, Microsoft Entra ID (OpenVPN, Windows and macOS), or both. */
    readonly authentication: "certificate" | "entra" | "both";
    /** The Entra app clients sign in to; unset: the Microsoft-registered Azure VPN Client. */
    readonly entraAudience: string | undefined;
    /** Site-to-site connections to on-premises networks. */
    readonly sites: readonly SiteConfig[];
    /** Pre-shared keys by site name (secret config); a site without one gets a generated key. */
    readonly siteKeys: Readonly<Record<string, string>>;
    /** Two gateway instances, each with its own public IP (P2S then needs a third). */
    readonly activeActive: boolean;
}

/** A database this stack does not own, reached through the same proxy on a port of its own. */
export interface ProxyTargetConfig {
    /** Names the target's nginx server, NSG and load balancer rules and its output. */
    readonly name: string;
    /** The server's FQDN, re-resolved like the stack's own server. */
    readonly host: string;
    readonly port: number;
    /** The port clients connect to on the proxy's frontend. */
    readonly listenPort: number;
}

export interface ProxyConfig {
    /** How many proxy VMs, one per availability zone, behind the internal load balancer. */
    readonly instances: number;
    readonly vmSize: string;
    readonly port: number;
    readonly adminUsername: string;
    /** An OpenSSH public key to use instead of a generated one. */
    readonly sshPublicKey: string | undefined;
    /** nginx `proxy_timeout`: how long a session may stay idle before the proxy closes it. */
    readonly idleTimeoutSeconds: number;
    readonly connectTimeoutSeconds: number;
    /** How long nginx trusts a DNS answer for the server name. */
    readonly resolverValidSeconds: number;
    /** TCP keepalive timings; the first probe must come before Azure's ~4-minute idle-flow timeout. */
    readonly keepaliveIdleSeconds: number;
    readonly keepaliveIntervalSeconds: number;
    readonly keepaliveProbes: number;
    /** More databases through the same proxy, each on its own listen port. */
    readonly targets: readonly ProxyTargetConfig[];
}

/** A Log Analytics workspace the stack does not own, as its resource id names it. */
export interface WorkspaceReference {
    readonly id: string;
    readonly subscriptionId: string;
    readonly resourceGroupName: string;
    readonly workspaceName: string;
}

export interface MonitoringConfig {
    /** The audit trail: server and gateway diagnostic settings, and the proxies' logs through the Azure Monitor Agent. */
    readonly diagnostics: boolean;
    /** `securepg:monitoring.workspaceId`: an existing workspace; unset: the stack creates its own. */
    readonly existingWorkspace: WorkspaceReference | undefined;
    /** Days of retention: the created workspace's, or in an existing one, securepg's own table's. */
    readonly retentionInDays: number;
    /** Where alerts are emailed (an action group); empty: alerts fire without notifying anyone. */
    readonly alertEmails: readonly string[];
}

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    readonly environment: Environment;
    readonly location: string;
    /** How zonal resources are planned in this region (zone-redundant where the region has zones). */
    readonly zones: ZonePlan;
    /** Pulumi `protect` on stateful resources (resource group, server, databases, DNS zone). */
    readonly protect: boolean;
    /** The Microsoft Entra tenant for VPN sign-in and the database's Entra authentication; unset: the deploying identity's. */
    readonly entraTenantId: string | undefined;
    readonly network: NetworkConfig;
    readonly database: DatabaseConfig;
    readonly vpn: VpnConfig;
    readonly proxy: ProxyConfig;
    readonly monitoring: MonitoringConfig;
    /** Non-fatal findings (retiring SKUs, extended-support versions, ...), shown as warnings. */
    readonly warnings: readonly string[];
}
