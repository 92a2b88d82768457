/** lib/entra.ts: the P2S gateway's authentication settings for each mode, as Microsoft Learn documents them. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import {
    AZURE_VPN_CLIENT_AUDIENCE, chooseDatabaseAuth, databaseAuthConfig, entraP2sSettings, entraPsqlCommand, isGuid, LEGACY_AZURE_VPN_CLIENT_AUDIENCE,
    p2sAuthTypes,
} from "../lib/entra";

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

describe("database authentication: chooseDatabaseAuth", () => {
    const ADMIN = { objectId: "0f0e0d0c-0b0a-4908-8706-050403020100", principalName: "pg-admins", principalType: "Group" as const };
    const choose = (over: Partial<Parameters<typeof chooseDatabaseAuth>[0]>) =>
        chooseDatabaseAuth({ configured: undefined, entraAdmin: undefined, environment: "dev", deployed: undefined, serverDeployed: false, ...over });

    it("an explicit setting wins over everything", () => {
        for (const configured of [true, false]) {
            assert.deepEqual(choose({ configured, entraAdmin: ADMIN, environment: "prod", deployed: { passwordAuth: !configured, entraAdminObjectId: null }, serverDeployed: true }),
                { passwordAuth: configured, entra: true, reason: "configured" });
        }
    });

    it("unset: what the deployed server was left with", () => {
        for (const passwordAuth of [true, false]) {
            assert.deepEqual(choose({ deployed: { passwordAuth, entraAdminObjectId: ADMIN.objectId }, entraAdmin: ADMIN, environment: "prod", serverDeployed: true }),
                { passwordAuth, entra: true, reason: "deployed" });
        }
    });

    it("unset, on a server deployed before this setting existed: passwords, as it had", () => {
        assert.deepEqual(choose({ serverDeployed: true, entraAdmin: ADMIN, environment: "prod" }), { passwordAuth: true, entra: true, reason: "existing server" });
    });

    it("unset, new stack: passwordless only for prod with an Entra administrator", () => {
        assert.deepEqual(choose({ entraAdmin: ADMIN, environment: "prod" }), { passwordAuth: false, entra: true, reason: "new prod stack with an Entra admin" });
        assert.deepEqual(choose({ environment: "prod" }), { passwordAuth: true, entra: false, reason: "default" });
        assert.deepEqual(choose({ entraAdmin: ADMIN }), { passwordAuth: true, entra: true, reason: "default" });
        assert.deepEqual(choose({}), { passwordAuth: true, entra: false, reason: "default" });
    });
});

describe("database authentication: authConfig and the token command", () => {
    it("Entra on carries the tenant; off carries none", () => {
        assert.deepEqual(databaseAuthConfig({ passwordAuth: true, entra: true }, "t"), { activeDirectoryAuth: "Enabled", passwordAuth: "Enabled", tenantId: "t" });
        assert.deepEqual(databaseAuthConfig({ passwordAuth: false, entra: true }, "t"), { activeDirectoryAuth: "Enabled", passwordAuth: "Disabled", tenantId: "t" });
        assert.deepEqual(databaseAuthConfig({ passwordAuth: true, entra: false }, "t"), { activeDirectoryAuth: "Disabled", passwordAuth: "Enabled" });
    });

    it("psql gets the caller's token for Azure's PostgreSQL resource, in PGPASSWORD, and the string quoted for the shell", () => {
        assert.equal(entraPsqlCommand("host=h user=u"),
            'PGPASSWORD="$(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv)" psql "host=h user=u"');
        assert.equal(entraPsqlCommand(String.raw`user='a "b" $c \d`+"`e`"),
            'PGPASSWORD="$(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv)" psql "user=\'a \\"b\\" \\$c \\\\d\\`e\\`"');
    });
});
