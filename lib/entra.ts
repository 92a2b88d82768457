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
export type P2sAuthentication = "certificate" | "entra" | "both";

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
