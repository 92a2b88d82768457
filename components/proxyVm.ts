import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as command from "@pulumi/command";
import { DRAIN_SCRIPT, renderDrainInvocation } from "../lib/drain";
import { renderProxyHealthCheck, RUN_COMMAND_MARGIN_SECONDS } from "../lib/healthCheck";
import type { ProxyInstanceNames } from "../lib/naming";
import { PROXY_OS_DISK_TYPE } from "../lib/proxyTier";

/** Ubuntu 24.04 LTS, Gen2 image (Trusted Launch needs Generation 2). */
export const UBUNTU_IMAGE = { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" } as const;

/** How long a new proxy may take to install nginx and serve before the deployment fails. */
export const HEALTH_CHECK_TIMEOUT_SECONDS = 900;

export interface ProxyVmArgs {
    readonly location: string;
    readonly resourceGroupName: pulumi.Input<string>;
    /** The names of this generation of the VM (they change whenever the VM must be replaced). */
    readonly names: pulumi.Input<ProxyInstanceNames>;
    /** The availability zone, or undefined (then `availabilitySetId`). */
    readonly zone: string | undefined;
    readonly availabilitySetId: pulumi.Input<string> | undefined;
    readonly subnetId: pulumi.Input<string>;
    /** The load balancer's backend pool this proxy joins. */
    readonly backendPoolId: pulumi.Input<string>;
    readonly vmSize: string;
    readonly adminUsername: string;
    readonly sshPublicKey: pulumi.Input<string>;
    /** The cloud-init user data, before base64. */
    readonly userData: pulumi.Input<string>;
    /** The port the health gate waits for nginx on. */
    readonly port: number;
    /** Ship the session log and syslog with the Azure Monitor Agent, following this data collection rule. */
    readonly dataCollectionRuleId?: pulumi.Input<string>;
    readonly tags: Record<string, string>;
}

/**
 * One NGINX TCP proxy: an Ubuntu VM with no public IP (outbound goes through the NAT gateway), SSH
 * keys only, configured entirely by cloud-init, in the load balancer's backend pool. A new
 * generation is created before the old one is deleted, and `pulumi up` goes on only once its
 * health gate (a Run Command on the VM) sees nginx serving.
 */
export class ProxyVm extends pulumi.ComponentResource {
    public readonly vmName: pulumi.Output<string>;
    public readonly privateIp: pulumi.Output<string>;
    public readonly zone: pulumi.Output<string | undefined>;

    constructor(name: string, args: ProxyVmArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securepg:proxy:ProxyVm", name, {}, opts);
        const { location, resourceGroupName, tags } = args;
        const names = pulumi.output(args.names);
        // A new generation has new names, so it is created before the old one is deleted (never
        // delete-first: that would take the proxy away while its replacement boots).
        const createFirst = { parent: this, deleteBeforeReplace: false };

        const nic = new network.NetworkInterface(`${name}-nic`, {
            networkInterfaceName: names.nic, resourceGroupName, location, tags,
            ipConfigurations: [{
                name: "primary",
                primary: true,
                subnet: { id: args.subnetId },
                // Clients use the load balancer's address; a proxy's own address may change with its generation.
                privateIPAllocationMethod: "Dynamic",
                privateIPAddressVersion: "IPv4",
                loadBalancerBackendAddressPools: [{ id: args.backendPoolId }],
            }],
        }, createFirst);

        const vm = new compute.VirtualMachine(`${name}-vm`, {
            vmName: names.vm, resourceGroupName, location, tags,
            ...(args.zone ? { zones: [args.zone] } : {}),
            ...(args.availabilitySetId ? { availabilitySet: { id: args.availabilitySetId } } : {}),
            hardwareProfile: { vmSize: args.vmSize },
            storageProfile: {
                imageReference: { ...UBUNTU_IMAGE },
                osDisk: {
                    name: names.osDisk, createOption: "FromImage", deleteOption: "Delete",
                    managedDisk: { storageAccountType: PROXY_OS_DISK_TYPE },
                },
            },
            osProfile: {
                computerName: names.vm,
                adminUsername: args.adminUsername,
                customData: pulumi.output(args.userData).apply((text) => Buffer.from(text, "utf8").toString("base64")),
                linuxConfiguration: {
                    disablePasswordAuthentication: true,
                    provisionVMAgent: true,
                    ssh: { publicKeys: [{ path: `/home/${args.adminUsername}/.ssh/authorized_keys`, keyData: args.sshPublicKey }] },
                    // Availability-first platform patching: Azure never patches VMs in different
                    // zones (or update domains of an availability set) at the same time.
                    patchSettings: { patchMode: "AutomaticByPlatform", assessmentMode: "AutomaticByPlatform" },
                },
            },
            networkProfile: { networkInterfaces: [{ id: nic.id, primary: true, deleteOption: "Detach" }] },
            securityProfile: { securityType: "TrustedLaunch", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
            // Managed boot diagnostics: serial console and screenshots without a storage account.
            diagnosticsProfile: { bootDiagnostics: { enabled: true } },
            // The Azure Monitor Agent signs in with the VM's managed identity; it needs no role.
            ...(args.dataCollectionRuleId !== undefined ? { identity: { type: "SystemAssigned" as const } } : {}),
        }, {
            ...createFirst,
            // Azure cannot change customData in place; the generation in the name already changes with it.
            replaceOnChanges: ["osProfile.customData"],
        });

        // The health gate: Azure runs it on the new VM as part of the deployment and fails the
        // deployment when it exits non-zero, before Pulumi deletes the previous generation.
        const gate = new compute.VirtualMachineRunCommandByVirtualMachine(`${name}-health`, {
            resourceGroupName, location, tags,
            vmName: vm.name,
            runCommandName: "securepg-health",
            source: { script: renderProxyHealthCheck({ port: args.port, timeoutSeconds: HEALTH_CHECK_TIMEOUT_SECONDS }) },
            asyncExecution: false,
            treatFailureAsDeploymentFailure: true,
            timeoutInSeconds: HEALTH_CHECK_TIMEOUT_SECONDS + RUN_COMMAND_MARGIN_SECONDS,
        }, { ...createFirst, customTimeouts: { create: "30m", update: "30m", delete: "15m" } });

        // The drain: nothing to do when this VM comes; before it goes (replaced by a new generation,
        // or destroyed), Pulumi runs this delete, which takes the VM out of the load balancer. It is
        // replaced with every VM, and deleted before the VM because it depends on it.
        new command.local.Command(`${name}-drain`, {
            delete: renderDrainInvocation(),
            interpreter: ["/bin/bash", "-c"],
            environment: { SECUREPG_VM_ID: vm.id, SECUREPG_DRAIN_SCRIPT: DRAIN_SCRIPT },
            triggers: [vm.id],
        }, { parent: this, dependsOn: [gate] });

        if (args.dataCollectionRuleId !== undefined) {
            // The agent collects nothing until a rule is associated with its VM; both go with the VM.
            new monitor.DataCollectionRuleAssociation(`${name}-logs`, {
                resourceUri: vm.id, associationName: "securepg-proxy-logs", dataCollectionRuleId: args.dataCollectionRuleId,
                description: "securepg: nginx session log and syslog to the audit workspace",
            }, createFirst);
            new compute.VirtualMachineExtension(`${name}-monitor-agent`, {
                resourceGroupName, location, tags, vmName: vm.name, vmExtensionName: "AzureMonitorLinuxAgent",
                publisher: "Microsoft.Azure.Monitor", type: "AzureMonitorLinuxAgent", typeHandlerVersion: "1.0",
                // Ubuntu 24.04 needs a current agent; Azure keeps it current.
                autoUpgradeMinorVersion: true, enableAutomaticUpgrade: true,
            }, createFirst);
        }

        this.vmName = vm.name;
        this.zone = pulumi.output(args.zone);
        this.privateIp = nic.ipConfigurations.apply((configs) => configs?.[0]?.privateIPAddress ?? "");
        this.registerOutputs({ vmName: this.vmName, privateIp: this.privateIp, zone: this.zone });
    }
}
