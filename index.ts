/**
 * securepg: private, encrypted access to Azure Database for PostgreSQL Flexible Server.
 * Composition only: read and validate the stack configuration, wire the components, export outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { PostgresServer } from "./components/database";
import { Network } from "./components/network";
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

export const accessMode = config.database.access;
export const resourceGroupName = network.resourceGroupName;
export const serverName = database.serverName;
export const serverFqdn = database.fqdn;
export const adminLogin = database.adminLogin;
export const adminPassword = database.adminPassword;
export const databaseNames = database.databaseNames;
export const natEgressIp = network.natPublicIp;
