/** lib/entra.ts: the P2S gateway's authentication settings for each mode, as Microsoft Learn documents them. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { AZURE_VPN_CLIENT_AUDIENCE, isGuid, LEGACY_AZURE_VPN_CLIENT_AUDIENCE, p2sAuthSettings } from "../lib/entra";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

describe("P2S authentication settings", () => {
    it("certificates: OpenVPN and IKEv2, no Entra values", () => {
        assert.deepEqual(p2sAuthSettings("certificate"), { vpnAuthenticationTypes: ["Certificate"], vpnClientProtocols: ["OpenVPN", "IkeV2"] });
        assert.deepEqual(p2sAuthSettings("certificate", "not a tenant"), p2sAuthSettings("certificate"), "a tenant is not needed");
    });

    it("Entra alone: OpenVPN only, the tenant without a trailing slash, the issuer with one, the Microsoft-registered app", () => {
        assert.deepEqual(p2sAuthSettings("entra", TENANT), {
            vpnAuthenticationTypes: ["AAD"], vpnClientProtocols: ["OpenVPN"],
            aadTenant: `https://login.microsoftonline.com/${TENANT}`,
            aadIssuer: `https://sts.windows.net/${TENANT}/`,
            aadAudience: "c632b3df-fb67-4d84-bdcf-b95ad541b5c8",
        });
    });

    it("both: certificates over either protocol, Entra over OpenVPN", () => {
        const both = p2sAuthSettings("both", TENANT, LEGACY_AZURE_VPN_CLIENT_AUDIENCE);
        assert.deepEqual(both.vpnAuthenticationTypes, ["Certificate", "AAD"]);
        assert.deepEqual(both.vpnClientProtocols, ["OpenVPN", "IkeV2"]);
        assert.equal(both.aadAudience, "41b23e61-6c1e-4545-b367-cd054e0ed4b4");
        assert.equal(both.aadIssuer, `https://sts.windows.net/${TENANT}/`);
    });

    it("refuses a tenant or an audience that is not a GUID", () => {
        for (const mode of ["entra", "both"] as const) {
            for (const tenant of [undefined, "", "contoso.onmicrosoft.com", `${TENANT}/`, `{${TENANT}}`]) {
                assert.throws(() => p2sAuthSettings(mode, tenant), /^Error: entra: the tenant id must be a GUID, got /, String(tenant));
            }
            assert.throws(() => p2sAuthSettings(mode, TENANT, "Azure VPN"), /^Error: entra: the audience must be an app id \(a GUID\), got "Azure VPN"$/);
        }
    });

    it("GUIDs in either case, whole", () => {
        assert.ok(isGuid(AZURE_VPN_CLIENT_AUDIENCE) && isGuid(TENANT.toUpperCase()));
        for (const bad of ["", `x${TENANT}`, `${TENANT}x`, TENANT.replace(/-/g, ""), TENANT.replace("7", "g")]) {
            assert.equal(isGuid(bad), false, bad);
        }
    });
});
