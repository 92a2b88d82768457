/**
 * Microsoft Entra ID for the Point-to-Site VPN: the values Azure's gateway wants, as Microsoft Learn
 * documents them (vpn-gateway/point-to-site-entra-gateway, howto-point-to-site-multi-auth).
 * Pure, so every rule is tested without Pulumi.
 */

/** The Microsoft-registered Azure VPN Client app (Azure public cloud): the recommended audience. */
export const AZURE_VPN_CLIENT_AUDIENCE = "c632b3df-fb67-4d84-bdcf-b95ad541b5c8";

/** The older, manually registered Azure VPN Client app: works, needs admin consent, and a gateway takes one app id only. */
export const LEGACY_AZURE_VPN_CLIENT_AUDIENCE = "41b23e61-6c1e-4545-b367-cd054e0ed4b4";

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(text: string): boolean {
    return GUID.test(text);
}

/** How VPN clients authenticate: client certificates, Entra ID, or both (certificates for Linux and break-glass). */
export const P2S_AUTHENTICATIONS = ["certificate", "entra", "both"] as const;
export type P2sAuthentication = (typeof P2S_AUTHENTICATIONS)[number];

export interface P2sAuthTypes {
    readonly vpnAuthenticationTypes: ("Certificate" | "AAD")[];
    /**
     * Entra works over OpenVPN only. With certificates as well, IKEv2 stays for certificate clients
     * (Learn's multi-auth table allows "IKEv2 and OpenVPN" with "Azure AD and Certificate"); Entra alone
     * is listed for OpenVPN alone.
     */
    readonly vpnClientProtocols: ("OpenVPN" | "IkeV2")[];
}

export function p2sAuthTypes(mode: P2sAuthentication): P2sAuthTypes {
    switch (mode) {
        case "certificate": return { vpnAuthenticationTypes: ["Certificate"], vpnClientProtocols: ["OpenVPN", "IkeV2"] };
        case "entra": return { vpnAuthenticationTypes: ["AAD"], vpnClientProtocols: ["OpenVPN"] };
        case "both": return { vpnAuthenticationTypes: ["Certificate", "AAD"], vpnClientProtocols: ["OpenVPN", "IkeV2"] };
    }
}

export interface EntraP2sSettings {
    readonly aadTenant: string;
    readonly aadIssuer: string;
    readonly aadAudience: string;
}

/** The gateway's Entra values for a tenant and the app clients sign in to. */
export function entraP2sSettings(tenantId: string | undefined, audience: string = AZURE_VPN_CLIENT_AUDIENCE): EntraP2sSettings {
    if (tenantId === undefined || !isGuid(tenantId)) {
        throw new Error(`entra: the tenant id must be a GUID, got ${JSON.stringify(tenantId)}`);
    }
    if (!isGuid(audience)) {
        throw new Error(`entra: the audience must be an app id (a GUID), got ${JSON.stringify(audience)}`);
    }
    return {
        // Learn: the tenant URL without a trailing backslash; the issuer with its trailing slash, or connections may fail.
        aadTenant: `https://login.microsoftonline.com/${tenantId}`,
        aadIssuer: `https://sts.windows.net/${tenantId}/`,
        aadAudience: audience,
    };
}

/**
 * Microsoft Entra ID for the PostgreSQL Flexible Server (learn.microsoft.com/azure/postgresql/security/
 * security-entra-configure and security-entra-concepts).
 */

/** Who administers the server through Entra ID: its object id, and the name it signs in with. */
export interface EntraAdmin {
    /** The Entra object id: Azure names the administrator resource after it. */
    readonly objectId: string;
    /** A group's display name (exact, case-sensitive), a user's UPN, or a service principal's display name. */
    readonly principalName: string;
    /**
     * The Flexible Server API spells these in PascalCase. azure-native's `PrincipalType` enum is the
     * Cosmos DB for PostgreSQL one ("group", "user"), which this API does not document.
     */
    readonly principalType: "Group" | "User" | "ServicePrincipal";
}

/** What the deployed server was left with, as its stack output `databaseAuthentication` records it. */
export interface DeployedDatabaseAuth {
    readonly passwordAuth: boolean;
    readonly entraAdminObjectId: string | null;
}

export interface DatabaseAuthChoice {
    readonly passwordAuth: boolean;
    readonly entra: boolean;
    /** Why passwordAuth has this value, for the docs and the plan output. */
    readonly reason: "configured" | "deployed" | "existing server" | "new prod stack with an Entra admin" | "default";
}

/**
 * Whether the server keeps password authentication. An explicit setting wins. Otherwise a deployed
 * server keeps what it has (every server before this setting had passwords), so an upgrade never
 * locks an application out; a new prod stack with an Entra admin starts passwordless.
 */
export function chooseDatabaseAuth(input: {
    readonly configured: boolean | undefined;
    readonly entraAdmin: EntraAdmin | undefined;
    readonly environment: "dev" | "prod";
    /** The previous deployment's record, if it left one. */
    readonly deployed: DeployedDatabaseAuth | undefined;
    /** A server was deployed before (recorded or not). */
    readonly serverDeployed: boolean;
}): DatabaseAuthChoice {
    const entra = input.entraAdmin !== undefined;
    if (input.configured !== undefined) {
        return { passwordAuth: input.configured, entra, reason: "configured" };
    }
    if (input.deployed !== undefined) {
        return { passwordAuth: input.deployed.passwordAuth, entra, reason: "deployed" };
    }
    if (input.serverDeployed) {
        return { passwordAuth: true, entra, reason: "existing server" };
    }
    if (input.environment === "prod" && entra) {
        return { passwordAuth: false, entra, reason: "new prod stack with an Entra admin" };
    }
    return { passwordAuth: true, entra, reason: "default" };
}

/**
 * The server's `authConfig`. The tenant goes only with Entra on (azurerm documents that it must not be
 * given while Entra is off); the SDK then fills in its default, "".
 */
export function databaseAuthConfig<T>(choice: Pick<DatabaseAuthChoice, "passwordAuth" | "entra">, tenantId: T):
    { activeDirectoryAuth: "Enabled" | "Disabled"; passwordAuth: "Enabled" | "Disabled"; tenantId?: T } {
    return {
        activeDirectoryAuth: choice.entra ? "Enabled" : "Disabled",
        passwordAuth: choice.passwordAuth ? "Enabled" : "Disabled",
        ...(choice.entra ? { tenantId } : {}),
    };
}

/**
 * A shell line that signs in with the caller's Entra token. psql reads the token from PGPASSWORD:
 * it is longer than a prompt accepts, and valid for 5 to 60 minutes, checked only at sign-in.
 */
export function entraPsqlCommand(connectionString: string): string {
    return `PGPASSWORD="$(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv)" psql "${connectionString.replace(/(["\\$`])/g, "\\$1")}"`;
}
