/**
 * `securepg:vpn:SiteToSite`: an IPsec tunnel per on-premises site, on the stack's VPN gateway.
 * Each site gets a local network gateway (its device's address and networks, and BGP when it
 * speaks it) and a connection with IKEv2, the site's IPsec/IKE policy and a pre-shared key: the
 * one the stack's secret config gives, or a generated one.
 */
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as random from "@pulumi/random";
import { siteResourceNames } from "../lib/naming";
import type { SiteConfig } from "../stacks/types";

export interface SiteToSiteArgs {
    readonly project: string;
    readonly stack: string;
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: string;
    /** The stack's VPN gateway, which every connection terminates on. */
    readonly gatewayId: pulumi.Input<string>;
    readonly sites: readonly SiteConfig[];
    /** Pre-shared keys from the stack's secret config, by site name; the others are generated. */
    readonly siteKeys: Readonly<Record<string, string>>;
    readonly tags: Record<string, string>;
}

/** Dead peer detection: Learn recommends 30-45 s; Azure's default is 45. */
export const DPD_TIMEOUT_SECONDS = 45;
/** Generated keys: 48 letters and digits, inside Azure's alphabet and its 128-character limit. */
export const GENERATED_KEY_LENGTH = 48;

export interface SiteConnection {
    readonly localNetworkGatewayId: pulumi.Output<string>;
    readonly connectionId: pulumi.Output<string>;
    /** Secret: the key both ends share. */
    readonly sharedKey: pulumi.Output<string>;
}

export class SiteToSite extends pulumi.ComponentResource {
    /** By site name. */
    public readonly connections: Readonly<Record<string, SiteConnection>>;

    constructor(name: string, args: SiteToSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securepg:vpn:SiteToSite", name, {}, opts);
        // Fixed Azure names: a replacement must delete the old resource first.
        const named = { parent: this, deleteBeforeReplace: true };
        const connections: Record<string, SiteConnection> = {};
        for (const site of args.sites) {
            const names = siteResourceNames(args.project, args.stack, site.name);
            const localGateway = new network.LocalNetworkGateway(`site-${site.name}`, {
                localNetworkGatewayName: names.localNetworkGateway,
                resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags,
                gatewayIpAddress: site.gatewayAddress,
                localNetworkAddressSpace: { addressPrefixes: site.addressPrefixes.map((block) => block.text) },
                ...(site.bgp ? { bgpSettings: { asn: site.bgp.asn, bgpPeeringAddress: site.bgp.peeringAddress } } : {}),
            }, named);
            const givenKey = args.siteKeys[site.name];
            const sharedKey = pulumi.secret(givenKey
                ?? new random.RandomPassword(`site-${site.name}-key`, { length: GENERATED_KEY_LENGTH, special: false }, { parent: this }).result);
            const connection = new network.VirtualNetworkGatewayConnection(`site-${site.name}-connection`, {
                virtualNetworkGatewayConnectionName: names.connection,
                resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags,
                connectionType: "IPsec",
                connectionProtocol: "IKEv2",
                virtualNetworkGateway1: { id: args.gatewayId },
                localNetworkGateway2: { id: localGateway.id },
                sharedKey,
                enableBgp: site.bgp !== undefined,
                usePolicyBasedTrafficSelectors: false,
                ipsecPolicies: [{ ...site.ipsecPolicy }],
                dpdTimeoutSeconds: DPD_TIMEOUT_SECONDS,
            }, {
                ...named,
                // Azure returns the key on a read; it stays a secret in the state.
                additionalSecretOutputs: ["sharedKey"],
                // A PUT does not change an existing connection's key (that takes its own call,
                // azurerm #11673), and the protocol is fixed at creation: both replace it.
                replaceOnChanges: ["sharedKey", "connectionProtocol"],
                // Each connection re-provisions the gateway, which takes minutes.
                customTimeouts: { create: "45m", update: "45m", delete: "45m" },
            });
            connections[site.name] = { localNetworkGatewayId: localGateway.id, connectionId: connection.id, sharedKey };
        }
        this.connections = connections;
        this.registerOutputs({
            connections: Object.fromEntries(Object.entries(connections).map(([site, c]) => [site, { localNetworkGatewayId: c.localNetworkGatewayId, connectionId: c.connectionId }])),
        });
    }
}
