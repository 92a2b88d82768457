/**
 * What is already deployed: the previous deployment's outputs (read back through a StackReference
 * to this very stack) and the live server's storage size (read from Azure). The program needs both
 * before it declares anything: to refuse changes Azure would reject halfway, and to never send a
 * value smaller than what Azure already has.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import type { ExistingWorkspace } from "../lib/audit";
import type { WorkspaceReference } from "../lib/stackConfig";
import type { DeployedDatabaseAuth } from "../lib/entra";
import type { DeployedGateway, DeployedProtection } from "../lib/lifecycle";
import type { StackConfig } from "./types";

/** Stack outputs the next deployment reads back; renaming one loses what it carries. */
export const DEPLOYMENT_OUTPUTS = {
    identity: "databaseIdentity",
    protection: "protection",
    vpnGateway: "vpnGateway",
    serverName: "serverName",
    resourceGroupName: "resourceGroupName",
    firewallRuleNames: "firewallRuleNames",
    databaseNames: "databaseNames",
    databaseAuthentication: "databaseAuthentication",
    auditWorkspaceId: "auditWorkspaceId",
} as const;

export interface PreviousDeployment {
    /** `databaseIdentity` of the previous deployment (unknown shape until compared). */
    readonly identity: unknown;
    readonly protection: DeployedProtection | undefined;
    readonly vpnGateway: DeployedGateway | undefined;
    readonly serverName: string | undefined;
    readonly resourceGroupName: string | undefined;
    readonly firewallRuleNames: string[] | undefined;
    readonly databaseNames: string[] | undefined;
    /** How the deployed server lets people sign in (absent before Entra support). */
    readonly databaseAuthentication: DeployedDatabaseAuth | undefined;
    /** The workspace the audit trail went to (absent: none, or a deployment from before it). */
    readonly auditWorkspaceId: string | undefined;
}

/** A property of an output that an older deployment may lack, or may hold as something else than an object. */
const field = (v: unknown, key: string): unknown => (v === null || v === undefined ? undefined : (v as Record<string, unknown>)[key]);
const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
const texts = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined);

/** Shapes the raw outputs; anything missing or malformed (an older deployment) is undefined. */
export function previousDeploymentOf(outputs: Record<string, unknown>): PreviousDeployment {
    const protect = field(outputs[DEPLOYMENT_OUTPUTS.protection], "protect");
    const deleteLock = field(outputs[DEPLOYMENT_OUTPUTS.protection], "deleteLock");
    const sku = text(field(outputs[DEPLOYMENT_OUTPUTS.vpnGateway], "sku"));
    const generation = text(field(outputs[DEPLOYMENT_OUTPUTS.vpnGateway], "generation"));
    return {
        identity: outputs[DEPLOYMENT_OUTPUTS.identity],
        protection: typeof protect === "boolean" && typeof deleteLock === "boolean" ? { protect, deleteLock } : undefined,
        vpnGateway: sku && generation ? { sku, generation } : undefined,
        serverName: text(outputs[DEPLOYMENT_OUTPUTS.serverName]),
        resourceGroupName: text(outputs[DEPLOYMENT_OUTPUTS.resourceGroupName]),
        firewallRuleNames: texts(outputs[DEPLOYMENT_OUTPUTS.firewallRuleNames]),
        databaseNames: texts(outputs[DEPLOYMENT_OUTPUTS.databaseNames]),
        databaseAuthentication: databaseAuthOf(outputs[DEPLOYMENT_OUTPUTS.databaseAuthentication]),
        auditWorkspaceId: text(outputs[DEPLOYMENT_OUTPUTS.auditWorkspaceId]),
    };
}

function databaseAuthOf(value: unknown): DeployedDatabaseAuth | undefined {
    const passwordAuth = field(value, "passwordAuth");
    const objectId = field(value, "entraAdminObjectId");
    if (typeof passwordAuth !== "boolean" || !(objectId === null || typeof objectId === "string")) {
        return undefined;
    }
    return { passwordAuth, entraAdminObjectId: objectId };
}

export async function readPreviousDeployment(config: Pick<StackConfig, "project" | "stack">): Promise<PreviousDeployment> {
    const self = new pulumi.StackReference("previous-deployment", {
        name: `${pulumi.getOrganization()}/${config.project}/${config.stack}`,
    });
    const outputs: Record<string, unknown> = {};
    for (const key of Object.values(DEPLOYMENT_OUTPUTS)) {
        const details = await self.getOutputDetails(key);
        outputs[key] = details.value ?? details.secretValue;
    }
    return previousDeploymentOf(outputs);
}

const NOT_FOUND = /ResourceNotFound|NotFound|\b404\b|could not be found|was not found/i;

/**
 * The deployed server's storage size as Azure reports it now (auto-grow included), or undefined for
 * a stack without a server. A server deleted outside Pulumi counts as none; any other failure stops
 * the deployment, because guessing could send a size Azure refuses.
 */
export async function readLiveStorageSizeGB(previous: PreviousDeployment): Promise<number | undefined> {
    if (!previous.serverName || !previous.resourceGroupName) {
        return undefined;
    }
    try {
        const server = await dbforpostgresql.getServer({ resourceGroupName: previous.resourceGroupName, serverName: previous.serverName });
        return server.storage?.storageSizeGB;
    } catch (error) {
        // The SDK rejects a failed invoke with an Error carrying the provider's message (even when a provider throws something else).
        const message = (error as Error).message;
        if (NOT_FOUND.test(message)) {
            return undefined;
        }
        throw new pulumi.RunError(`could not read the deployed server ${previous.serverName} (its storage size, which Azure may have grown): ${message}`);
    }
}

/**
 * The existing workspace `securepg:monitoring.workspaceId` names, read before anything is declared:
 * its region (the data collection rule must be in it), and that it is in the subscription this stack
 * deploys to (where the program reads and writes it). Any failure stops the deployment with the reason.
 */
export async function readExistingWorkspace(parts: WorkspaceReference): Promise<ExistingWorkspace> {
    const { subscriptionId } = await authorization.getClientConfig();
    if (subscriptionId.toLowerCase() !== parts.subscriptionId.toLowerCase()) {
        throw new pulumi.RunError(`securepg:monitoring.workspaceId is in subscription ${parts.subscriptionId}, but this stack deploys to ${subscriptionId}; ` +
            "use a workspace in the same subscription (its session table and the data collection rule are written there)");
    }
    try {
        const workspace = await operationalinsights.getWorkspace({ resourceGroupName: parts.resourceGroupName, workspaceName: parts.workspaceName });
        return { id: workspace.id, resourceGroupName: parts.resourceGroupName, workspaceName: workspace.name, location: workspace.location, customerId: workspace.customerId };
    } catch (error) {
        const message = (error as Error).message;
        throw new pulumi.RunError(`could not read securepg:monitoring.workspaceId ${parts.id}` +
            (NOT_FOUND.test(message) ? ": it does not exist (or this identity may not read it)" : `: ${message}`));
    }
}
