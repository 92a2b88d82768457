/** Azure's VPN profile zip, rebuilt from test/fixtures/vpn-profile/<variant> with Azure's backslash entry names. */
import * as fs from "node:fs";
import * as path from "node:path";
import { unzipSync, zipSync } from "fflate";

export const VPN_PROFILE_FIXTURES = path.join(__dirname, "..", "fixtures", "vpn-profile");

/**
 * Every file of the variant's folder; `rename` maps a `/`-separated path to another (or drops it
 * with null). `both` (certificates and Entra ID) is the certificate zip whose Azure VPN Client
 * profile is split in two, `azurevpnconfig_cert.xml` and `azurevpnconfig_aad.xml`, as Learn
 * describes for gateways with several authentication types.
 */
export function vpnProfileZip(variant: "certificate" | "entra" | "both", options: { separator?: "\\" | "/"; rename?: (entry: string) => string | null } = {}): Uint8Array {
    if (variant === "both") {
        const aad = fs.readFileSync(path.join(VPN_PROFILE_FIXTURES, "entra", "AzureVPN", "azurevpnconfig.xml"));
        const certificate = unzipSync(vpnProfileZip("certificate", { ...options, rename: (e) => (options.rename ?? ((x: string) => x))(e.replace("azurevpnconfig.xml", "azurevpnconfig_cert.xml")) }));
        return zipSync({ ...certificate, [["AzureVPN", "azurevpnconfig_aad.xml"].join(options.separator ?? "\\")]: new Uint8Array(aad) });
    }
    const root = path.join(VPN_PROFILE_FIXTURES, variant);
    const files: Record<string, Uint8Array> = {};
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(full);
                continue;
            }
            const relative = path.relative(root, full).split(path.sep).join("/");
            const renamed = options.rename ? options.rename(relative) : relative;
            if (renamed !== null) {
                files[renamed.split("/").join(options.separator ?? "\\")] = new Uint8Array(fs.readFileSync(full));
            }
        }
    };
    walk(root);
    return zipSync(files);
}
