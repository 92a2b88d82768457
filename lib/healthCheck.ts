/**
 * The health gate a new proxy VM must pass before `pulumi up` goes on (and so before any old proxy
 * is deleted): Azure runs it on the VM as a managed Run Command with
 * `treatFailureAsDeploymentFailure`, so a non-zero exit fails the deployment.
 */

export interface ProxyHealthCheckOptions {
    /** The port nginx must be listening on. */
    readonly port: number;
    /** How long to wait for cloud-init and nginx before giving up. */
    readonly timeoutSeconds: number;
}

/** Azure's Run Command gets this much longer than the script's own deadline, so the script reports first. */
export const RUN_COMMAND_MARGIN_SECONDS = 120;

export function renderProxyHealthCheck(options: ProxyHealthCheckOptions): string {
    const { port, timeoutSeconds } = options;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`health check: port must be 1-65535, got ${port}`);
    }
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
        throw new Error(`health check: timeoutSeconds must be a positive whole number, got ${timeoutSeconds}`);
    }
    return `#!/bin/bash
# securepg: a new proxy is healthy once cloud-init has finished and nginx accepts connections on
# port ${port}. A non-zero exit fails the deployment before the old proxies are deleted.
set -u
deadline=$((SECONDS + ${timeoutSeconds}))

# cloud-init installs nginx and applies the config (only if nginx -t passes). Exit 1 is a failure;
# 2 means it finished with recoverable errors, which the nginx checks below judge.
cloud-init status --wait >/dev/null
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
    echo "securepg: cloud-init failed (exit $status):"
    cloud-init status --long
    exit 1
fi

until systemctl is-active --quiet nginx && (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "securepg: nginx is not accepting connections on port ${port} after ${timeoutSeconds} s"
        systemctl status nginx --no-pager --lines=20
        exit 1
    fi
    sleep 2
done
echo "securepg: nginx accepts connections on port ${port}"
`;
}
