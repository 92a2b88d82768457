import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import type { ResourceNames } from "../lib/naming";
import { databaseSubnetRules, proxySubnetRules, type NsgRule } from "../lib/nsgRules";
import type { NetworkConfig } from "../stacks/types";

/** The service Flexible Server subnets must be delegated to. */
export const FLEXIBLE_SERVER_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers";

export interface NetworkArgs {
    /** Azure region, e.g. "westeurope". */
    readonly location: string;
    readonly names: ResourceNames;
    readonly network: NetworkConfig;
    /** `vnet` creates the delegated database subnet and the private DNS zone; `public` does not. */
    readonly access: "vnet" | "public";
    readonly vpnClientPool: string;
    /** Ports the proxy listens on, admitted by the proxy subnet's NSG. */
    readonly proxyListenPorts: readonly number[];
    /** The site-to-site networks, admitted by the proxy subnet's NSG as the VPN pool is. */
    readonly sitePrefixes: readonly string[];
    /** Protect the resource group from `pulumi destroy`. */
    readonly protect: boolean;
    readonly tags: Record<string, string>;
}

export interface PrivateAccess {
    /** The subnet delegated to Flexible Server. */
    readonly delegatedSubnetId: pulumi.Output<string>;
    readonly privateDnsZoneId: pulumi.Output<string>;
    /** The VNet link that lets the VNet resolve the zone; the server must be created after it. */
    readonly privateDnsZoneLink: privatedns.VirtualNetworkLink;
}

/**
 * Resource group, VNet, subnets with their NSGs, the NAT gateway the proxy subnet uses for egress,
 * and, for VNet-integrated servers, the delegated database subnet and its private DNS zone.
 */
export class Network extends pulumi.ComponentResource {
    public readonly resourceGroupName: pulumi.Output<string>;
    public readonly virtualNetworkId: pulumi.Output<string>;
    public readonly gatewaySubnetId: pulumi.Output<string>;
    public readonly proxySubnetId: pulumi.Output<string>;
    /** What a VNet-integrated server needs; undefined in `public` mode. */
    public readonly privateAccess: PrivateAccess | undefined;
    /** Public IP that the proxy subnet's outbound traffic (apt, a public server) comes from. */
    public readonly natPublicIp: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securepg:network:Network", name, {}, opts);
        const { names, location, tags } = args;
        // Every resource here has a fixed name, and azure-native refuses to create one that exists:
        // a replacement must delete the old resource before it creates the new one.
        const child = { parent: this, deleteBeforeReplace: true };

        const group = new resources.ResourceGroup("resource-group", {
            resourceGroupName: names.resourceGroup, location, tags,
        }, { ...child, protect: args.protect });
        const resourceGroupName = group.name;

        // Subnets are standalone resources, so the VNet must not also own them: ignoring its
        // `subnets` property keeps a refresh from seeing drift and an update from deleting them.
        const vnet = new network.VirtualNetwork("vnet", {
            virtualNetworkName: names.virtualNetwork, resourceGroupName, location, tags,
            addressSpace: { addressPrefixes: [args.network.addressSpace.text] },
        }, { ...child, ignoreChanges: ["subnets"] });

        const natIp = new network.PublicIPAddress("nat-public-ip", {
            publicIpAddressName: names.natPublicIp, resourceGroupName, location, tags,
            sku: { name: "Standard", tier: "Regional" },
            publicIPAllocationMethod: "Static",
            publicIPAddressVersion: "IPv4",
        }, child);
        const nat = new network.NatGateway("nat-gateway", {
            natGatewayName: names.natGateway, resourceGroupName, location, tags,
            sku: { name: "Standard" },
            publicIpAddresses: [{ id: natIp.id }],
            idleTimeoutInMinutes: 4,
        }, child);

        const proxyNsg = this.nsg("proxy-nsg", names.proxyNsg, resourceGroupName, location, tags,
            proxySubnetRules({ vpnClientPool: args.vpnClientPool, proxySubnet: args.network.proxySubnet.text, listenPorts: args.proxyListenPorts, sitePrefixes: args.sitePrefixes }));

        // Azure runs one operation at a time on a VNet's subnets; creating them in parallel fails
        // with AnotherOperationInProgress, so each subnet waits for the previous one.
        // No NSG on GatewaySubnet: Azure does not support one there and it can break the gateway.
        const gatewaySubnet = new network.Subnet("gateway-subnet", {
            subnetName: names.gatewaySubnet, virtualNetworkName: vnet.name, resourceGroupName,
            addressPrefix: args.network.gatewaySubnet.text,
        }, child);
        const proxySubnet = new network.Subnet("proxy-subnet", {
            subnetName: names.proxySubnet, virtualNetworkName: vnet.name, resourceGroupName,
            addressPrefix: args.network.proxySubnet.text,
            defaultOutboundAccess: false,
            natGateway: { id: nat.id },
            networkSecurityGroup: { id: proxyNsg.id },
            serviceEndpoints: args.network.serviceEndpoints.map((service) => ({ service })),
        }, { ...child, dependsOn: [gatewaySubnet] });

        if (args.access === "vnet") {
            const databaseNsg = this.nsg("database-nsg", names.databaseNsg, resourceGroupName, location, tags,
                databaseSubnetRules({ proxySubnet: args.network.proxySubnet.text, databaseSubnet: args.network.databaseSubnet.text }));
            const databaseSubnet = new network.Subnet("database-subnet", {
                subnetName: names.databaseSubnet, virtualNetworkName: vnet.name, resourceGroupName,
                addressPrefix: args.network.databaseSubnet.text,
                defaultOutboundAccess: false,
                networkSecurityGroup: { id: databaseNsg.id },
                delegations: [{ name: "flexible-server", serviceName: FLEXIBLE_SERVER_DELEGATION }],
            }, { ...child, dependsOn: [proxySubnet] });
            const zone = new privatedns.PrivateZone("private-dns-zone", {
                privateZoneName: names.privateDnsZone, resourceGroupName, location: "Global", tags,
            }, child);
            // The link waits for the delegated subnet, so `pulumi destroy` deletes the server, then the
            // link, then the subnet. Deleted together, Azure answers InUseSubnetCannotBeDeleted.
            const link = new privatedns.VirtualNetworkLink("private-dns-zone-link", {
                virtualNetworkLinkName: names.privateDnsZoneLink, privateZoneName: zone.name, resourceGroupName,
                location: "Global", virtualNetwork: { id: vnet.id }, registrationEnabled: false, tags,
            }, { ...child, dependsOn: [databaseSubnet] });
            this.privateAccess = { delegatedSubnetId: databaseSubnet.id, privateDnsZoneId: zone.id, privateDnsZoneLink: link };
        }

        this.resourceGroupName = resourceGroupName;
        this.virtualNetworkId = vnet.id;
        this.gatewaySubnetId = gatewaySubnet.id;
        this.proxySubnetId = proxySubnet.id;
        // A Static IP has its address from creation on.
        this.natPublicIp = natIp.ipAddress as pulumi.Output<string>;
        this.registerOutputs({
            resourceGroupName: this.resourceGroupName,
            virtualNetworkId: this.virtualNetworkId,
            gatewaySubnetId: this.gatewaySubnetId,
            proxySubnetId: this.proxySubnetId,
            databaseSubnetId: this.privateAccess?.delegatedSubnetId,
            privateDnsZoneId: this.privateAccess?.privateDnsZoneId,
            natPublicIp: this.natPublicIp,
        });
    }

    private nsg(logicalName: string, azureName: string, resourceGroupName: pulumi.Input<string>, location: string,
        tags: Record<string, string>, rules: NsgRule[]): network.NetworkSecurityGroup {
        return new network.NetworkSecurityGroup(logicalName, {
            networkSecurityGroupName: azureName, resourceGroupName, location, tags, securityRules: rules,
        }, { parent: this, deleteBeforeReplace: true });
    }
}
