/**
 * securepg: private, encrypted access to Azure Database for PostgreSQL Flexible Server.
 * Composition only: read and validate the stack configuration, check that the change is safe,
 * wire the components, return the stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { Alerts } from "./components/alerts";
import { AuditTrail } from "./components/audit";
import { PostgresServer } from "./components/database";
import { Network } from "./components/network";
import { ProxyTier } from "./components/proxyTier";
import { SiteToSite, DPD_TIMEOUT_SECONDS } from "./components/siteToSite";
import { VpnGateway } from "./components/vpnGateway";
import { siteDeviceConfig } from "./lib/siteToSite";
import { libpqConnectionString } from "./lib/connection";
import { entraPsqlCommand } from "./lib/entra";
import { NGINX_DEFAULTS } from "./lib/nginx";
import { resourceNames } from "./lib/naming";
import { databaseIdentity } from "./lib/replacement";
import { PGBOUNCER_PORT, proxyListenPorts, sitePrefixes, targetConnectionString } from "./lib/proxyTargets";
import { StackConfigError } from "./stacks";
import { plannedStorageSize } from "./lib/lifecycle";
import { DEPLOYMENT_OUTPUTS, readExistingWorkspace, readLiveStorageSizeGB, readPreviousDeployment } from "./stacks/deployed";
import { checkDeployment, databaseAuthFor, enforceDeploymentCheck } from "./stacks/guard";
import { readStackConfig } from "./stacks/pulumi";

function loadConfig() {
    try {
        return readStackConfig();
    } catch (error) {
        // RunError prints the message alone: the list of problems, without a stack trace.
        throw error instanceof StackConfigError ? new pulumi.RunError(error.message) : error;
    }
}

export = async () => {
    const config = loadConfig();
    config.warnings.forEach((warning) => pulumi.log.warn(warning));

    const names = resourceNames(config.project, config.stack);
    const identity = databaseIdentity(config, names);
    const previous = await readPreviousDeployment(config);
    enforceDeploymentCheck(checkDeployment(config, identity, previous));
    const storage = plannedStorageSize(config.database.storageSizeGB, await readLiveStorageSizeGB(previous));
    if (storage.warning) {
        pulumi.log.warn(storage.warning);
    }
    const databaseAuth = databaseAuthFor(config, previous);
    const monitoring = config.monitoring;
    const existingWorkspace = monitoring.diagnostics && monitoring.existingWorkspace ? await readExistingWorkspace(monitoring.existingWorkspace) : undefined;
    // The deploying identity's tenant, unless the stack names one; read only when Entra is in use.
    const usesEntra = config.vpn.authentication !== "certificate" || databaseAuth.entra;
    const tenantId = usesEntra ? config.entraTenantId ?? authorization.getClientConfigOutput().tenantId : undefined;

    const tags = { project: config.project, stack: config.stack, environment: config.environment, "managed-by": "pulumi" };

    const network = new Network("network", {
        location: config.location, names, network: config.network, access: config.database.access,
        vpnClientPool: config.vpn.clientAddressPool.text, proxyListenPorts: proxyListenPorts(config), sitePrefixes: sitePrefixes(config), protect: config.protect, tags,
    });

    const audit = monitoring.diagnostics ? new AuditTrail("audit", {
        location: config.location, resourceGroupName: network.resourceGroupName, names, existingWorkspace,
        retentionInDays: monitoring.retentionInDays, sessionLogPath: NGINX_DEFAULTS.accessLogPath, protect: config.protect, tags,
    }) : undefined;

    const database = new PostgresServer("database", {
        location: config.location, resourceGroupName: network.resourceGroupName, names, database: config.database,
        storageSizeGB: storage.sizeGB, highAvailabilityMode: config.zones.highAvailabilityMode,
        placement: network.privateAccess
            ? { access: "vnet", ...network.privateAccess }
            : { access: "public", natPublicIp: network.natPublicIp },
        authentication: { passwordAuth: databaseAuth.passwordAuth, entraAdmin: config.database.entraAdmin, tenantId },
        workspaceId: audit?.workspaceId,
        protect: config.protect, tags,
    });

    // Depends only on the resource group, its public IP and GatewaySubnet, so its 30-45 minutes of
    // creation run alongside the database and the VM instead of after them.
    const vpn = new VpnGateway("vpn", {
        location: config.location, resourceGroupName: network.resourceGroupName, names, gatewaySubnetId: network.gatewaySubnetId,
        vpn: config.vpn, publicIpZones: config.zones.gatewayPublicIpZones, subjectPrefix: `${config.project}-${config.stack}`, tags,
        entraTenantId: tenantId,
        workspaceId: audit?.workspaceId,
        bgp: config.vpn.sites.some((site) => site.bgp !== undefined),
    });

    const siteToSite = config.vpn.sites.length > 0 ? new SiteToSite("site-to-site", {
        project: config.project, stack: config.stack, resourceGroupName: network.resourceGroupName, location: config.location,
        gatewayId: vpn.gatewayId, sites: config.vpn.sites, siteKeys: config.vpn.siteKeys, tags,
    }) : undefined;

    const proxy = new ProxyTier("proxy", {
        location: config.location, resourceGroupName: network.resourceGroupName, names, subnetId: network.proxySubnetId,
        config, serverFqdn: database.fqdn, dataCollectionRuleId: audit?.dataCollectionRuleId, tags,
    });

    const alerts = new Alerts("alerts", {
        resourceGroupName: network.resourceGroupName, names, vpnSku: config.vpn.sku, emails: monitoring.alertEmails, tags,
        targets: { server: database.serverId, gateway: vpn.gatewayId, loadBalancer: proxy.loadBalancerId },
    });

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

    /** Per site, what the on-premises network team configures on its device (docs/site-to-site.md). */
    const siteDevices = siteToSite
        ? pulumi.all([vpn.siteAddresses, vpn.bgpPeering]).apply(([gatewayAddresses, bgpPeering]) => Object.fromEntries(config.vpn.sites.map((site) => [site.name,
            siteDeviceConfig(site, { gatewayAddresses, networks: [config.network.addressSpace.text], dpdTimeoutSeconds: DPD_TIMEOUT_SECONDS, bgpPeering })])))
        : undefined;
    const siteSharedKeys = siteToSite
        ? pulumi.secret(pulumi.all(Object.fromEntries(Object.entries(siteToSite.connections).map(([site, c]) => [site, c.sharedKey]))))
        : undefined;

    return {
        accessMode: config.database.access,
        resourceGroupName: network.resourceGroupName,
        serverName: database.serverName,
        serverFqdn: database.fqdn,
        adminLogin: database.adminLogin,
        adminPassword: database.adminPassword,
        databaseNames: database.databaseNames,
        natEgressIp: network.natPublicIp,
        proxyPrivateIp: proxy.frontendAddress,
        /** The port clients connect to on proxyPrivateIp (`npm run connect` reads it). */
        proxyPort: config.proxy.port,
        proxyInstances: proxy.instances,
        proxyAdminUsername: proxy.adminUsername,
        proxySshPrivateKey: proxy.sshPrivateKeyPem,
        vpnGatewayPublicIp: vpn.publicIp,
        /** For `az network vnet-gateway vpn-client generate --ids <id>` (`npm run connect` runs it). */
        vpnGatewayId: vpn.gatewayId,
        siteDevices,
        siteSharedKeys,
        vpnAuthentication: config.vpn.authentication,
        vpnRootCertificatePem: vpn.activeRootCertificatePem,
        vpnRootCertificates: vpn.rootCertificatePems,
        vpnClientCertificates: vpn.clientCredentials,
        /** Over the VPN: `psql "$(pulumi stack output connectionString --show-secrets)"`. Only while passwords sign in. */
        connectionString: databaseAuth.passwordAuth
            ? pulumi.secret(pulumi.all([endpoints, database.adminPassword]).apply(([[proxyAddress, serverFqdn], password]) =>
                libpqConnectionString({ ...connection, proxyAddress, serverFqdn, password })))
            : undefined,
        /** The same without the password, for PGPASSWORD or ~/.pgpass. */
        connectionStringWithoutPassword: databaseAuth.passwordAuth
            ? endpoints.apply(([proxyAddress, serverFqdn]) => libpqConnectionString({ ...connection, proxyAddress, serverFqdn }))
            : undefined,
        passwordAuthentication: databaseAuth.passwordAuth,
        /** The server's built-in PgBouncer through the proxy (port 6432); with the password, so secret. */
        pgbouncerConnectionString: config.database.pgbouncer === true && databaseAuth.passwordAuth
            ? pulumi.secret(pulumi.all([endpoints, database.adminPassword]).apply(([[proxyAddress, serverFqdn], password]) =>
                libpqConnectionString({ ...connection, port: PGBOUNCER_PORT, proxyAddress, serverFqdn, password })))
            : undefined,
        /** Each of `proxy.targets` through the proxy, with full verification and no credentials. */
        targetConnectionStrings: config.proxy.targets.length > 0
            ? proxy.frontendAddress.apply((address) => Object.fromEntries(config.proxy.targets.map((t) => [t.name, targetConnectionString(t, address)])))
            : undefined,
        entraAdmin: database.entraAdminName,
        /** As the Entra administrator group; the password is a member's token (PGPASSWORD). */
        entraConnectionString,
        /** Paste over the VPN, signed in with `az login`: a token valid 5-60 minutes, checked at sign-in. */
        entraPsql: entraConnectionString?.apply(entraPsqlCommand),
        [DEPLOYMENT_OUTPUTS.auditWorkspaceId]: audit?.workspaceId,
        /** For `az monitor log-analytics query -w <id> --analytics-query ...` (docs/audit.md). */
        auditWorkspaceCustomerId: audit?.workspaceCustomerId,
        alertActionGroupId: alerts.actionGroupId,
        // Read back by the next deployment (stacks/deployed.ts) to refuse changes Azure or Pulumi
        // would stop halfway: a replaced server, a blocked delete, a gateway SKU of another generation.
        [DEPLOYMENT_OUTPUTS.identity]: identity,
        [DEPLOYMENT_OUTPUTS.protection]: { protect: config.protect, deleteLock: config.database.deleteLock },
        [DEPLOYMENT_OUTPUTS.vpnGateway]: vpn.deployed,
        [DEPLOYMENT_OUTPUTS.firewallRuleNames]: database.firewallRuleNames,
        [DEPLOYMENT_OUTPUTS.databaseAuthentication]: { passwordAuth: databaseAuth.passwordAuth, entraAdminObjectId: entraAdmin?.objectId ?? null },
    };
};
