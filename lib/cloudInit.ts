/**
 * Renders the proxy VM's cloud-init user data: install nginx with its stream module, lower the
 * kernel's TCP keepalive timers, write the nginx config, and only install it once `nginx -t` passes.
 */
import * as YAML from "yaml";
import { DRAIN_SCRIPT } from "./drain";
import type { TcpKeepalive } from "./nginx";

/** Where cloud-init writes the candidate config; it reaches /etc/nginx only after `nginx -t`. */
export const CANDIDATE_NGINX_CONF = "/etc/securepg/nginx.conf";
export const APPLY_SCRIPT = "/usr/local/sbin/securepg-apply-nginx";
export const KEEPALIVE_SYSCTL_FILE = "/etc/sysctl.d/60-securepg-keepalive.conf";

export interface ProxyCloudInitOptions {
    /** The complete nginx.conf, from renderNginxConfig. */
    readonly nginxConfig: string;
    /** Kernel keepalive timers, used by nginx's proxy_socket_keepalive toward the database. */
    readonly kernelKeepalive: TcpKeepalive;
    /** The script that takes the proxy out of the load balancer before it is deleted (lib/drain.ts). */
    readonly drainScript: string;
}

export function renderKeepaliveSysctl(k: TcpKeepalive): string {
    return [
        "# securepg: probe idle TCP connections before Azure drops the flow (~4 minutes).",
        `net.ipv4.tcp_keepalive_time = ${k.idleSeconds}`,
        `net.ipv4.tcp_keepalive_intvl = ${k.intervalSeconds}`,
        `net.ipv4.tcp_keepalive_probes = ${k.probes}`,
        "",
    ].join("\n");
}

/**
 * Tests the candidate config with the installed nginx and only then puts it in place; a config that
 * fails `nginx -t` never replaces a working one, and the old one is kept to roll back to.
 */
export function renderApplyScript(): string {
    return `#!/bin/sh
# Written by securepg (cloud-init): install ${CANDIDATE_NGINX_CONF} as nginx's config if it is valid.
set -eu
# The overrides exist for tests; cloud-init runs this with the defaults.
candidate=\${SECUREPG_NGINX_CANDIDATE:-${CANDIDATE_NGINX_CONF}}
live=\${SECUREPG_NGINX_LIVE:-/etc/nginx/nginx.conf}
if ! nginx -t -q -c "$candidate"; then
    echo "securepg: $candidate fails nginx -t; keeping the current $live" >&2
    exit 1
fi
if [ -f "$live" ] && ! cmp -s "$candidate" "$live"; then
    cp -p "$live" "$live.securepg-previous"
fi
install -m 0644 "$candidate" "$live"
systemctl enable nginx
if systemctl is-active --quiet nginx; then
    systemctl reload nginx
else
    systemctl start nginx
fi
`;
}

export function renderProxyCloudInit(options: ProxyCloudInitOptions): string {
    const document = {
        package_update: true,
        package_upgrade: false,
        // nftables: the drain script refuses the load balancer's probe with it.
        packages: ["nginx", "libnginx-mod-stream", "nftables"],
        write_files: [
            { path: KEEPALIVE_SYSCTL_FILE, owner: "root:root", permissions: "0644", content: renderKeepaliveSysctl(options.kernelKeepalive) },
            { path: CANDIDATE_NGINX_CONF, owner: "root:root", permissions: "0644", content: options.nginxConfig },
            { path: APPLY_SCRIPT, owner: "root:root", permissions: "0755", content: renderApplyScript() },
            { path: DRAIN_SCRIPT, owner: "root:root", permissions: "0755", content: options.drainScript },
        ],
        runcmd: [
            ["sysctl", "--system"],
            [APPLY_SCRIPT],
        ],
    };
    return `#cloud-config\n${YAML.stringify(document, { lineWidth: 0, blockQuote: "literal" })}`;
}

/** The file contents a cloud-init document writes, keyed by path (used by tests and tools). */
export function writtenFiles(userData: string): Map<string, string> {
    const parsed = YAML.parse(userData) as { write_files?: Array<{ path: string; content: string }> };
    return new Map((parsed.write_files ?? []).map((f) => [f.path, f.content]));
}
