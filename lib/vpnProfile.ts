/**
 * The VPN client profile Azure generates for a P2S gateway (a zip), and the OpenVPN profile in it
 * made ready to use: Azure leaves `$CLIENTCERTIFICATE` and `$PRIVATEKEY` for the user to fill in.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { unzipSync } from "fflate";

/** Azure's placeholders in OpenVPN/vpnconfig.ovpn (Microsoft Learn, "Configure OpenVPN clients"). */
export const OPENVPN_PLACEHOLDERS = { certificate: "$CLIENTCERTIFICATE", privateKey: "$PRIVATEKEY" } as const;

/**
 * Azure's profile sends OpenVPN's output to `openvpn.log` in the working directory, so `openvpn
 * --config` shows nothing, and Learn tells OpenVPN Connect 3 users to remove it: commented out.
 */
const LOG_DIRECTIVE = /^log[ \t]+([^\r\n]*)/m;
export const COMMENTED_LOG = "commented out by `npm run connect`: OpenVPN logs to the terminal, or to its app's own log";

/** A profile zip is a few hundred kilobytes; anything far larger is not one. */
const MAX_ENTRY_BYTES = 5 * 1024 * 1024;

export interface VpnProfileZip {
    /** OpenVPN/vpnconfig.ovpn, when the gateway has the OpenVPN tunnel type. */
    readonly openVpn?: string;
    /** The Azure VPN Client's XML profiles (AzureVPN/*.xml), by file name. */
    readonly azureVpnProfiles: ReadonlyArray<{ readonly name: string; readonly text: string }>;
    /** Every entry's path, `/`-separated. */
    readonly entries: readonly string[];
}

function entryPath(name: string): string {
    return name.replace(/\\/g, "/");
}

function isOpenVpnProfile(name: string): boolean {
    return /(^|\/)openvpn\/vpnconfig\.ovpn$/i.test(entryPath(name));
}

function isAzureVpnProfile(name: string): boolean {
    return /(^|\/)azurevpn\/[^/]+\.xml$/i.test(entryPath(name));
}

/** Reads the parts of Azure's profile zip that a client needs; throws when it is not such a zip. */
export function readVpnProfileZip(zip: Uint8Array): VpnProfileZip {
    const entries: string[] = [];
    let files: Record<string, Uint8Array>;
    try {
        files = unzipSync(zip, {
            filter: (file) => {
                entries.push(entryPath(file.name));
                const wanted = isOpenVpnProfile(file.name) || isAzureVpnProfile(file.name);
                if (wanted && file.originalSize > MAX_ENTRY_BYTES) {
                    throw new Error(`${file.name} is ${file.originalSize} bytes`);
                }
                return wanted;
            },
        });
    } catch (error) {
        throw new Error(`the VPN profile is not a readable zip: ${(error as Error).message}`);
    }
    const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8").replace(/^\uFEFF/, "");
    const names = Object.keys(files);
    const openVpnName = names.find(isOpenVpnProfile);
    const azureVpnProfiles = names
        .filter(isAzureVpnProfile)
        .map((name) => ({ name: entryPath(name).split("/").pop()!, text: text(files[name]) }))
        .sort((a, b) => a.name.localeCompare(b.name));
    if (openVpnName === undefined && azureVpnProfiles.length === 0) {
        throw new Error(`the zip holds no VPN client profile (no OpenVPN/vpnconfig.ovpn, no AzureVPN/*.xml; it has ${entries.slice(0, 8).join(", ") || "nothing"})`);
    }
    return { openVpn: openVpnName === undefined ? undefined : text(files[openVpnName]), azureVpnProfiles, entries };
}

export interface ClientCredentials {
    readonly certificatePem: string;
    readonly privateKeyPem: string;
}

/**
 * Azure's OpenVPN profile with the client certificate and key in place of its placeholders, after
 * checking that the key belongs to the certificate (a mismatch fails only at connect time, with an
 * obscure TLS error), and its `log` directive commented out.
 */
export function fillOpenVpnProfile(template: string, credentials: ClientCredentials): string {
    for (const placeholder of Object.values(OPENVPN_PLACEHOLDERS)) {
        const count = template.split(placeholder).length - 1;
        if (count !== 1) {
            throw new Error(`the OpenVPN profile has ${count === 0 ? "no" : count} ${placeholder} placeholder${count === 0 ? "" : "s"}: is it the vpnconfig.ovpn Azure generated, unedited?`);
        }
    }
    let certificate: X509Certificate;
    try {
        certificate = new X509Certificate(credentials.certificatePem);
    } catch {
        throw new Error("the client certificate is not a PEM certificate");
    }
    let publicFromKey: string;
    try {
        publicFromKey = createPublicKey(createPrivateKey(credentials.privateKeyPem)).export({ type: "spki", format: "pem" }).toString();
    } catch {
        throw new Error("the client private key is not a PEM private key");
    }
    if (certificate.publicKey.export({ type: "spki", format: "pem" }).toString() !== publicFromKey) {
        throw new Error("the client private key does not belong to the client certificate");
    }
    // The PEM takes the profile's line endings (Azure's are generated on Windows), and a function
    // replacement, so that `$` in the PEM text is never read as a pattern.
    const eol = template.includes("\r\n") ? "\r\n" : "\n";
    const asProfileLines = (pem: string) => pem.trim().split(/\r?\n/).join(eol);
    return template
        .replace(OPENVPN_PLACEHOLDERS.certificate, () => asProfileLines(credentials.certificatePem))
        .replace(OPENVPN_PLACEHOLDERS.privateKey, () => asProfileLines(credentials.privateKeyPem))
        .replace(LOG_DIRECTIVE, (_line, file: string) => `# log ${file} (${COMMENTED_LOG})`);
}
