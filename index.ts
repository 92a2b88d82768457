/**
 * securepg: private, encrypted access to Azure Database for PostgreSQL Flexible Server.
 * Composition only: read and validate the stack configuration, wire the components, export outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { PostgresServer } from "./components/database";
import { Network } from "./components/network";
import { ProxyVm } from "./components/proxyVm";
import { VpnGateway } from "./components/vpnGateway";
import { libpqConnectionString } from "./lib/connection";
import { resourceNames } from "./lib/naming";
import { StackConfigError } from "./stacks";
import { readStackConfig } from "./stacks/pulumi";

function loadConfig() {
    try {
        return readStackConfig();
    } catch (error) {
        // RunError prints the message alone: the list of problems, without a stack trace.
        throw error instanceof StackConfigError ? new pulumi.RunError(error.message) : error;
    }
}

const config = loadConfig();
config.warnings.forEach((warning) => pulumi.log.warn(warning));

const names = resourceNames(config.project, config.stack);
const tags = { project: config.project, stack: config.stack, environment: config.environment, "managed-by": "pulumi" };

const network = new Network("network", {
    location: config.location, names, network: config.network, access: config.database.access,
    vpnClientPool: config.vpn.clientAddressPool.text, proxyPort: config.proxy.port, protect: config.protect, tags,
});

const database = new PostgresServer("database", {
    location: config.location, resourceGroupName: network.resourceGroupName, names, database: config.database,
    placement: network.privateAccess
        ? { access: "vnet", ...network.privateAccess }
        : { access: "public", natPublicIp: network.natPublicIp },
    protect: config.protect, tags,
});

// Depends only on the resource group, its public IP and GatewaySubnet, so its 30-45 minutes of
// creation run alongside the database and the VM instead of after them.
const vpn = new VpnGateway("vpn", {
    location: config.location, resourceGroupName: network.resourceGroupName, names, gatewaySubnetId: network.gatewaySubnetId,
    vpn: config.vpn, subjectPrefix: `${config.project}-${config.stack}`, tags,
});

const proxy = new ProxyVm("proxy", {
    location: config.location, resourceGroupName: network.resourceGroupName, names, subnetId: network.proxySubnetId,
    config, serverFqdn: database.fqdn, tags,
});

const connection = {
    proxyAddress: proxy.privateIp, serverFqdn: database.fqdn, port: config.proxy.port,
    database: config.database.databases[0] ?? "postgres", user: config.database.adminLogin,
};

export const accessMode = config.database.access;
export const resourceGroupName = network.resourceGroupName;
export const serverName = database.serverName;
export const serverFqdn = database.fqdn;
export const adminLogin = database.adminLogin;
export const adminPassword = database.adminPassword;
export const databaseNames = database.databaseNames;
export const natEgressIp = network.natPublicIp;

export const proxyPrivateIp = proxy.privateIp;
export const proxyAdminUsername = proxy.adminUsername;
export const proxySshPrivateKey = proxy.sshPrivateKeyPem;
export const vpnGatewayPublicIp = vpn.publicIp;
export const vpnRootCertificatePem = vpn.activeRootCertificatePem;
export const vpnRootCertificates = vpn.rootCertificatePems;
export const vpnClientCertificates = vpn.clientCredentials;
/** Paste into psql: `psql "$(pulumi stack output connectionString --show-secrets)"` (over the VPN). */
export const connectionString = pulumi.secret(pulumi.all([connection.proxyAddress, connection.serverFqdn, database.adminPassword])
    .apply(([proxyAddress, serverFqdn, password]) => libpqConnectionString({ ...connection, proxyAddress, serverFqdn, password })));
/** The same without the password, for use with PGPASSWORD or ~/.pgpass. */
export const connectionStringWithoutPassword = pulumi.all([connection.proxyAddress, connection.serverFqdn])
    .apply(([proxyAddress, serverFqdn]) => libpqConnectionString({ ...connection, proxyAddress, serverFqdn }));
