/** lib/entra.ts: the P2S gateway's authentication settings for each mode, as Microsoft Learn documents them. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { AZURE_VPN_CLIENT_AUDIENCE, entraP2sSettings, isGuid, LEGACY_AZURE_VPN_CLIENT_AUDIENCE, p2sAuthTypes } from "../lib/entra";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

describe("P2S authentication types and protocols", () => {
    it("certificates: OpenVPN and IKEv2", () => {
        assert.deepEqual(p2sAuthTypes("certificate"), { vpnAuthenticationTypes: ["Certificate"], vpnClientProtocols: ["OpenVPN", "IkeV2"] });
    });
    it("Entra alone: OpenVPN only (Entra has no IKEv2)", () => {
        assert.deepEqual(p2sAuthTypes("entra"), { vpnAuthenticationTypes: ["AAD"], vpnClientProtocols: ["OpenVPN"] });
    });
    it("both: certificates over either protocol, Entra over OpenVPN", () => {
        assert.deepEqual(p2sAuthTypes("both"), { vpnAuthenticationTypes: ["Certificate", "AAD"], vpnClientProtocols: ["OpenVPN", "IkeV2"] });
    });
});

describe("Entra P2S settings", () => {
    it("the tenant without a trailing slash, the issuer with one, the Microsoft-registered app by default", () => {
        assert.deepEqual(entraP2sSettings(TENANT), {
            aadTenant: `https://login.microsoftonline.com/${TENANT}`,
            aadIssuer: `https://sts.windows.net/${TENANT}/`,
            aadAudience: "c632b3df-fb67-4d84-bdcf-b95ad541b5c8",
        });
        assert.equal(entraP2sSettings(TENANT, LEGACY_AZURE_VPN_CLIENT_AUDIENCE).aadAudience, "41b23e61-6c1e-4545-b367-cd054e0ed4b4");
    });

    it("refuses a tenant or an audience that is not a GUID", () => {
        for (const tenant of [undefined, "", "contoso.onmicrosoft.com", `${TENANT}/`, `{${TENANT}}`]) {
            assert.throws(() => entraP2sSettings(tenant), /^Error: entra: the tenant id must be a GUID, got /, String(tenant));
        }
        assert.throws(() => entraP2sSettings(TENANT, "Azure VPN"), /^Error: entra: the audience must be an app id \(a GUID\), got "Azure VPN"$/);
    });

    it("GUIDs in either case, whole", () => {
        assert.ok(isGuid(AZURE_VPN_CLIENT_AUDIENCE) && isGuid(TENANT.toUpperCase()));
        for (const bad of ["", `x${TENANT}`, `${TENANT}x`, TENANT.replace(/-/g, ""), TENANT.replace("7", "g")]) {
            assert.equal(isGuid(bad), false, bad);
        }
    });
});
