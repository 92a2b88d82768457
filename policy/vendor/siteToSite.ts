/**
 * Site-to-site VPN rules that Azure and good practice impose, as pure functions: the IPsec/IKE
 * policy (what Azure accepts, what is weak, what is at least as strong as the default), BGP ASNs
 * Azure refuses, the pre-shared key's alphabet, and the parameters an on-premises device needs.
 * Sources: Microsoft Learn, "Configure custom IPsec/IKE connection policies" and the VPN gateway
 * FAQ (IPsec/IKE, BGP, shared key); see docs/azure-rules.md.
 */

/** One IPsec/IKE policy: Azure takes all eight fields or none. */
export interface IpsecPolicy {
    readonly ikeEncryption: string;
    readonly ikeIntegrity: string;
    readonly dhGroup: string;
    readonly ipsecEncryption: string;
    readonly ipsecIntegrity: string;
    readonly pfsGroup: string;
    /** Quick mode (child SA) lifetime; Azure's minimum is 300 s. */
    readonly saLifeTimeSeconds: number;
    /** Quick mode data limit; Azure's minimum is 1024 KB. */
    readonly saDataSizeKilobytes: number;
}

/** What Learn lists for each field (the API's enums hold a few more that Learn does not document). */
export const IPSEC_POLICY_VALUES = {
    ikeEncryption: ["GCMAES256", "GCMAES128", "AES256", "AES192", "AES128", "DES3", "DES"],
    ikeIntegrity: ["SHA384", "SHA256", "SHA1", "MD5"],
    dhGroup: ["DHGroup24", "ECP384", "ECP256", "DHGroup14", "DHGroup2048", "DHGroup2", "DHGroup1", "None"],
    ipsecEncryption: ["GCMAES256", "GCMAES192", "GCMAES128", "AES256", "AES192", "AES128", "DES3", "DES", "None"],
    ipsecIntegrity: ["GCMAES256", "GCMAES192", "GCMAES128", "SHA256", "SHA1", "MD5"],
    pfsGroup: ["PFS24", "ECP384", "ECP256", "PFS2048", "PFS2", "PFS1", "None"],
} as const satisfies Record<keyof Omit<IpsecPolicy, "saLifeTimeSeconds" | "saDataSizeKilobytes">, readonly string[]>;

/** Broken or too short: single DES and 3DES, MD5 and SHA-1, 768- and 1024-bit groups, no encryption or no PFS. */
export const WEAK_ALGORITHMS: ReadonlySet<string> = new Set(["DES", "DES3", "MD5", "SHA1", "DHGroup1", "DHGroup2", "PFS1", "PFS2", "None"]);

/**
 * The default: AES-256 and SHA-256 with the 2048-bit group for IKE, AES-256-GCM with PFS over the
 * 2048-bit group for IPsec, Azure's default lifetimes. Azure's own default proposals include DH
 * group 2, so securepg always sends a policy.
 */
export const DEFAULT_IPSEC_POLICY: IpsecPolicy = {
    ikeEncryption: "AES256",
    ikeIntegrity: "SHA256",
    dhGroup: "DHGroup14",
    ipsecEncryption: "GCMAES256",
    ipsecIntegrity: "GCMAES256",
    pfsGroup: "PFS2048",
    saLifeTimeSeconds: 27_000,
    saDataSizeKilobytes: 102_400_000,
};

export const MIN_SA_LIFETIME_SECONDS = 300;
export const MIN_SA_DATA_SIZE_KILOBYTES = 1024;

/** Azure's pairing rule: GCMAES encryption takes the same GCMAES integrity, and only it goes with GCMAES. */
export function gcmMismatch(ipsecEncryption: string, ipsecIntegrity: string): boolean {
    return (ipsecEncryption.startsWith("GCMAES") || ipsecIntegrity.startsWith("GCMAES")) && ipsecEncryption !== ipsecIntegrity;
}

/** Every reason Azure (or good practice) refuses the policy; empty when it is fine. */
export function ipsecPolicyProblems(policy: IpsecPolicy): string[] {
    const problems: string[] = [];
    for (const [field, allowed] of Object.entries(IPSEC_POLICY_VALUES) as Array<[keyof typeof IPSEC_POLICY_VALUES, readonly string[]]>) {
        const value = policy[field];
        if (!allowed.includes(value)) {
            problems.push(`${field} ${JSON.stringify(value)} is not one of ${allowed.filter((v) => !WEAK_ALGORITHMS.has(v)).join(", ")}`);
        } else if (WEAK_ALGORITHMS.has(value)) {
            problems.push(`${field} ${value} is weak; use one of ${allowed.filter((v) => !WEAK_ALGORITHMS.has(v)).join(", ")}`);
        }
    }
    if (gcmMismatch(policy.ipsecEncryption, policy.ipsecIntegrity)) {
        problems.push(`ipsecIntegrity ${policy.ipsecIntegrity} does not go with ipsecEncryption ${policy.ipsecEncryption}: GCMAES encryption takes the same GCMAES as integrity, and only GCMAES integrity goes with it`);
    }
    if (!Number.isInteger(policy.saLifeTimeSeconds) || policy.saLifeTimeSeconds < MIN_SA_LIFETIME_SECONDS) {
        problems.push(`saLifeTimeSeconds must be a whole number of at least ${MIN_SA_LIFETIME_SECONDS}`);
    }
    if (!Number.isInteger(policy.saDataSizeKilobytes) || policy.saDataSizeKilobytes < MIN_SA_DATA_SIZE_KILOBYTES) {
        problems.push(`saDataSizeKilobytes must be a whole number of at least ${MIN_SA_DATA_SIZE_KILOBYTES}`);
    }
    return problems;
}

/**
 * Security strength in bits (NIST SP 800-57 part 1 rev. 5, tables 2 and 3): ciphers by key length,
 * SHA-2 as HMAC (integrity and PRF), finite-field and elliptic-curve groups by their size.
 */
const STRENGTH_BITS: Readonly<Record<string, number>> = {
    AES128: 128, GCMAES128: 128, AES192: 192, GCMAES192: 192, AES256: 256, GCMAES256: 256,
    SHA256: 256, SHA384: 384,
    DHGroup14: 112, DHGroup2048: 112, PFS2048: 112, DHGroup24: 112, PFS24: 112, ECP256: 128, ECP384: 192,
};

/** The policy's algorithm fields (its other two are lifetimes). */
export type AlgorithmField = "ikeEncryption" | "ikeIntegrity" | "dhGroup" | "ipsecEncryption" | "ipsecIntegrity" | "pfsGroup";

/** The fields of `policy` weaker than the default's; empty when it is at least as strong. */
export function weakerThanDefault(policy: IpsecPolicy): AlgorithmField[] {
    const fields: readonly AlgorithmField[] = ["ikeEncryption", "ikeIntegrity", "dhGroup", "ipsecEncryption", "ipsecIntegrity", "pfsGroup"];
    return fields.filter((field) => (STRENGTH_BITS[policy[field]] ?? 0) < STRENGTH_BITS[DEFAULT_IPSEC_POLICY[field]]);
}

/** ASNs Azure refuses for an on-premises device: its own and IANA's reserved ones (VPN gateway FAQ, BGP). */
export function asnProblem(asn: number): string | undefined {
    if (!Number.isInteger(asn) || asn < 1 || asn > 4_294_967_294) {
        return "must be a whole number from 1 to 4294967294";
    }
    if ([8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520].includes(asn)) {
        return "is reserved by Azure (8074, 8075, 12076, 65515, 65517-65520)";
    }
    if (asn === 23456 || (asn >= 64496 && asn <= 64511) || (asn >= 65535 && asn <= 65551)) {
        return "is reserved by IANA (23456, 64496-64511, 65535-65551)";
    }
    return undefined;
}

/** Azure's default ASN for a VPN gateway; an on-premises device must use another. */
export const AZURE_GATEWAY_ASN = 65515;

/**
 * A pre-shared key Azure accepts: 1 to 128 printable ASCII characters, without space, `-` or `~`
 * (VPN gateway FAQ). The message never contains the key.
 */
export function siteKeyProblem(key: string): string | undefined {
    if (key.length < 1 || key.length > 128) {
        return "must be 1 to 128 characters long";
    }
    if (!/^[!-~]+$/.test(key) || /[-~]/.test(key)) {
        return "may hold only printable ASCII characters other than space, - and ~";
    }
    if (key.length < 32) {
        return "is shorter than 32 characters; let securepg generate one, or use a longer one";
    }
    return undefined;
}

const STRONGSWAN: Readonly<Record<string, string>> = {
    AES128: "aes128", AES192: "aes192", AES256: "aes256",
    GCMAES128: "aes128gcm16", GCMAES192: "aes192gcm16", GCMAES256: "aes256gcm16",
    SHA256: "sha256", SHA384: "sha384",
    DHGroup14: "modp2048", DHGroup2048: "modp2048", PFS2048: "modp2048", DHGroup24: "modp2048s256", PFS24: "modp2048s256",
    ECP256: "ecp256", ECP384: "ecp384",
};

/** The policy as strongSwan proposals (swanctl.conf `proposals` and `esp_proposals`). */
export function strongSwanProposals(policy: IpsecPolicy): { ike: string; esp: string } {
    const name = (value: string) => {
        const mapped = STRONGSWAN[value];
        if (mapped === undefined) {
            throw new Error(`${value} has no strongSwan name here (is the policy valid?)`);
        }
        return mapped;
    };
    // With an AEAD cipher IKE names its PRF; ESP's integrity is the cipher itself.
    const ikeIntegrity = policy.ikeEncryption.startsWith("GCMAES") ? `prf${name(policy.ikeIntegrity)}` : name(policy.ikeIntegrity);
    const espIntegrity = policy.ipsecEncryption.startsWith("GCMAES") ? [] : [name(policy.ipsecIntegrity)];
    return {
        ike: [name(policy.ikeEncryption), ikeIntegrity, name(policy.dhGroup)].join("-"),
        esp: [name(policy.ipsecEncryption), ...espIntegrity, name(policy.pfsGroup)].join("-"),
    };
}

/** Everything an on-premises network team needs to configure its device for one site (no secret). */
export interface SiteDeviceConfig {
    /** Where the device connects: the gateway's address, or both instances' when active-active (a tunnel to each). */
    readonly azureGatewayAddresses: readonly string[];
    /** What the device routes through the tunnel: the VNet's address space. */
    readonly azureNetworks: readonly string[];
    /** The site's networks as Azure routes them (and the proxy admits them). */
    readonly siteNetworks: readonly string[];
    readonly ikeVersion: "IKEv2";
    readonly authentication: "pre-shared key (output siteSharedKeys)";
    readonly policy: IpsecPolicy;
    /** The same policy in strongSwan's names (swanctl.conf). */
    readonly strongSwan: { readonly ike: string; readonly esp: string };
    readonly dpdTimeoutSeconds: number;
    /** Azure's BGP end, when the site speaks BGP. */
    readonly bgp: { readonly azureAsn: number; readonly azurePeeringAddress: string; readonly siteAsn: number; readonly sitePeeringAddress: string } | undefined;
}

export function siteDeviceConfig(site: { addressPrefixes: ReadonlyArray<{ text: string }>; ipsecPolicy: IpsecPolicy; bgp: { asn: number; peeringAddress: string } | undefined },
    azure: { gatewayAddresses: readonly string[]; networks: readonly string[]; dpdTimeoutSeconds: number; bgpPeering: { asn: number; address: string } | undefined }): SiteDeviceConfig {
    return {
        azureGatewayAddresses: azure.gatewayAddresses,
        azureNetworks: azure.networks,
        siteNetworks: site.addressPrefixes.map((block) => block.text),
        ikeVersion: "IKEv2",
        authentication: "pre-shared key (output siteSharedKeys)",
        policy: site.ipsecPolicy,
        strongSwan: strongSwanProposals(site.ipsecPolicy),
        dpdTimeoutSeconds: azure.dpdTimeoutSeconds,
        bgp: site.bgp && azure.bgpPeering
            ? { azureAsn: azure.bgpPeering.asn, azurePeeringAddress: azure.bgpPeering.address, siteAsn: site.bgp.asn, sitePeeringAddress: site.bgp.peeringAddress }
            : undefined,
    };
}

/**
 * A swanctl.conf for a strongSwan device at the site: route-based (an XFRM interface per tunnel,
 * `if_id`), IKEv2 with the site's policy in strongSwan's names, one connection per Azure instance
 * address, rekeying before Azure's lifetimes (IKE SA 28,800 s, fixed; child SA the policy's).
 */
export function swanctlConf(site: string, device: SiteDeviceConfig, deviceAddress: string): string {
    const childRekeySeconds = Math.max(60, Math.floor(device.policy.saLifeTimeSeconds * 0.8));
    const connections = device.azureGatewayAddresses.map((azure, i) => `    azure-${site}-${i + 1} {
        version = 2
        remote_addrs = ${azure}
        local {
            auth = psk
            id = ${deviceAddress}
        }
        remote {
            auth = psk
            id = ${azure}
        }
        proposals = ${device.strongSwan.ike}
        rekey_time = 7h
        dpd_delay = 30s
        if_id_in = ${42 + i}
        if_id_out = ${42 + i}
        children {
            azure-${site}-${i + 1} {
                local_ts = 0.0.0.0/0
                remote_ts = 0.0.0.0/0
                esp_proposals = ${device.strongSwan.esp}
                rekey_time = ${childRekeySeconds}s
                start_action = start
                dpd_action = restart
            }
        }
    }`);
    const secrets = device.azureGatewayAddresses.map((azure, i) => `    ike-azure-${site}-${i + 1} {
        id = ${azure}
        secret = "<siteSharedKeys.${site}>"
    }`);
    return `connections {\n${connections.join("\n")}\n}\nsecrets {\n${secrets.join("\n")}\n}\n`;
}
