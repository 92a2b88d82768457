/** Azure's VPN profile zip read as Azure writes it, and its OpenVPN profile filled with a client's certificate and key. */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { zipSync } from "fflate";
import { COMMENTED_LOG, fillOpenVpnProfile, OPENVPN_PLACEHOLDERS, readVpnProfileZip } from "../lib/vpnProfile";
import { MOCK_CERT_PEM, MOCK_PRIVATE_KEY_PEM } from "./harness/program";
import { VPN_PROFILE_FIXTURES, vpnProfileZip } from "./harness/vpnProfileZip";

const TEMPLATE = fs.readFileSync(path.join(VPN_PROFILE_FIXTURES, "certificate", "OpenVPN", "vpnconfig.ovpn"), "utf8");
const CREDENTIALS = { certificatePem: MOCK_CERT_PEM, privateKeyPem: MOCK_PRIVATE_KEY_PEM };

describe("readVpnProfileZip", () => {
    it("reads the OpenVPN and Azure VPN Client profiles from Azure's zip, whose entry names use backslashes", () => {
        for (const separator of ["\\", "/"] as const) {
            const zip = readVpnProfileZip(vpnProfileZip("certificate", { separator }));
            assert.equal(zip.openVpn, TEMPLATE);
            assert.deepEqual(zip.azureVpnProfiles.map((p) => p.name), ["azurevpnconfig.xml"]);
            assert.equal(zip.azureVpnProfiles[0].text, fs.readFileSync(path.join(VPN_PROFILE_FIXTURES, "certificate", "AzureVPN", "azurevpnconfig.xml"), "utf8"));
            assert.deepEqual([...zip.entries].sort(), ["AzureVPN/azurevpnconfig.xml", "Generic/VpnServerRoot.cer_0", "Generic/VpnSettings.xml", "OpenVPN/vpnconfig.ovpn"]);
        }
    });

    it("an Entra-only gateway's zip has no OpenVPN profile; a multi-auth zip has one XML per authentication", () => {
        const entra = readVpnProfileZip(vpnProfileZip("entra"));
        assert.equal(entra.openVpn, undefined);
        assert.match(entra.azureVpnProfiles[0].text, /<type>aad<\/type>/);
        const both = readVpnProfileZip(vpnProfileZip("certificate", { rename: (e) => e.replace("azurevpnconfig.xml", "azurevpnconfig_cert.xml") }));
        const withAad = zipSync({ ...Object.fromEntries(Object.entries({ "AzureVPN\\azurevpnconfig_aad.xml": "<AzVpnProfile/>", "OpenVPN\\vpnconfig.ovpn": TEMPLATE }).map(([k, v]) => [k, new TextEncoder().encode(v)])) });
        assert.deepEqual(both.azureVpnProfiles.map((p) => p.name), ["azurevpnconfig_cert.xml"]);
        assert.deepEqual(readVpnProfileZip(withAad).azureVpnProfiles.map((p) => p.name), ["azurevpnconfig_aad.xml"]);
        const multi = readVpnProfileZip(vpnProfileZip("both"));
        assert.deepEqual(multi.azureVpnProfiles.map((p) => p.name), ["azurevpnconfig_aad.xml", "azurevpnconfig_cert.xml"]);
        assert.equal(multi.openVpn, TEMPLATE);
        const bom = zipSync({ "OpenVPN/vpnconfig.ovpn": new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("client\n")]) });
        assert.equal(readVpnProfileZip(bom).openVpn, "client\n", "a byte-order mark is dropped");
        const inner = zipSync({ "OpenVPN/vpnconfig.ovpn": new TextEncoder().encode("client\n\uFEFFverb 3\n") });
        assert.equal(readVpnProfileZip(inner).openVpn, "client\n\uFEFFverb 3\n", "only a leading one");
    });

    it("refuses what is not a profile zip, naming what it found", () => {
        assert.throws(() => readVpnProfileZip(new TextEncoder().encode("<html>expired</html>")), /the VPN profile is not a readable zip/);
        assert.throws(() => readVpnProfileZip(vpnProfileZip("certificate", { rename: (e) => (e.startsWith("Generic/") ? e : null) })),
            /the zip holds no VPN client profile \(no OpenVPN\/vpnconfig\.ovpn, no AzureVPN\/\*\.xml; it has Generic\/VpnServerRoot\.cer_0, Generic\/VpnSettings\.xml\)/);
        assert.throws(() => readVpnProfileZip(zipSync({ "OpenVPN/other.ovpn": new Uint8Array(1), "vpnconfig.ovpn": new Uint8Array(1), "OpenVPN/vpnconfig.ovpn.bak": new Uint8Array(1), "AzureVPN/x.xml.bak": new Uint8Array(1) })), /no VPN client profile/, "only the files Azure names");
        assert.throws(() => readVpnProfileZip(zipSync({})), /it has nothing\)/);
        const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`Generic/f${i}`, new Uint8Array(1)]));
        assert.throws(() => readVpnProfileZip(zipSync(many)), (e: Error) => e.message.endsWith("it has Generic/f0, Generic/f1, Generic/f2, Generic/f3, Generic/f4, Generic/f5, Generic/f6, Generic/f7)"), "the first eight names");
        assert.throws(() => readVpnProfileZip(zipSync({ "OpenVPN/vpnconfig.ovpn": new Uint8Array(5 * 1024 * 1024 + 1) })), /OpenVPN\/vpnconfig\.ovpn is 5242881 bytes/);
        const big = readVpnProfileZip(zipSync({ "OpenVPN/vpnconfig.ovpn": new Uint8Array(5 * 1024 * 1024), "WindowsAmd64/VpnClientSetupAmd64.exe": new Uint8Array(6 * 1024 * 1024) }));
        assert.equal(big.openVpn?.length, 5 * 1024 * 1024, "5 MiB is allowed, and files it does not read are never unpacked");
    });
});

describe("fillOpenVpnProfile", () => {
    it("puts the certificate and key where Azure's placeholders are, in the profile's line endings, and changes nothing else", () => {
        const filled = fillOpenVpnProfile(TEMPLATE, CREDENTIALS);
        const crlf = (pem: string) => pem.trim().replace(/\n/g, "\r\n");
        const log = `# log openvpn.log (${COMMENTED_LOG})`;
        assert.equal(filled, TEMPLATE.replace(OPENVPN_PLACEHOLDERS.certificate, () => crlf(MOCK_CERT_PEM)).replace(OPENVPN_PLACEHOLDERS.privateKey, () => crlf(MOCK_PRIVATE_KEY_PEM)).replace("\r\nlog openvpn.log\r\n", `\r\n${log}\r\n`));
        assert.doesNotMatch(filled, /(?<!\r)\n/, "no bare LF in a CRLF profile");
        assert.doesNotMatch(filled, /^log /m, "OpenVPN's output is not hidden in a file");
        const lf = TEMPLATE.replace(/\r\n/g, "\n");
        assert.equal(fillOpenVpnProfile(lf, CREDENTIALS), lf.replace("$CLIENTCERTIFICATE", () => MOCK_CERT_PEM.trim()).replace("$PRIVATEKEY", () => MOCK_PRIVATE_KEY_PEM.trim()).replace("\nlog openvpn.log\n", `\n${log}\n`));
        assert.equal(fillOpenVpnProfile("$CLIENTCERTIFICATE\n$PRIVATEKEY\nlog\tdir/x.log", CREDENTIALS).split("\n").pop(), `# log dir/x.log (${COMMENTED_LOG})`);
        assert.match(fillOpenVpnProfile("$CLIENTCERTIFICATE\n$PRIVATEKEY\nlog-append x\n", CREDENTIALS), /\nlog-append x\n$/, "only the log directive itself");
        assert.equal(fillOpenVpnProfile("$CLIENTCERTIFICATE\n$PRIVATEKEY\n# log old.log\nlog  two.log", CREDENTIALS).split("\n").slice(-2).join("\n"),
            "# log old.log\n# log two.log (commented out by `npm run connect`: OpenVPN logs to the terminal, or to its app's own log)", "a comment stays as it is; the directive's spacing is normalized");
        const withText = `subject=/CN=a$&b$'\n${MOCK_CERT_PEM}`;
        assert.ok(fillOpenVpnProfile(lf, { ...CREDENTIALS, certificatePem: withText }).includes("subject=/CN=a$&b$'\n-----BEGIN CERTIFICATE-----"), "$ in the PEM is text, not a pattern");
    });

    it("refuses an edited profile, and a key that does not belong to the certificate", () => {
        assert.throws(() => fillOpenVpnProfile(TEMPLATE.replace("$PRIVATEKEY", ""), CREDENTIALS), /has no \$PRIVATEKEY placeholder: is it the vpnconfig\.ovpn Azure generated, unedited\?/);
        assert.throws(() => fillOpenVpnProfile(`${TEMPLATE}$CLIENTCERTIFICATE`, CREDENTIALS), /has 2 \$CLIENTCERTIFICATE placeholders/);
        const other = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
        assert.throws(() => fillOpenVpnProfile(TEMPLATE, { ...CREDENTIALS, privateKeyPem: other }), /the client private key does not belong to the client certificate/);
        assert.throws(() => fillOpenVpnProfile(TEMPLATE, { ...CREDENTIALS, privateKeyPem: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n" }), /not a PEM private key/);
        assert.throws(() => fillOpenVpnProfile(TEMPLATE, { ...CREDENTIALS, certificatePem: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n" }), /not a PEM certificate/);
    });
});
