/**
 * Taking a proxy out of the load balancer before it is deleted. Azure's load balancer stops
 * sending new connections to a backend only when its health probe fails, and Azure deletes a VM
 * without shutting it down (force deletion, the default since compute API 2024-11-01), so a proxy
 * deleted as it is would receive, and lose, new connections for up to a probe window.
 *
 * The drain: the proxy refuses the probe's handshakes (from Azure's platform address only; every
 * client keeps connecting), waits until the load balancer has certainly marked it down, and only
 * then is it deleted. Pulumi runs it (through the Azure CLI's Run Command) from the delete of a
 * `local.Command` that is replaced with each proxy VM, so it runs on the old VM just before the old
 * VM goes, whether in a rollout or in `pulumi destroy`.
 */
import { AZURE_PLATFORM_ADDRESS } from "./nginx";

/** Where cloud-init writes the on-VM drain script. */
export const DRAIN_SCRIPT = "/usr/local/sbin/securepg-drain";

export interface DrainOptions {
    readonly port: number;
    /** The load balancer probe's interval and how many misses mark a proxy down. */
    readonly probeIntervalSeconds: number;
    readonly probeThreshold: number;
}

/** Long enough for the load balancer to see `threshold` failed probes, whatever the phase, plus one more interval. */
export function drainWaitSeconds(options: Pick<DrainOptions, "probeIntervalSeconds" | "probeThreshold">): number {
    return (options.probeThreshold + 2) * options.probeIntervalSeconds;
}

/** The script on the VM: refuse the probe, wait for the load balancer to notice. */
export function renderDrainScript(options: DrainOptions): string {
    const { port } = options;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`drain: port must be 1-65535, got ${port}`);
    }
    const wait = drainWaitSeconds(options);
    return `#!/bin/sh
# Written by securepg (cloud-init): take this proxy out of the load balancer before it is deleted.
# The load balancer's TCP probe comes from ${AZURE_PLATFORM_ADDRESS}; once its handshakes go
# unanswered the load balancer sends new connections to the other proxies only. Clients, DNS and
# sessions already open are not touched.
set -eu
nft -f - <<'RULES'
table inet securepg_drain {
    chain input {
        type filter hook input priority -10; policy accept;
        ip saddr ${AZURE_PLATFORM_ADDRESS} tcp dport ${port} drop
    }
}
RULES
echo "securepg: refusing the load balancer's probe on port ${port}; waiting ${wait} s for it to take this proxy out"
sleep ${wait}
echo "securepg: drained"
`;
}

/**
 * The delete script Pulumi runs where it runs (a `local.Command`): the drain, on the VM being
 * deleted, through the Azure CLI. A VM that no longer exists needs no drain; any other failure stops
 * the delete, with the way out.
 */
export function renderDrainInvocation(): string {
    return `set -u
vm="$SECUREPG_VM_ID"
if [ "\${SECUREPG_SKIP_DRAIN:-}" = "1" ]; then
    echo "securepg: SECUREPG_SKIP_DRAIN=1: deleting \${vm##*/} without draining it"
    exit 0
fi
if ! command -v az >/dev/null 2>&1; then
    echo "securepg: draining proxy \${vm##*/} before its delete needs the Azure CLI (az), logged in; or set SECUREPG_SKIP_DRAIN=1 to delete it at once (new connections to it fail for ~15 s)" >&2
    exit 1
fi
if ! shown=$(az vm show --ids "$vm" --query id --output tsv 2>&1); then
    case "$shown" in
        *ResourceNotFound*|*"was not found"*|*NotFound*)
            echo "securepg: \${vm##*/} is gone already; nothing to drain"
            exit 0 ;;
    esac
    echo "securepg: cannot reach \${vm##*/} to drain it: $shown" >&2
    exit 1
fi
out=$(az vm run-command invoke --ids "$vm" --command-id RunShellScript --scripts "$SECUREPG_DRAIN_SCRIPT" --query "value[0].message" --output tsv 2>&1)
echo "$out"
case "$out" in
    *"securepg: drained"*) ;;
    *) echo "securepg: draining \${vm##*/} failed (see above); set SECUREPG_SKIP_DRAIN=1 to delete it anyway" >&2; exit 1 ;;
esac
`;
}
