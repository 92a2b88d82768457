import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as tls from "@pulumi/tls";
import { proxyInstanceNames, type ResourceNames } from "../lib/naming";
import {
    AVAILABILITY_ZONES, LOAD_BALANCER_IDLE_TIMEOUT_MINUTES, PROXY_PROBE, loadBalancerChildId, loadBalancerParts, planProxyTier, proxyGeneration,
} from "../lib/proxyTier";
import { proxyUserData } from "../lib/proxyUserData";
import { proxyListenPorts } from "../lib/proxyTargets";
import type { StackConfig } from "../stacks/types";
import { ProxyVm, UBUNTU_IMAGE } from "./proxyVm";

export interface ProxyTierArgs {
    readonly location: string;
    readonly resourceGroupName: pulumi.Input<string>;
    readonly names: ResourceNames;
    /** The proxy subnet: the load balancer's frontend and every proxy's NIC live in it. */
    readonly subnetId: pulumi.Input<string>;
    /** Project, stack, zones, and the settings nginx and the tier are made from. */
    readonly config: Pick<StackConfig, "project" | "stack" | "zones" | "network" | "vpn" | "proxy" | "database">;
    /** The database server's FQDN that nginx forwards to. */
    readonly serverFqdn: pulumi.Input<string>;
    /** Each proxy ships its logs with the Azure Monitor Agent under this rule (unset: no agent). */
    readonly dataCollectionRuleId?: pulumi.Input<string>;
    readonly tags: Record<string, string>;
}

export interface ProxyInstance {
    readonly vmName: string;
    readonly zone: string | undefined;
    readonly privateIp: string;
}

/**
 * The proxy tier: an internal Standard load balancer with a static frontend in the proxy subnet,
 * and one NGINX proxy VM per availability zone behind it (an availability set where the region
 * has no zones). Clients only ever see the frontend address, which no proxy replacement changes.
 */
export class ProxyTier extends pulumi.ComponentResource {
    /** The load balancer's frontend: the address every connection string uses. */
    public readonly frontendAddress: pulumi.Output<string>;
    public readonly instances: pulumi.Output<ProxyInstance[]>;
    public readonly adminUsername: pulumi.Output<string>;
    /** Secret unless the stack supplied its own public key (then empty). */
    public readonly sshPrivateKeyPem: pulumi.Output<string>;
    /** The cloud-init user data every proxy boots with, before base64. */
    public readonly userData: pulumi.Output<string>;
    public readonly loadBalancerId: pulumi.Output<string>;

    constructor(name: string, args: ProxyTierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securepg:proxy:ProxyTier", name, {}, opts);
        const { names, location, resourceGroupName, tags, config } = args;
        const proxy = config.proxy;
        const plan = planProxyTier({ instances: proxy.instances, regionHasZones: config.zones.regionHasZones, proxySubnet: config.network.proxySubnet });
        // Fixed names: a replacement has to delete the old one first (azure-native cannot create what exists).
        const fixedName = { parent: this, deleteBeforeReplace: true };

        let sshPublicKey: pulumi.Output<string>;
        if (proxy.sshPublicKey) {
            sshPublicKey = pulumi.output(proxy.sshPublicKey);
            this.sshPrivateKeyPem = pulumi.output("");
        } else {
            const key = new tls.PrivateKey("ssh-key", { algorithm: "RSA", rsaBits: 4096 }, { parent: this });
            sshPublicKey = key.publicKeyOpenssh.apply((k) => k.trim());
            this.sshPrivateKeyPem = pulumi.secret(key.privateKeyPem);
        }

        const parts = loadBalancerParts(proxy.port);
        const ownId = (child: Parameters<typeof loadBalancerChildId>[2], part: string) =>
            pulumi.output(args.subnetId).apply((subnetId) => loadBalancerChildId(subnetId, names.loadBalancer, child, part));
        const loadBalancer = new network.LoadBalancer("load-balancer", {
            loadBalancerName: names.loadBalancer, resourceGroupName, location, tags,
            sku: { name: "Standard", tier: "Regional" },
            frontendIPConfigurations: [{
                name: parts.frontend,
                subnet: { id: args.subnetId },
                privateIPAllocationMethod: "Static",
                privateIPAddress: plan.frontendAddress,
                privateIPAddressVersion: "IPv4",
                // Zone-redundant: the frontend survives the loss of any one zone.
                ...(config.zones.regionHasZones ? { zones: [...AVAILABILITY_ZONES] } : {}),
            }],
            // Inline: membership is set on each NIC; a standalone pool resource would fight it.
            backendAddressPools: [{ name: parts.backendPool }],
            probes: [{
                name: parts.probe,
                protocol: "Tcp",
                port: proxy.port,
                intervalInSeconds: PROXY_PROBE.intervalSeconds,
                numberOfProbes: PROXY_PROBE.threshold,
                probeThreshold: PROXY_PROBE.threshold,
            }],
            // A rule per listen port (the stack's server, PgBouncer, proxy.targets), all on the one
            // probe: one nginx serves every port, and the drain takes a proxy out by that probe.
            loadBalancingRules: proxyListenPorts(config).map((port) => ({
                name: loadBalancerParts(port).rule,
                protocol: "Tcp",
                frontendPort: port,
                backendPort: port,
                frontendIPConfiguration: { id: ownId("frontendIPConfigurations", parts.frontend) },
                backendAddressPool: { id: ownId("backendAddressPools", parts.backendPool) },
                probe: { id: ownId("probes", parts.probe) },
                idleTimeoutInMinutes: LOAD_BALANCER_IDLE_TIMEOUT_MINUTES,
                enableTcpReset: true,
                enableFloatingIP: false,
                loadDistribution: "Default",
            })),
        }, fixedName);
        this.loadBalancerId = loadBalancer.id;
        const backendPoolId = pulumi.interpolate`${loadBalancer.id}/backendAddressPools/${parts.backendPool}`;

        const availabilitySet = plan.availabilitySet
            ? new compute.AvailabilitySet("availability-set", {
                availabilitySetName: names.availabilitySet, resourceGroupName, location, tags,
                // Aligned: managed disks. Two fault domains exist in every region; update domains
                // are what platform maintenance and patching take one at a time.
                sku: { name: "Aligned" }, platformFaultDomainCount: 2, platformUpdateDomainCount: 5,
            }, fixedName)
            : undefined;

        this.userData = pulumi.output(args.serverFqdn).apply((fqdn) => proxyUserData(config, fqdn));
        const image = `${UBUNTU_IMAGE.publisher}:${UBUNTU_IMAGE.offer}:${UBUNTU_IMAGE.sku}:${UBUNTU_IMAGE.version}`;
        const vms = plan.instances.map((instance) => {
            const generation = pulumi.all([this.userData, sshPublicKey]).apply(([userData, key]) => proxyGeneration({
                userData, vmSize: proxy.vmSize, zone: instance.zone, adminUsername: proxy.adminUsername, sshPublicKey: key, image,
            }));
            return new ProxyVm(`proxy-${instance.index}`, {
                location, resourceGroupName, tags,
                names: generation.apply((g) => proxyInstanceNames(config.project, config.stack, instance.index, g)),
                zone: instance.zone,
                availabilitySetId: availabilitySet?.id,
                subnetId: args.subnetId,
                backendPoolId,
                vmSize: proxy.vmSize,
                adminUsername: proxy.adminUsername,
                sshPublicKey,
                userData: this.userData,
                port: proxy.port,
                dataCollectionRuleId: args.dataCollectionRuleId,
            }, { parent: this });
        });

        this.frontendAddress = loadBalancer.id.apply(() => plan.frontendAddress);
        this.instances = pulumi.all(vms.map((vm) => pulumi.all([vm.vmName, vm.zone, vm.privateIp])))
            .apply((rows) => rows.map(([vmName, zone, privateIp]) => ({ vmName, zone, privateIp })));
        this.adminUsername = pulumi.output(proxy.adminUsername);
        this.registerOutputs({
            frontendAddress: this.frontendAddress, instances: this.instances, adminUsername: this.adminUsername,
            sshPrivateKeyPem: this.sshPrivateKeyPem, userData: this.userData, loadBalancerId: this.loadBalancerId,
        });
    }
}
