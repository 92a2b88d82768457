import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as monitor from "@pulumi/azure-native/monitor";
import * as random from "@pulumi/random";
import { auditDiagnostics, SERVER_LOG_CATEGORIES } from "../lib/audit";
import { databaseAuthConfig, type EntraAdmin } from "../lib/entra";
import { allowlistRules, NAT_EGRESS_RULE_NAME } from "../lib/firewall";
import { SERVER_SUFFIX_LENGTH, type ResourceNames } from "../lib/naming";
import type { DatabaseConfig } from "../stacks/types";

/** Server parameters that enforce TLS; applied one after another (see `serverParameters`). */
export function serverParameters(db: Pick<DatabaseConfig, "tlsMinVersion" | "pgbouncer">): Array<{ name: string; value: string }> {
    return [
        { name: "require_secure_transport", value: "on" },
        { name: "ssl_min_protocol_version", value: db.tlsMinVersion },
        // Audit trail of who connected from where (the proxy's address for on-premises clients).
        { name: "log_connections", value: "on" },
        { name: "log_disconnections", value: "on" },
        // Dynamic (no restart). Managed only when set: a parameter that leaves the list is
        // dropped from the state (retainOnDelete), not reset, so turning it off takes `false`.
        ...(db.pgbouncer === undefined ? [] : [{ name: "pgbouncer.enabled", value: String(db.pgbouncer) }]),
    ];
}

interface VnetPlacement {
    readonly access: "vnet";
    readonly delegatedSubnetId: pulumi.Input<string>;
    readonly privateDnsZoneId: pulumi.Input<string>;
    /** The server may only be created once its private DNS zone is linked to the VNet. */
    readonly privateDnsZoneLink: pulumi.Resource;
}

interface PublicPlacement {
    readonly access: "public";
    /** The proxy's outbound IP (NAT gateway), admitted by its own firewall rule. */
    readonly natPublicIp: pulumi.Input<string>;
}

export interface DatabaseArgs {
    readonly location: string;
    /**
     * What to send as `storage.storageSizeGB`: the configured size, or the live size when Azure has
     * grown the disk beyond it (see `plannedStorageSize`); storage never shrinks.
     */
    readonly storageSizeGB: number;
    /** The HA mode when `database.highAvailability` is on: ZoneRedundant where the region allows it. */
    readonly highAvailabilityMode: "ZoneRedundant" | "SameZone";
    readonly resourceGroupName: pulumi.Input<string>;
    readonly names: ResourceNames;
    readonly database: DatabaseConfig;
    /** Where the server lives: delegated subnet + private DNS zone, or the public endpoint. */
    readonly placement: VnetPlacement | PublicPlacement;
    /** Protect the server and its databases from `pulumi destroy`. */
    readonly protect: boolean;
    /** How people sign in: the admin password, Microsoft Entra ID, or both (`chooseDatabaseAuth`). */
    readonly authentication: {
        readonly passwordAuth: boolean;
        /** Set: Entra authentication is on with this administrator. */
        readonly entraAdmin?: EntraAdmin;
        /** The Entra tenant; required with `entraAdmin`. */
        readonly tenantId?: pulumi.Input<string>;
    };
    /** Sends the server's connection log and metrics to this Log Analytics workspace. */
    readonly workspaceId?: pulumi.Input<string>;
    readonly tags: Record<string, string>;
}

/**
 * An Azure Database for PostgreSQL Flexible Server with TLS enforced, its firewall (public mode
 * only) and the application databases.
 */
export class PostgresServer extends pulumi.ComponentResource {
    public readonly serverName: pulumi.Output<string>;
    /** The server's Azure resource id (alerts and diagnostics scope). */
    public readonly serverId: pulumi.Output<string>;
    /** The Entra administrator's principal name (the role to sign in as), when Entra is on. */
    public readonly entraAdminName: pulumi.Output<string | undefined>;
    public readonly fqdn: pulumi.Output<string>;
    public readonly adminLogin: pulumi.Output<string>;
    /** Secret. */
    public readonly adminPassword: pulumi.Output<string>;
    public readonly databaseNames: pulumi.Output<string[]>;
    /** Firewall rules (public mode); read back by the next deployment to spot blocked removals. */
    public readonly firewallRuleNames: pulumi.Output<string[]>;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securepg:database:PostgresServer", name, {}, opts);
        const { database: db, placement, resourceGroupName, tags, authentication } = args;
        const entraAdmin = authentication.entraAdmin;
        if (entraAdmin !== undefined && authentication.tenantId === undefined) {
            throw new Error("PostgresServer: an Entra administrator needs the tenant id");
        }
        const child = { parent: this };
        // Every Azure resource here has a fixed name, and azure-native refuses to create one that
        // exists: a replacement must delete the old resource before it creates the new one.
        const named = { parent: this, deleteBeforeReplace: true };

        const serverName: pulumi.Input<string> = db.serverName ?? new random.RandomString("server-name-suffix", {
            length: SERVER_SUFFIX_LENGTH, special: false, upper: false, lower: true, numeric: true,
        }, child).result.apply((suffix) => `${args.names.serverPrefix}-${suffix}`);

        // Bumping passwordRotation is the only thing that changes the password; it reaches the
        // server as an in-place update of administratorLoginPassword.
        const password = new random.RandomPassword("admin-password", {
            length: 32, special: true, overrideSpecial: "-_.~", minLower: 2, minUpper: 2, minNumeric: 2, minSpecial: 1,
            keepers: { rotation: String(db.passwordRotation) },
        }, child);

        const server = new dbforpostgresql.Server("server", {
            serverName, resourceGroupName, location: args.location, tags,
            version: db.version,
            // Sent in every mode, passwordless too: azure-native replaces the server when the login
            // is added or removed (pulumi-azure-native #3869), and Azure keeps the role while
            // password authentication is off, so turning passwords off and on stays in place.
            administratorLogin: db.adminLogin,
            administratorLoginPassword: password.result,
            authConfig: databaseAuthConfig({ passwordAuth: authentication.passwordAuth, entra: entraAdmin !== undefined }, authentication.tenantId),
            sku: { name: db.skuName, tier: db.tier },
            storage: { storageSizeGB: args.storageSizeGB, autoGrow: "Enabled" },
            backup: { backupRetentionDays: db.backupRetentionDays, geoRedundantBackup: db.geoRedundantBackup ? "Enabled" : "Disabled" },
            highAvailability: { mode: db.highAvailability ? args.highAvailabilityMode : "Disabled" },
            network: placement.access === "vnet"
                ? { delegatedSubnetResourceId: placement.delegatedSubnetId, privateDnsZoneArmResourceId: placement.privateDnsZoneId, publicNetworkAccess: "Disabled" }
                : { publicNetworkAccess: "Enabled" },
        }, {
            ...named,
            protect: args.protect,
            dependsOn: placement.access === "vnet" ? [placement.privateDnsZoneLink] : [],
            // An HA failover swaps the primary's and the standby's zones. Both are create-only, so
            // without this the next refresh plans a replacement of the server (azurerm's docs give
            // the same advice). Azure picks the zones; the program never asks for particular ones.
            ignoreChanges: ["availabilityZone", "highAvailability.standbyAvailabilityZone"],
            additionalSecretOutputs: ["administratorLoginPassword"],
            // Zone-redundant HA servers regularly take longer than the default to create.
            customTimeouts: { create: "60m", update: "60m", delete: "30m" },
        });

        // Flexible Server rejects a second change while one is running (ServerBusy), so every
        // child operation waits for the one before it.
        let previous: pulumi.Resource = server;
        const after = <T extends pulumi.Resource>(make: (o: pulumi.CustomResourceOptions) => T, extra: pulumi.CustomResourceOptions = {}): T => {
            const created = make({ ...named, ...extra, dependsOn: [previous] });
            previous = created;
            return created;
        };
        const serverRef = { resourceGroupName, serverName: server.name };

        for (const parameter of serverParameters(db)) {
            // A server parameter cannot be deleted, only reset, and azure-native resets it with a
            // PUT that Azure answers with InternalServerError (pulumi-azure-native #3476,
            // azure-rest-api-specs #30143), which would stop `pulumi destroy` before the server.
            // The parameters go with the server, so destroy only drops them from the state.
            after((o) => new dbforpostgresql.Configuration(`parameter-${parameter.name}`, {
                ...serverRef, configurationName: parameter.name, value: parameter.value, source: "user-override",
            }, o), { retainOnDelete: true });
        }
        if (entraAdmin) {
            // After the parameters (whose updates restart the server: an admin added then fails
            // with AadAuthOperationCannotBePerformedWhenServerIsNotAccessible) and before the
            // databases, so they are not created while only the password role can own them.
            // Azure names the administrator after its object id; a new one is created before the
            // old one goes, so the server is never without one.
            after((o) => new dbforpostgresql.AdministratorsMicrosoftEntra("entra-admin", {
                ...serverRef, objectId: entraAdmin.objectId, principalName: entraAdmin.principalName,
                principalType: entraAdmin.principalType, tenantId: authentication.tenantId,
            }, o), { deleteBeforeReplace: false });
        }
        if (args.workspaceId !== undefined) {
            // Before the delete lock: a CanNotDelete lock on the server also blocks deleting its
            // diagnostic setting, and destroy removes the lock first only if the setting depends on it.
            after((o) => new monitor.DiagnosticSetting("server-diagnostics", {
                resourceUri: server.id, workspaceId: args.workspaceId, ...auditDiagnostics(SERVER_LOG_CATEGORIES),
                // Resource-specific tables (PGSQLServerLogs): Microsoft advises against AzureDiagnostics.
                logAnalyticsDestinationType: "Dedicated",
            }, o));
        }
        const firewallRuleNames: string[] = [];
        if (placement.access === "public" && db.access === "public") {
            for (const rule of allowlistRules(db)) {
                firewallRuleNames.push(rule.name);
                after((o) => new dbforpostgresql.FirewallRule(`firewall-${rule.name}`, {
                    ...serverRef, firewallRuleName: rule.name, startIpAddress: rule.startIpAddress, endIpAddress: rule.endIpAddress,
                }, o));
            }
            firewallRuleNames.push(NAT_EGRESS_RULE_NAME);
            after((o) => new dbforpostgresql.FirewallRule("firewall-nat-egress", {
                ...serverRef, firewallRuleName: NAT_EGRESS_RULE_NAME, startIpAddress: placement.natPublicIp, endIpAddress: placement.natPublicIp,
            }, o));
        }
        for (const databaseName of db.databases) {
            after((o) => new dbforpostgresql.Database(`database-${databaseName}`, {
                ...serverRef, databaseName, charset: "UTF8", collation: "en_US.utf8",
            }, o), { protect: args.protect });
        }

        if (db.deleteLock) {
            // Azure-side guard that also stops the portal, the CLI and other tools from deleting the
            // server. Children inherit it (deleting a firewall rule or database is ScopeLocked), so
            // the lock comes after every child operation: destroy then removes it first.
            after((o) => new authorization.ManagementLockByScope("server-delete-lock", {
                scope: server.id, level: "CanNotDelete", lockName: "securepg-cannot-delete",
                notes: "Managed by securepg (securepg:database.deleteLock). Deleting this server loses its data.",
            }, o), { protect: args.protect });
        }

        this.serverName = server.name;
        this.serverId = server.id;
        this.entraAdminName = pulumi.output(entraAdmin?.principalName);
        this.fqdn = server.fullyQualifiedDomainName;
        this.adminLogin = pulumi.output(db.adminLogin);
        this.adminPassword = pulumi.secret(password.result);
        this.databaseNames = pulumi.output([...db.databases]);
        this.firewallRuleNames = pulumi.output(firewallRuleNames);
        this.registerOutputs({
            serverName: this.serverName, serverId: this.serverId, entraAdminName: this.entraAdminName, fqdn: this.fqdn, adminLogin: this.adminLogin,
            adminPassword: this.adminPassword, databaseNames: this.databaseNames, firewallRuleNames: this.firewallRuleNames,
        });
    }
}
