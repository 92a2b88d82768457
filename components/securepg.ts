/**
 * `securepg:index:SecurePg`: the whole system as one component (network, server, VPN gateway and
 * site-to-site tunnels, proxy tier, audit trail, alerts). The stack program (`index.ts`) creates one
 * from its stack configuration; any Pulumi program creates one through the component package
 * (`PulumiPlugin.yaml`; schema inferred from `SecurePgArgs` by the Pulumi Node.js SDK).
 *
 * The args are the stack configuration's sections as plain objects, validated by the same code and
 * with the same messages as a stack file, before any resource is declared. The inferred schema
 * takes plain, documented fields without unions: settings that take one of a few words are strings
 * here, and the validator names the words it accepts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { Alerts } from "./alerts";
import { AuditTrail } from "./audit";
import { PostgresServer } from "./database";
import { Network } from "./network";
import { ProxyTier } from "./proxyTier";
import { SiteToSite, DPD_TIMEOUT_SECONDS } from "./siteToSite";
import { VpnGateway } from "./vpnGateway";
import { siteDeviceConfig } from "../lib/siteToSite";
import { libpqConnectionString } from "../lib/connection";
import { entraPsqlCommand } from "../lib/entra";
import { NGINX_DEFAULTS } from "../lib/nginx";
import { resourceNames } from "../lib/naming";
import { databaseIdentity } from "../lib/replacement";
import { plannedStorageSize } from "../lib/lifecycle";
import { PGBOUNCER_PORT, proxyListenPorts, sitePrefixes, targetConnectionString } from "../lib/proxyTargets";
import { parseStackConfig, StackConfigError, type StackConfig } from "../stacks";
import { readExistingWorkspace, readLiveStorageSizeGB, readPreviousDeployment } from "../stacks/deployed";
import { checkDeployment, databaseAuthFor, enforceDeploymentCheck } from "../stacks/guard";
import { engineConfigOf } from "../stacks/settings";

/** The component's type token. A component package serves only its `index` module. */
export const SECUREPG_TYPE = "securepg:index:SecurePg";

/** The VNet (`securepg:network` in a stack file). Subnets not given are planned inside `addressSpace`. */
export interface NetworkSettings {
    /** VNet range in CIDR form, RFC 1918 or 100.64.0.0/10. Default 10.40.0.0/16. */
    addressSpace?: string;
    /** GatewaySubnet, /27 or larger. Default: the first /27 of the address space. */
    gatewaySubnet?: string;
    /** The proxy tier's subnet, /29 or larger. Default: the second /24 (or /27 in small spaces). */
    proxySubnet?: string;
    /** The subnet delegated to Flexible Server in vnet mode, /28 or larger. Default: the third /24 (or /27). */
    databaseSubnet?: string;
    /** Service endpoints on the proxy subnet. Default ["Microsoft.Sql"] in vnet mode, [] in public mode. */
    serviceEndpoints?: string[];
}

/** The server's Microsoft Entra administrator. */
export interface EntraAdminSettings {
    /** The principal's object id (a GUID). */
    objectId: string;
    /** The group's exact display name, a user's UPN or an app's display name: what people sign in as. */
    principalName: string;
    /** "Group" (default), "User" or "ServicePrincipal". */
    principalType?: string;
}

/** The PostgreSQL Flexible Server (`securepg:database`). */
export interface DatabaseSettings {
    /** "vnet" (private, VNet-integrated; default) or "public" (firewall allowlist). Fixed at creation. */
    access?: string;
    /** Explicit server name, 3-63 lowercase letters, digits and single hyphens. Default: psql-<project>-<stack>-<random>. */
    serverName?: string;
    /** PostgreSQL major version, "11" to "18". Default "17". */
    version?: string;
    /** Compute size, e.g. Standard_B1ms or Standard_D2ds_v5; must belong to the tier. */
    skuName?: string;
    /** "Burstable", "GeneralPurpose" or "MemoryOptimized". */
    tier?: string;
    /** Storage in GiB, one of 32, 64, 128, ... 32767: a floor (auto-grow is on, and a grown disk is kept). */
    storageSizeGB?: number;
    /** Zone-redundant (or same-zone) high availability; not on Burstable. */
    highAvailability?: boolean;
    /** Geo-redundant backups. Fixed at creation. */
    geoRedundantBackup?: boolean;
    /** Backup retention, 7-35 days. */
    backupRetentionDays?: number;
    /** Public mode only: IPv4 addresses or CIDR blocks (at most /24 wide) the firewall admits. */
    allowedIpRanges?: string[];
    /** Public mode only: admit every Azure service of every tenant (the 0.0.0.0 rule). */
    allowAzureServices?: boolean;
    /** The administrator login. Fixed at creation. Default "pgadmin". */
    adminLogin?: string;
    /** Application databases to create. Default ["app"]. */
    databases?: string[];
    /** "TLSv1.2" (default) or "TLSv1.3". */
    tlsMinVersion?: string;
    /** Bump to generate a new administrator password (an in-place update). */
    passwordRotation?: number;
    /** Lets a prod deployment replace (empty) the server, once protection is off. */
    allowReplace?: boolean;
    /** An Azure CanNotDelete lock on the server. */
    deleteLock?: boolean;
    /** Turns Microsoft Entra authentication on with this administrator. */
    entraAdmin?: EntraAdminSettings;
    /** false turns password sign-in off (needs entraAdmin). Unset: what is deployed. */
    passwordAuth?: boolean;
    /** The server's built-in PgBouncer on port 6432 (not on Burstable). Unset: left as the server has it. */
    pgbouncer?: boolean;
}

/** BGP for a site-to-site tunnel. */
export interface BgpSettings {
    /** The site's autonomous system number (not one Azure or IANA reserves). */
    asn: number;
    /** The device's BGP peering address, outside the VNet. */
    peeringAddress: string;
}

/** IKE/IPsec algorithms for one tunnel; fields left out keep the strong default. */
export interface IpsecPolicySettings {
    /** IKE (phase 1) encryption, e.g. AES256 or GCMAES256. */
    ikeEncryption?: string;
    /** IKE integrity, e.g. SHA256 or GCMAES256. */
    ikeIntegrity?: string;
    /** IKE Diffie-Hellman group, e.g. DHGroup14 or ECP384. */
    dhGroup?: string;
    /** IPsec (phase 2) encryption, e.g. GCMAES256. */
    ipsecEncryption?: string;
    /** IPsec integrity, e.g. GCMAES256 or SHA256. */
    ipsecIntegrity?: string;
    /** Perfect forward secrecy group, e.g. PFS2048 or ECP384. */
    pfsGroup?: string;
    /** IPsec SA lifetime in seconds, at least 300. */
    saLifeTimeSeconds?: number;
    /** IPsec SA lifetime in kilobytes, at least 1024. */
    saDataSizeKilobytes?: number;
}

/** One on-premises site reached over a site-to-site tunnel. */
export interface SiteSettings {
    /** 2-24 lowercase letters, digits and -, starting with a letter. */
    name: string;
    /** The site's VPN device's public IPv4 address. */
    gatewayAddress: string;
    /** The site's networks: routed to it, and admitted by the proxy. */
    addressPrefixes: string[];
    /** BGP, for a site that speaks it. */
    bgp?: BgpSettings;
    /** The tunnel's IKE/IPsec policy. */
    ipsecPolicy?: IpsecPolicySettings;
}

/** The VPN gateway (`securepg:vpn`). */
export interface VpnSettings {
    /** Point-to-site client addresses: private, /29 or larger, outside the VNet. Default 172.16.201.0/24. */
    clientAddressPool?: string;
    /** "VpnGw1AZ" (default) to "VpnGw5AZ". */
    sku?: string;
    /** Client certificates to issue, one per person or device. */
    clients?: string[];
    /** Root CAs Azure trusts (at most 20); the last signs client certificates. Default ["root-1"]. */
    rootCertificates?: string[];
    /** Client certificate lifetime in days. Default 365. */
    clientCertificateValidityDays?: number;
    /** How clients sign in: "certificate" (default), "entra" or "both". */
    authentication?: string;
    /** The app id VPN clients sign in to (Entra). Default: the Microsoft-registered Azure VPN Client. */
    entraAudience?: string;
    /** Site-to-site tunnels. */
    sites?: SiteSettings[];
    /** Pre-shared keys by site name (32-128 characters); a site without one gets a generated key. Pass them as secrets. */
    siteKeys?: Record<string, pulumi.Input<string>>;
    /** Both gateway instances active, each with a public address (a third is created for point-to-site). */
    activeActive?: boolean;
}

/** Another server reached through the same proxy. */
export interface ProxyTargetSettings {
    /** 2-24 lowercase letters, digits and -, starting with a letter. */
    name: string;
    /** The server's fully qualified host name (its certificate's name). */
    host: string;
    /** The server's port. */
    port: number;
    /** The port the proxy listens on for it, 1024-65535. */
    listenPort: number;
}

/** The NGINX proxy tier (`securepg:proxy`). */
export interface ProxySettings {
    /** Proxy VMs behind the load balancer, 1-3 (one per zone). */
    instances?: number;
    /** VM size, e.g. Standard_B2ats_v2 or Standard_D2as_v5. */
    vmSize?: string;
    /** The port clients connect to (not 22). Default 5432. */
    port?: number;
    /** The Linux administrator (SSH key only). Default "azureuser". */
    adminUsername?: string;
    /** Your own OpenSSH public key instead of a generated key pair. */
    sshPublicKey?: string;
    /** Idle time in seconds before the proxy closes a session. Default 28800. */
    idleTimeoutSeconds?: number;
    /** nginx proxy_connect_timeout in seconds. Default 5. */
    connectTimeoutSeconds?: number;
    /** How long nginx trusts a DNS answer for the server name, in seconds. Default 10. */
    resolverValidSeconds?: number;
    /** TCP keepalive idle time in seconds, below 240. Default 120. */
    keepaliveIdleSeconds?: number;
    /** TCP keepalive interval in seconds. Default 30. */
    keepaliveIntervalSeconds?: number;
    /** TCP keepalive probes. Default 4. */
    keepaliveProbes?: number;
    /** More PostgreSQL or MySQL servers through the same proxy. */
    targets?: ProxyTargetSettings[];
}

/** The audit trail and alerts (`securepg:monitoring`). */
export interface MonitoringSettings {
    /** Diagnostic settings and the proxies' session log. Default true. */
    diagnostics?: boolean;
    /** An existing Log Analytics workspace's resource id, in the deployment's subscription. Default: a new workspace. */
    workspaceId?: string;
    /** Log retention in days, 30-730. */
    retentionInDays?: number;
    /** Addresses the alerts email. */
    alertEmails?: string[];
}

/** Everything a securepg deployment needs; anything left out takes the environment's default. */
export interface SecurePgArgs {
    /** The Azure region, e.g. westeurope. */
    location: string;
    /** "dev" or "prod": picks the defaults. Default: from the stack name (dev…, prod…). */
    environment?: string;
    /** Pulumi protect on the stateful resources. Default false for dev, true for prod. */
    protect?: boolean;
    /** The Microsoft Entra tenant for VPN and database sign-in. Default: the deploying identity's. */
    entraTenantId?: string;
    /** The VNet. */
    network?: NetworkSettings;
    /** The PostgreSQL Flexible Server. */
    database?: DatabaseSettings;
    /** The VPN gateway. */
    vpn?: VpnSettings;
    /** The NGINX proxy tier. */
    proxy?: ProxySettings;
    /** The audit trail and alerts. */
    monitoring?: MonitoringSettings;
}

/** One proxy VM. */
export interface ProxyInstanceInfo {
    /** The VM's name. */
    vmName: string;
    /** Its availability zone, where the region has zones. */
    zone?: string;
    /** Its private address. */
    privateIp: string;
}

/** A client certificate and its key. */
export interface ClientCredentials {
    /** PEM client certificate, signed by the newest root. */
    certificatePem: string;
    /** PEM private key of the certificate. */
    privateKeyPem: string;
}

/** The IKE/IPsec policy of a tunnel, in Azure's names. */
export interface IpsecPolicyInfo {
    /** IKE encryption. */
    ikeEncryption: string;
    /** IKE integrity. */
    ikeIntegrity: string;
    /** IKE Diffie-Hellman group. */
    dhGroup: string;
    /** IPsec encryption. */
    ipsecEncryption: string;
    /** IPsec integrity. */
    ipsecIntegrity: string;
    /** Perfect forward secrecy group. */
    pfsGroup: string;
    /** IPsec SA lifetime in seconds. */
    saLifeTimeSeconds: number;
    /** IPsec SA lifetime in kilobytes. */
    saDataSizeKilobytes: number;
}

/** The same policy as strongSwan proposals. */
export interface StrongSwanProposals {
    /** The IKE proposal. */
    ike: string;
    /** The ESP proposal. */
    esp: string;
}

/** Both ends of a site's BGP session. */
export interface BgpPeeringInfo {
    /** Azure's autonomous system number. */
    azureAsn: number;
    /** Azure's BGP peering address. */
    azurePeeringAddress: string;
    /** The site's autonomous system number. */
    siteAsn: number;
    /** The site's BGP peering address. */
    sitePeeringAddress: string;
}

/** What a site's VPN device is configured with (docs/site-to-site.md). */
export interface SiteDeviceInfo {
    /** Where the device connects: one address, or one per instance when active-active. */
    azureGatewayAddresses: string[];
    /** What the device routes through the tunnel: the VNet's address space. */
    azureNetworks: string[];
    /** The site's networks as Azure routes them. */
    siteNetworks: string[];
    /** Always IKEv2. */
    ikeVersion: string;
    /** How the tunnel authenticates. */
    authentication: string;
    /** The IKE/IPsec policy. */
    policy: IpsecPolicyInfo;
    /** The policy in strongSwan's names. */
    strongSwan: StrongSwanProposals;
    /** Dead peer detection timeout in seconds. */
    dpdTimeoutSeconds: number;
    /** BGP, when the site speaks it. */
    bgp?: BgpPeeringInfo;
}

/** What a replacement of the server would change, read back by the next deployment. */
export interface DatabaseIdentityInfo {
    /** The region. */
    location: string;
    /** The resource group. */
    resourceGroup: string;
    /** The configured server name, or "(generated)". */
    serverName: string;
    /** "vnet" or "public". */
    access: string;
    /** The administrator login. */
    adminLogin: string;
    /** Whether backups are geo-redundant. */
    geoRedundantBackup: boolean;
    /** The delegated subnet (vnet mode). */
    databaseSubnet?: string;
    /** The private DNS zone (vnet mode). */
    privateDnsZone?: string;
}

/** Protection the deployment had, read back by the next one. */
export interface ProtectionInfo {
    /** Pulumi protect on the stateful resources. */
    protect: boolean;
    /** The Azure delete lock on the server. */
    deleteLock: boolean;
}

/** The gateway's SKU and generation as Azure reports them. */
export interface GatewayInfo {
    /** The SKU. */
    sku: string;
    /** Generation1 or Generation2. */
    generation: string;
}

/** How people sign in to the server, read back by the next deployment. */
export interface DatabaseAuthenticationInfo {
    /** Whether the administrator password signs in. */
    passwordAuth: boolean;
    /** The Entra administrator's object id, if any. */
    entraAdminObjectId?: string;
}

/** Builds the system; resolves to every output once the children are declared. */
const BUILDS = new WeakMap<SecurePg, Promise<void>>();
/**
 * The deployments (one engine connection each) that have a SecurePg already: the children's names and
 * the Azure names derive from the project and stack alone, so a second one would collide.
 */
const DEPLOYMENTS = new WeakSet<object>();

/**
 * Private, encrypted, audited access to an Azure Database for PostgreSQL Flexible Server: the
 * server, a VNet with a NAT gateway, a VPN gateway (point-to-site and site-to-site), an NGINX TCP
 * proxy tier behind an internal load balancer, an audit trail and alerts.
 */
export class SecurePg extends pulumi.ComponentResource {
    /** "vnet" or "public". */
    public readonly accessMode: pulumi.Output<string>;
    /** The resource group everything is in. */
    public readonly resourceGroupName: pulumi.Output<string>;
    /** The server's name. */
    public readonly serverName: pulumi.Output<string>;
    /** The server's host name: the name clients verify its certificate against. */
    public readonly serverFqdn: pulumi.Output<string>;
    /** The administrator login. */
    public readonly adminLogin: pulumi.Output<string>;
    /** Secret: the administrator password. */
    public readonly adminPassword: pulumi.Output<string>;
    /** The application databases. */
    public readonly databaseNames: pulumi.Output<string[]>;
    /** The proxy subnet's outbound address (what a public server's firewall sees). */
    public readonly natEgressIp: pulumi.Output<string>;
    /** The load balancer's frontend: the address clients connect to. */
    public readonly proxyPrivateIp: pulumi.Output<string>;
    /** The port clients connect to on proxyPrivateIp. */
    public readonly proxyPort: pulumi.Output<number>;
    /** Each proxy VM. */
    public readonly proxyInstances: pulumi.Output<ProxyInstanceInfo[]>;
    /** The proxies' Linux administrator. */
    public readonly proxyAdminUsername: pulumi.Output<string>;
    /** Secret: the proxies' SSH private key (empty with your own sshPublicKey). */
    public readonly proxySshPrivateKey: pulumi.Output<string>;
    /** The VPN gateway's public address. */
    public readonly vpnGatewayPublicIp: pulumi.Output<string>;
    /** The gateway's resource id (`az network vnet-gateway vpn-client generate --ids`). */
    public readonly vpnGatewayId: pulumi.Output<string>;
    /** Per site: what its VPN device needs. */
    public readonly siteDevices: pulumi.Output<Record<string, SiteDeviceInfo> | undefined>;
    /** Secret: per site, the pre-shared key. */
    public readonly siteSharedKeys: pulumi.Output<Record<string, string> | undefined>;
    /** How VPN clients sign in: certificate, entra or both. */
    public readonly vpnAuthentication: pulumi.Output<string>;
    /** The root CA that signs client certificates. */
    public readonly vpnRootCertificatePem: pulumi.Output<string>;
    /** Every trusted root CA, by name. */
    public readonly vpnRootCertificates: pulumi.Output<Record<string, string>>;
    /** Secret: each client's certificate and key. */
    public readonly vpnClientCertificates: pulumi.Output<Record<string, ClientCredentials>>;
    /** Secret: libpq connection string through the proxy, while passwords sign in. */
    public readonly connectionString: pulumi.Output<string | undefined>;
    /** The same without the password. */
    public readonly connectionStringWithoutPassword: pulumi.Output<string | undefined>;
    /** Whether the administrator password signs in. */
    public readonly passwordAuthentication: pulumi.Output<boolean>;
    /** Secret: the libpq string to the built-in PgBouncer through the proxy. */
    public readonly pgbouncerConnectionString: pulumi.Output<string | undefined>;
    /** Per proxy target: its connection string through the proxy, without credentials. */
    public readonly targetConnectionStrings: pulumi.Output<Record<string, string> | undefined>;
    /** The Entra administrator's name. */
    public readonly entraAdmin: pulumi.Output<string | undefined>;
    /** The libpq string signing in as the Entra administrator (a member's token is the password). */
    public readonly entraConnectionString: pulumi.Output<string | undefined>;
    /** A line to paste: gets a token with az and runs psql with it. */
    public readonly entraPsql: pulumi.Output<string | undefined>;
    /** The audit workspace's resource id. */
    public readonly auditWorkspaceId: pulumi.Output<string | undefined>;
    /** The id `az monitor log-analytics query -w` takes. */
    public readonly auditWorkspaceCustomerId: pulumi.Output<string | undefined>;
    /** The action group the alerts email. */
    public readonly alertActionGroupId: pulumi.Output<string | undefined>;
    /** Read back by the next deployment: the settings that replace the server. Export it under this name. */
    public readonly databaseIdentity: pulumi.Output<DatabaseIdentityInfo>;
    /** Read back by the next deployment: whether it was protected and locked. Export it under this name. */
    public readonly protection: pulumi.Output<ProtectionInfo>;
    /** Read back by the next deployment: the gateway's SKU and generation. Export it under this name. */
    public readonly vpnGateway: pulumi.Output<GatewayInfo>;
    /** Read back by the next deployment: the firewall rules. Export it under this name. */
    public readonly firewallRuleNames: pulumi.Output<string[]>;
    /** Read back by the next deployment: how people sign in. Export it under this name. */
    public readonly databaseAuthentication: pulumi.Output<DatabaseAuthenticationInfo>;

    /**
     * For a program in TypeScript, `SecurePg.create` is the better door: it validates and reads what
     * is deployed before the component is registered, so a refused change registers nothing.
     * `prepared` is what it read; without it (the package host), the component reads it itself.
     */
    constructor(name: string, args: SecurePgArgs, opts?: pulumi.ComponentResourceOptions, prepared?: Preparation) {
        // Settings given as values are validated here, so invalid ones register nothing; settings
        // holding Outputs (secret keys, or a section the host hands over as one) once they resolve.
        const config = prepared || holdsOutputs(args) ? undefined : validated(args);
        claimDeployment();
        super(SECUREPG_TYPE, name, {}, opts);
        const built = prepared ? Promise.resolve(buildSystem(this, prepared)) : prepare(args, config).then((p) => buildSystem(this, p));
        const ready = built.then(() => undefined);
        // Whoever awaits ready() sees a failure; nobody has to (the outputs carry it too).
        ready.catch(() => undefined);
        BUILDS.set(this, ready);
        const out = <K extends keyof SystemOutputs>(key: K) => pulumi.output(built.then((o) => o[key])) as pulumi.Output<pulumi.Unwrap<SystemOutputs[K]>>;
        this.accessMode = out("accessMode");
        this.resourceGroupName = out("resourceGroupName");
        this.serverName = out("serverName");
        this.serverFqdn = out("serverFqdn");
        this.adminLogin = out("adminLogin");
        this.adminPassword = out("adminPassword");
        this.databaseNames = out("databaseNames");
        this.natEgressIp = out("natEgressIp");
        this.proxyPrivateIp = out("proxyPrivateIp");
        this.proxyPort = out("proxyPort");
        this.proxyInstances = out("proxyInstances");
        this.proxyAdminUsername = out("proxyAdminUsername");
        this.proxySshPrivateKey = out("proxySshPrivateKey");
        this.vpnGatewayPublicIp = out("vpnGatewayPublicIp");
        this.vpnGatewayId = out("vpnGatewayId");
        this.siteDevices = out("siteDevices");
        this.siteSharedKeys = out("siteSharedKeys");
        this.vpnAuthentication = out("vpnAuthentication");
        this.vpnRootCertificatePem = out("vpnRootCertificatePem");
        this.vpnRootCertificates = out("vpnRootCertificates");
        this.vpnClientCertificates = out("vpnClientCertificates");
        this.connectionString = out("connectionString");
        this.connectionStringWithoutPassword = out("connectionStringWithoutPassword");
        this.passwordAuthentication = out("passwordAuthentication");
        this.pgbouncerConnectionString = out("pgbouncerConnectionString");
        this.targetConnectionStrings = out("targetConnectionStrings");
        this.entraAdmin = out("entraAdmin");
        this.entraConnectionString = out("entraConnectionString");
        this.entraPsql = out("entraPsql");
        this.auditWorkspaceId = out("auditWorkspaceId");
        this.auditWorkspaceCustomerId = out("auditWorkspaceCustomerId");
        this.alertActionGroupId = out("alertActionGroupId");
        this.databaseIdentity = out("databaseIdentity");
        this.protection = out("protection");
        this.vpnGateway = out("vpnGateway");
        this.firewallRuleNames = out("firewallRuleNames");
        this.databaseAuthentication = out("databaseAuthentication");
        // A build that fails has nothing to register; the failure reaches whoever reads an output.
        this.registerOutputs(built.then(() => this.stackOutputs(), () => ({})));
    }

    /** Validates the args and reads what is deployed, then declares the system; throws with the reason first. */
    static async create(name: string, args: SecurePgArgs, opts?: pulumi.ComponentResourceOptions): Promise<SecurePg> {
        return new SecurePg(name, args, opts, await prepare(args));
    }

    /**
     * Resolves once every resource is declared; rejects with the reason when the settings are
     * invalid or the deployed system refuses the change (nothing is declared then).
     */
    ready(): Promise<void> {
        return BUILDS.get(this) as Promise<void>;
    }

    /** Every output by its stack-output name, as the stack program exports them. */
    stackOutputs(): Record<keyof SystemOutputs, pulumi.Output<unknown>> {
        return {
            accessMode: this.accessMode, resourceGroupName: this.resourceGroupName, serverName: this.serverName, serverFqdn: this.serverFqdn,
            adminLogin: this.adminLogin, adminPassword: this.adminPassword, databaseNames: this.databaseNames, natEgressIp: this.natEgressIp,
            proxyPrivateIp: this.proxyPrivateIp, proxyPort: this.proxyPort, proxyInstances: this.proxyInstances,
            proxyAdminUsername: this.proxyAdminUsername, proxySshPrivateKey: this.proxySshPrivateKey,
            vpnGatewayPublicIp: this.vpnGatewayPublicIp, vpnGatewayId: this.vpnGatewayId, siteDevices: this.siteDevices,
            siteSharedKeys: this.siteSharedKeys, vpnAuthentication: this.vpnAuthentication, vpnRootCertificatePem: this.vpnRootCertificatePem,
            vpnRootCertificates: this.vpnRootCertificates, vpnClientCertificates: this.vpnClientCertificates,
            connectionString: this.connectionString, connectionStringWithoutPassword: this.connectionStringWithoutPassword,
            passwordAuthentication: this.passwordAuthentication, pgbouncerConnectionString: this.pgbouncerConnectionString,
            targetConnectionStrings: this.targetConnectionStrings, entraAdmin: this.entraAdmin, entraConnectionString: this.entraConnectionString,
            entraPsql: this.entraPsql, auditWorkspaceId: this.auditWorkspaceId, auditWorkspaceCustomerId: this.auditWorkspaceCustomerId,
            alertActionGroupId: this.alertActionGroupId, databaseIdentity: this.databaseIdentity, protection: this.protection,
            vpnGateway: this.vpnGateway, firewallRuleNames: this.firewallRuleNames, databaseAuthentication: this.databaseAuthentication,
        };
    }
}

type SystemOutputs = ReturnType<typeof buildSystem>;

/** What is known before anything is declared: the validated settings and what is deployed. */
export interface Preparation {
    readonly config: StackConfig;
    readonly identity: ReturnType<typeof databaseIdentity>;
    readonly storageSizeGB: number;
    readonly databaseAuth: ReturnType<typeof databaseAuthFor>;
    readonly existingWorkspace: Awaited<ReturnType<typeof readExistingWorkspace>> | undefined;
}

/**
 * Settles the args (the package host hands a secret-bearing section over as an Output), validates
 * them, reads what is deployed and refuses a change Azure or Pulumi would stop halfway.
 */
async function prepare(args: SecurePgArgs, validatedConfig?: StackConfig): Promise<Preparation> {
    const config = validatedConfig ?? validated(holdsOutputs(args) ? await knownValue(pulumi.output(args) as pulumi.Output<SecurePgArgs>) : args);
    // Before the guard, which may refuse the change: the warnings are part of why.
    config.warnings.forEach((warning) => pulumi.log.warn(warning));
    const identity = databaseIdentity(config, resourceNames(config.project, config.stack));
    const previous = await readPreviousDeployment(config);
    enforceDeploymentCheck(checkDeployment(config, identity, previous));
    const storage = plannedStorageSize(config.database.storageSizeGB, await readLiveStorageSizeGB(previous));
    if (storage.warning) {
        pulumi.log.warn(storage.warning);
    }
    const monitoring = config.monitoring;
    return {
        config, identity, storageSizeGB: storage.sizeGB, databaseAuth: databaseAuthFor(config, previous),
        existingWorkspace: monitoring.diagnostics && monitoring.existingWorkspace ? await readExistingWorkspace(monitoring.existingWorkspace) : undefined,
    };
}

/** Whether any value in the settings is an Output: a secret key, or a section the host sent as one. */
function claimDeployment(): void {
    const deployment = pulumi.runtime.getMonitor();
    if (deployment === undefined) {
        return;
    }
    if (DEPLOYMENTS.has(deployment)) {
        throw new pulumi.RunError("one SecurePg per stack: its resources are named after the project and the stack, so a second one would collide with the first; use another stack");
    }
    DEPLOYMENTS.add(deployment);
}

function holdsOutputs(value: unknown): boolean {
    if (pulumi.Output.isInstance(value)) {
        return true;
    }
    return value !== null && typeof value === "object" && Object.values(value).some(holdsOutputs);
}

/**
 * The settings once their Outputs resolve. They must be known before anything is declared (the
 * validator and the upgrade guard read them): an Output still unknown in a preview (a key taken from
 * another resource's output) is refused rather than awaited forever. `isSecret` of the applied
 * Output settles once the apply has run or been skipped.
 */
function knownValue<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve, reject) => {
        let known = false;
        const applied = output.apply((value) => {
            known = true;
            resolve(value);
            return value;
        });
        void pulumi.isSecret(applied).then(() => {
            if (!known) {
                reject(new pulumi.RunError("securepg settings must be known before anything is declared: a value in them (a site key?) is the output of a resource not created yet; use a value from configuration"));
            }
        });
    });
}

function validated(args: SecurePgArgs): StackConfig {
    try {
        return parseStackConfig(engineConfigOf(pulumi.getProject(), pulumi.getStack(), args as unknown as Record<string, unknown>));
    } catch (error) {
        // RunError prints the message alone: the list of problems, without a stack trace.
        throw error instanceof StackConfigError ? new pulumi.RunError(error.message) : error;
    }
}

/** Every child's previous parent was the stack: the alias keeps their URNs, so nothing is replaced. */
const FORMERLY_AT_THE_ROOT = [{ parent: pulumi.rootStackResource }];

function buildSystem(parent: SecurePg, { config, identity, storageSizeGB, databaseAuth, existingWorkspace }: Preparation) {
    const children: pulumi.ComponentResourceOptions = { parent, aliases: FORMERLY_AT_THE_ROOT };
    const names = resourceNames(config.project, config.stack);
    const monitoring = config.monitoring;
    // The deploying identity's tenant, unless the settings name one; read only when Entra is in use.
    const usesEntra = config.vpn.authentication !== "certificate" || databaseAuth.entra;
    const tenantId = usesEntra ? config.entraTenantId ?? authorization.getClientConfigOutput({ parent }).tenantId : undefined;

    const tags = { project: config.project, stack: config.stack, environment: config.environment, "managed-by": "pulumi" };

    const network = new Network("network", {
        location: config.location, names, network: config.network, access: config.database.access,
        vpnClientPool: config.vpn.clientAddressPool.text, proxyListenPorts: proxyListenPorts(config), sitePrefixes: sitePrefixes(config), protect: config.protect, tags,
    }, children);

    const audit = monitoring.diagnostics ? new AuditTrail("audit", {
        location: config.location, resourceGroupName: network.resourceGroupName, names, existingWorkspace,
        retentionInDays: monitoring.retentionInDays, sessionLogPath: NGINX_DEFAULTS.accessLogPath, protect: config.protect, tags,
    }, children) : undefined;

    const database = new PostgresServer("database", {
        location: config.location, resourceGroupName: network.resourceGroupName, names, database: config.database,
        storageSizeGB, highAvailabilityMode: config.zones.highAvailabilityMode,
        placement: network.privateAccess
            ? { access: "vnet", ...network.privateAccess }
            : { access: "public", natPublicIp: network.natPublicIp },
        authentication: { passwordAuth: databaseAuth.passwordAuth, entraAdmin: config.database.entraAdmin, tenantId },
        workspaceId: audit?.workspaceId,
        protect: config.protect, tags,
    }, children);

    // Depends only on the resource group, its public IP and GatewaySubnet, so its 30-45 minutes of
    // creation run alongside the database and the VM instead of after them.
    const vpn = new VpnGateway("vpn", {
        location: config.location, resourceGroupName: network.resourceGroupName, names, gatewaySubnetId: network.gatewaySubnetId,
        vpn: config.vpn, publicIpZones: config.zones.gatewayPublicIpZones, subjectPrefix: `${config.project}-${config.stack}`, tags,
        entraTenantId: tenantId,
        workspaceId: audit?.workspaceId,
        bgp: config.vpn.sites.some((site) => site.bgp !== undefined),
    }, children);

    const siteToSite = config.vpn.sites.length > 0 ? new SiteToSite("site-to-site", {
        project: config.project, stack: config.stack, resourceGroupName: network.resourceGroupName, location: config.location,
        gatewayId: vpn.gatewayId, sites: config.vpn.sites, siteKeys: config.vpn.siteKeys, tags,
    }, children) : undefined;

    const proxy = new ProxyTier("proxy", {
        location: config.location, resourceGroupName: network.resourceGroupName, names, subnetId: network.proxySubnetId,
        config, serverFqdn: database.fqdn, dataCollectionRuleId: audit?.dataCollectionRuleId, tags,
    }, children);

    const alerts = new Alerts("alerts", {
        resourceGroupName: network.resourceGroupName, names, vpnSku: config.vpn.sku, emails: monitoring.alertEmails, tags,
        targets: { server: database.serverId, gateway: vpn.gatewayId, loadBalancer: proxy.loadBalancerId },
    }, children);

    const connection = {
        port: config.proxy.port, database: config.database.databases[0] ?? "postgres", user: config.database.adminLogin,
    };
    // Clients connect to the load balancer's frontend, which no proxy replacement changes.
    const endpoints = pulumi.all([proxy.frontendAddress, database.fqdn]);
    const entraAdmin = config.database.entraAdmin;
    // Signed in as the administrator group: any member's own token is the password.
    const entraConnectionString = entraAdmin
        ? endpoints.apply(([proxyAddress, serverFqdn]) => libpqConnectionString({ ...connection, user: entraAdmin.principalName, proxyAddress, serverFqdn }))
        : undefined;

    const siteDevices: pulumi.Output<Record<string, SiteDeviceInfo>> | undefined = siteToSite
        ? pulumi.all([vpn.siteAddresses, vpn.bgpPeering]).apply(([gatewayAddresses, bgpPeering]) => Object.fromEntries(config.vpn.sites.map((site) => [site.name,
            siteDeviceInfo(siteDeviceConfig(site, { gatewayAddresses, networks: [config.network.addressSpace.text], dpdTimeoutSeconds: DPD_TIMEOUT_SECONDS, bgpPeering }))])))
        : undefined;
    const siteSharedKeys = siteToSite
        ? pulumi.secret(pulumi.all(Object.fromEntries(Object.entries(siteToSite.connections).map(([site, c]) => [site, c.sharedKey]))))
        : undefined;

    return {
        accessMode: config.database.access as string,
        resourceGroupName: network.resourceGroupName,
        serverName: database.serverName,
        serverFqdn: database.fqdn,
        adminLogin: database.adminLogin,
        adminPassword: database.adminPassword,
        databaseNames: database.databaseNames,
        natEgressIp: network.natPublicIp,
        proxyPrivateIp: proxy.frontendAddress,
        proxyPort: config.proxy.port,
        proxyInstances: proxy.instances,
        proxyAdminUsername: proxy.adminUsername,
        proxySshPrivateKey: proxy.sshPrivateKeyPem,
        vpnGatewayPublicIp: vpn.publicIp,
        vpnGatewayId: vpn.gatewayId,
        siteDevices,
        siteSharedKeys,
        vpnAuthentication: config.vpn.authentication as string,
        vpnRootCertificatePem: vpn.activeRootCertificatePem,
        vpnRootCertificates: vpn.rootCertificatePems,
        vpnClientCertificates: vpn.clientCredentials,
        connectionString: databaseAuth.passwordAuth
            ? pulumi.secret(pulumi.all([endpoints, database.adminPassword]).apply(([[proxyAddress, serverFqdn], password]) =>
                libpqConnectionString({ ...connection, proxyAddress, serverFqdn, password })))
            : undefined,
        connectionStringWithoutPassword: databaseAuth.passwordAuth
            ? endpoints.apply(([proxyAddress, serverFqdn]) => libpqConnectionString({ ...connection, proxyAddress, serverFqdn }))
            : undefined,
        passwordAuthentication: databaseAuth.passwordAuth,
        pgbouncerConnectionString: config.database.pgbouncer === true && databaseAuth.passwordAuth
            ? pulumi.secret(pulumi.all([endpoints, database.adminPassword]).apply(([[proxyAddress, serverFqdn], password]) =>
                libpqConnectionString({ ...connection, port: PGBOUNCER_PORT, proxyAddress, serverFqdn, password })))
            : undefined,
        targetConnectionStrings: config.proxy.targets.length > 0
            ? proxy.frontendAddress.apply((address) => Object.fromEntries(config.proxy.targets.map((t) => [t.name, targetConnectionString(t, address)])))
            : undefined,
        entraAdmin: database.entraAdminName,
        entraConnectionString,
        entraPsql: entraConnectionString?.apply(entraPsqlCommand),
        auditWorkspaceId: audit?.workspaceId,
        auditWorkspaceCustomerId: audit?.workspaceCustomerId,
        alertActionGroupId: alerts.actionGroupId,
        databaseIdentity: identity as DatabaseIdentityInfo,
        protection: { protect: config.protect, deleteLock: config.database.deleteLock },
        vpnGateway: vpn.deployed,
        firewallRuleNames: database.firewallRuleNames,
        databaseAuthentication: { passwordAuth: databaseAuth.passwordAuth, entraAdminObjectId: entraAdmin?.objectId ?? null } as DatabaseAuthenticationInfo,
    };
}

/** The device settings with plain arrays, as the schema declares them. */
function siteDeviceInfo(device: ReturnType<typeof siteDeviceConfig>): SiteDeviceInfo {
    return {
        ...device,
        azureGatewayAddresses: [...device.azureGatewayAddresses],
        azureNetworks: [...device.azureNetworks],
        siteNetworks: [...device.siteNetworks],
        policy: { ...device.policy },
        strongSwan: { ...device.strongSwan },
        bgp: device.bgp && { ...device.bgp },
    };
}
