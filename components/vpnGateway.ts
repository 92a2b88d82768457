import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as tls from "@pulumi/tls";
import { AZURE_GATEWAY_ASN } from "../lib/siteToSite";
import { auditDiagnostics, GATEWAY_LOG_CATEGORIES } from "../lib/audit";
import { pemToAzureCertData } from "../lib/certs";
import { entraP2sSettings, p2sAuthTypes } from "../lib/entra";
import { generationForNewGateway } from "../lib/lifecycle";
import type { ResourceNames } from "../lib/naming";
import type { VpnConfig } from "../stacks/types";

const HOURS_PER_DAY = 24;
const ROOT_VALIDITY_HOURS = 10 * 365 * HOURS_PER_DAY;

export interface VpnClientCredentials {
    /** PEM client certificate, signed by the newest root. */
    readonly certificatePem: string;
    /** PEM private key of the client certificate. */
    readonly privateKeyPem: string;
}

export interface VpnGatewayArgs {
    readonly location: string;
    readonly resourceGroupName: pulumi.Input<string>;
    readonly names: ResourceNames;
    /** The subnet named exactly GatewaySubnet. */
    readonly gatewaySubnetId: pulumi.Input<string>;
    readonly vpn: VpnConfig;
    /** Zones of the gateway's public IP: all three where the region has zones, none (regional) elsewhere. */
    readonly publicIpZones: string[] | undefined;
    /** Used in certificate subjects, e.g. "securepg-dev". */
    readonly subjectPrefix: string;
    readonly tags: Record<string, string>;
    /** The Entra tenant clients sign in with (securepg:entraTenantId, or the deploying identity's); read only when Entra is on. */
    readonly entraTenantId?: pulumi.Input<string>;
    /** BGP on the gateway, for site-to-site sites that speak it. */
    readonly bgp: boolean;
    /** Sends the gateway's P2S, tunnel, route, IKE and gateway logs and its metrics to this Log Analytics workspace. */
    readonly workspaceId?: pulumi.Input<string>;
}

/**
 * A route-based Point-to-Site VPN gateway with certificate authentication. Root CAs and client
 * certificates are made by @pulumi/tls and kept in the (encrypted) stack state.
 */
export class VpnGateway extends pulumi.ComponentResource {
    public readonly publicIp: pulumi.Output<string>;
    /** The addresses a site-to-site device builds tunnels to: one, or two when active-active. */
    public readonly siteAddresses: pulumi.Output<string[]>;
    /** The gateway's Azure resource id (alerts scope). */
    public readonly gatewayId: pulumi.Output<string>;
    /** PEM of every root CA Azure trusts, by name. */
    public readonly rootCertificatePems: pulumi.Output<Record<string, string>>;
    /** The root that signs client certificates (the last in the list). */
    public readonly activeRootCertificatePem: pulumi.Output<string>;
    /** Secret: client certificate and key for every name in `securepg:vpn.clients`. */
    public readonly clientCredentials: pulumi.Output<Record<string, VpnClientCredentials>>;
    /** The SKU and the generation Azure reports (it migrates gateways to Generation2 itself). */
    public readonly deployed: pulumi.Output<{ sku: string; generation: string }>;
    /** The gateway's BGP peer address and ASN, for on-premises devices (with BGP on). */
    public readonly bgpPeering: pulumi.Output<{ asn: number; address: string } | undefined>;

    constructor(name: string, args: VpnGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securepg:vpn:VpnGateway", name, {}, opts);
        const { vpn, names, location, resourceGroupName, tags } = args;
        const child = { parent: this };

        const roots = vpn.rootCertificates.map((rootName) => {
            const key = new tls.PrivateKey(`root-key-${rootName}`, { algorithm: "RSA", rsaBits: 4096 }, child);
            const cert = new tls.SelfSignedCert(`root-cert-${rootName}`, {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: `${args.subjectPrefix} P2S root ${rootName}`, organization: "securepg" },
                isCaCertificate: true,
                validityPeriodHours: ROOT_VALIDITY_HOURS,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            }, child);
            return { rootName, key, cert };
        });
        // Rotation: append a new root, re-issue clients (they follow the last root), then drop the old one.
        const signer = roots[roots.length - 1];

        const clients = vpn.clients.map((clientName) => {
            const key = new tls.PrivateKey(`client-key-${clientName}`, { algorithm: "RSA", rsaBits: 2048 }, child);
            const request = new tls.CertRequest(`client-csr-${clientName}`, {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: clientName, organization: "securepg" },
            }, child);
            const cert = new tls.LocallySignedCert(`client-cert-${clientName}`, {
                certRequestPem: request.certRequestPem,
                caPrivateKeyPem: signer.key.privateKeyPem,
                caCertPem: signer.cert.certPem,
                validityPeriodHours: vpn.clientCertificateValidityDays * HOURS_PER_DAY,
                // A `pulumi up` in the last 30 days of a certificate's life issues its successor.
                earlyRenewalHours: Math.min(30, vpn.clientCertificateValidityDays - 1) * HOURS_PER_DAY,
                allowedUses: ["digital_signature", "key_encipherment", "client_auth"],
            }, child);
            return { clientName, key, cert };
        });

        // Fixed names: azure-native refuses to create a resource that exists, so replacements go
        // delete-first.
        const named = { parent: this, deleteBeforeReplace: true };
        // Basic public IPs are refused on VPN gateways. AZ SKUs need a zone-redundant Standard IP
        // where the region has zones; where it has none, Azure deploys them regionally and refuses
        // zones on the IP (LocationNotSupportAvailabilityZones).
        const gatewayIp = (logicalName: string, publicIpAddressName: string) => new network.PublicIPAddress(logicalName, {
            publicIpAddressName, resourceGroupName, location, tags,
            sku: { name: "Standard", tier: "Regional" },
            publicIPAllocationMethod: "Static",
            publicIPAddressVersion: "IPv4",
            ...(args.publicIpZones ? { zones: args.publicIpZones } : {}),
        }, named);
        const publicIp = gatewayIp("vpn-public-ip", names.vpnPublicIp);
        // Active-active: each instance has an address of its own, and Point-to-Site a third
        // (Learn, "About active-active gateways"; the third is billed).
        const secondIp = vpn.activeActive ? gatewayIp("vpn-public-ip-2", names.vpnPublicIp2) : undefined;
        const p2sIp = vpn.activeActive ? gatewayIp("vpn-public-ip-p2s", names.vpnPublicIpP2s) : undefined;
        const addresses = [{ name: "default", ip: publicIp }, { name: "active-active", ip: secondIp }, { name: "point-to-site", ip: p2sIp }]
            .filter((entry): entry is { name: string; ip: network.PublicIPAddress } => entry.ip !== undefined);

        const entra = vpn.authentication === "certificate"
            ? undefined
            : pulumi.output(args.entraTenantId).apply((tenant) => entraP2sSettings(tenant, vpn.entraAudience));
        const gateway = new network.VirtualNetworkGateway("vpn-gateway", {
            virtualNetworkGatewayName: names.vpnGateway, resourceGroupName, location, tags,
            gatewayType: "Vpn",
            vpnType: "RouteBased",
            sku: { name: vpn.sku, tier: vpn.sku },
            vpnGatewayGeneration: generationForNewGateway(vpn.sku),
            activeActive: vpn.activeActive,
            // BGP for the sites that speak it; Azure's ASN stays its default, 65515.
            enableBgp: args.bgp,
            ipConfigurations: addresses.map(({ name, ip }) => ({
                name,
                privateIPAllocationMethod: "Dynamic",
                subnet: { id: args.gatewaySubnetId },
                publicIPAddress: { id: ip.id },
            })),
            vpnClientConfiguration: {
                vpnClientAddressPool: { addressPrefixes: [vpn.clientAddressPool.text] },
                ...p2sAuthTypes(vpn.authentication),
                ...(entra ? { aadTenant: entra.aadTenant, aadIssuer: entra.aadIssuer, aadAudience: entra.aadAudience } : {}),
                // The roots stay in the program in every mode, so that turning certificates back on reuses them.
                vpnClientRootCertificates: vpn.authentication === "entra" ? [] : roots.map(({ rootName, cert }) => ({
                    name: rootName,
                    publicCertData: cert.certPem.apply(pemToAzureCertData),
                })),
            },
        }, {
            ...named,
            // The generation is chosen at creation only: Azure cannot change it in place, and it
            // migrates gateways to Generation2 itself; a SKU change must not flip it either.
            ignoreChanges: ["vpnGatewayGeneration"],
            // Gateways take 30-45 minutes; shorter client timeouts lose the operation from state.
            customTimeouts: { create: "75m", update: "75m", delete: "75m" },
        });

        if (args.workspaceId !== undefined) {
            new monitor.DiagnosticSetting("gateway-diagnostics", {
                resourceUri: gateway.id, workspaceId: args.workspaceId, ...auditDiagnostics(GATEWAY_LOG_CATEGORIES),
                // No destination type: a gateway's logs have no resource-specific tables, only AzureDiagnostics.
            }, { ...named });
        }
        this.gatewayId = gateway.id;
        this.bgpPeering = gateway.bgpSettings.apply((b) => (args.bgp && b?.bgpPeeringAddress ? { asn: b.asn ?? AZURE_GATEWAY_ASN, address: b.bgpPeeringAddress } : undefined));

        // A Static IP has its address from creation on; exported once the gateway exists.
        this.publicIp = pulumi.all([publicIp.ipAddress, gateway.id]).apply(([ip]) => ip as string);
        // What a site's device connects to: one tunnel per instance (the P2S address is not one).
        this.siteAddresses = pulumi.all([this.publicIp, ...(secondIp ? [secondIp.ipAddress] : [])]).apply((ips) => ips as string[]);
        this.rootCertificatePems = pulumi.all(roots.map(({ rootName, cert }) => cert.certPem.apply((pem) => [rootName, pem] as const)))
            .apply((entries) => Object.fromEntries(entries));
        this.activeRootCertificatePem = signer.cert.certPem;
        this.deployed = pulumi.all([gateway.sku, gateway.vpnGatewayGeneration]).apply(([sku, generation]) => ({
            sku: sku?.name ?? vpn.sku, generation: generation ?? generationForNewGateway(vpn.sku),
        }));
        this.clientCredentials = pulumi.secret(pulumi.all(clients.map(({ clientName, key, cert }) =>
            pulumi.all([cert.certPem, key.privateKeyPem]).apply(([certificatePem, privateKeyPem]) => [clientName, { certificatePem, privateKeyPem }] as const),
        )).apply((entries) => Object.fromEntries(entries)));
        this.registerOutputs({
            publicIp: this.publicIp,
            siteAddresses: this.siteAddresses,
            gatewayId: this.gatewayId,
            rootCertificatePems: this.rootCertificatePems,
            activeRootCertificatePem: this.activeRootCertificatePem,
            clientCredentials: this.clientCredentials,
            deployed: this.deployed,
            bgpPeering: this.bgpPeering,
        });
    }
}
