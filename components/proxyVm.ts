import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as tls from "@pulumi/tls";
import { firstUsableAzureAddress } from "../lib/cidr";
import type { ResourceNames } from "../lib/naming";
import { proxyUserData } from "../lib/proxyUserData";
import type { StackConfig } from "../stacks/types";

/** Ubuntu 24.04 LTS, Gen2 image (Basv2 sizes are Gen2). */
export const UBUNTU_IMAGE = { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "server", version: "latest" } as const;

export interface ProxyVmArgs {
    readonly location: string;
    readonly resourceGroupName: pulumi.Input<string>;
    readonly names: ResourceNames;
    readonly subnetId: pulumi.Input<string>;
    /** Proxy settings, plus the VPN pool and subnets that nginx allows. */
    readonly config: Pick<StackConfig, "network" | "vpn" | "proxy">;
    /** The database server's FQDN that nginx forwards to. */
    readonly serverFqdn: pulumi.Input<string>;
    readonly tags: Record<string, string>;
}

/**
 * The NGINX TCP proxy: an Ubuntu VM with no public IP (outbound goes through the NAT gateway),
 * SSH keys only, configured entirely by cloud-init. Its NSG lives on the proxy subnet.
 */
export class ProxyVm extends pulumi.ComponentResource {
    public readonly privateIp: pulumi.Output<string>;
    public readonly adminUsername: pulumi.Output<string>;
    /** Secret unless the stack supplied its own public key (then empty). */
    public readonly sshPrivateKeyPem: pulumi.Output<string>;
    /** The cloud-init user data, before base64. */
    public readonly userData: pulumi.Output<string>;

    constructor(name: string, args: ProxyVmArgs, opts?: pulumi.ComponentResourceOptions) {
        super("securepg:proxy:ProxyVm", name, {}, opts);
        const { names, location, resourceGroupName, tags, config } = args;
        const child = { parent: this };
        const proxy = config.proxy;

        let sshPublicKey: pulumi.Output<string>;
        let sshPrivateKeyPem: pulumi.Output<string>;
        if (proxy.sshPublicKey) {
            sshPublicKey = pulumi.output(proxy.sshPublicKey);
            sshPrivateKeyPem = pulumi.output("");
        } else {
            const key = new tls.PrivateKey("ssh-key", { algorithm: "RSA", rsaBits: 4096 }, child);
            sshPublicKey = key.publicKeyOpenssh.apply((k) => k.trim());
            sshPrivateKeyPem = pulumi.secret(key.privateKeyPem);
        }

        // A fixed address survives VM replacement, so connection strings keep working.
        const privateIp = firstUsableAzureAddress(config.network.proxySubnet);
        const nic = new network.NetworkInterface("proxy-nic", {
            networkInterfaceName: names.proxyNic, resourceGroupName, location, tags,
            ipConfigurations: [{
                name: "primary",
                primary: true,
                subnet: { id: args.subnetId },
                privateIPAllocationMethod: "Static",
                privateIPAddress: privateIp,
                privateIPAddressVersion: "IPv4",
            }],
        }, { ...child, deleteBeforeReplace: true });

        this.userData = pulumi.output(args.serverFqdn).apply((fqdn) => proxyUserData(config, fqdn));
        new compute.VirtualMachine("proxy-vm", {
            vmName: names.proxyVm, resourceGroupName, location, tags,
            hardwareProfile: { vmSize: proxy.vmSize },
            storageProfile: {
                imageReference: { ...UBUNTU_IMAGE },
                osDisk: {
                    name: names.proxyOsDisk, createOption: "FromImage", deleteOption: "Delete",
                    managedDisk: { storageAccountType: "StandardSSD_LRS" },
                },
            },
            osProfile: {
                computerName: names.proxyVm,
                adminUsername: proxy.adminUsername,
                customData: this.userData.apply((text) => Buffer.from(text, "utf8").toString("base64")),
                linuxConfiguration: {
                    disablePasswordAuthentication: true,
                    provisionVMAgent: true,
                    ssh: { publicKeys: [{ path: `/home/${proxy.adminUsername}/.ssh/authorized_keys`, keyData: sshPublicKey }] },
                    patchSettings: { patchMode: "AutomaticByPlatform", assessmentMode: "AutomaticByPlatform" },
                },
            },
            networkProfile: { networkInterfaces: [{ id: nic.id, primary: true, deleteOption: "Detach" }] },
            securityProfile: { securityType: "TrustedLaunch", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
            // Managed boot diagnostics: serial console and screenshots without a storage account.
            diagnosticsProfile: { bootDiagnostics: { enabled: true } },
        }, {
            ...child,
            // Azure cannot change customData in place: a new proxy config means a new (stateless) VM,
            // and the fixed names, disk and NIC require the old one gone first.
            replaceOnChanges: ["osProfile.customData"],
            deleteBeforeReplace: true,
        });

        this.privateIp = pulumi.output(nic.id).apply(() => privateIp);
        this.adminUsername = pulumi.output(proxy.adminUsername);
        this.sshPrivateKeyPem = sshPrivateKeyPem;
        this.registerOutputs({
            privateIp: this.privateIp, adminUsername: this.adminUsername,
            sshPrivateKeyPem: this.sshPrivateKeyPem, userData: this.userData,
        });
    }
}
