/**
 * Renders the complete nginx.conf of the proxy VM: a `stream {}` TCP proxy in front of the
 * PostgreSQL server. Pure, so unit tests and the data-plane tests run exactly these bytes.
 */

/**
 * Azure's platform address inside every VNet: the recursive resolver (which also answers for
 * linked private DNS zones), and the source of the load balancer's health probes.
 */
export const AZURE_PLATFORM_ADDRESS = "168.63.129.16";
export const AZURE_DNS_RESOLVER = AZURE_PLATFORM_ADDRESS;

export interface TcpKeepalive {
    /** Seconds of idleness before the first probe. */
    readonly idleSeconds: number;
    readonly intervalSeconds: number;
    readonly probes: number;
}

/** One database behind the proxy: a port nginx listens on, and the server it forwards to. */
export interface NginxUpstream {
    /** Shown in a comment above its `server {}`; the first upstream is the stack's own server. */
    readonly name: string;
    /** Port nginx listens on (on all addresses of the VM). */
    readonly listenPort: number;
    /** DNS name of the database server, re-resolved at run time. */
    readonly upstreamHost: string;
    readonly upstreamPort: number;
}

export interface NginxProxyOptions {
    /** The stack's own server first; each further one gets a `server {}` of its own. */
    readonly upstreams: readonly NginxUpstream[];
    /** CIDR blocks allowed to connect; everything else is denied. */
    readonly allowedSources: readonly string[];
    readonly resolver: string;
    /** How long a DNS answer is trusted, so a failover is followed without a reload. */
    readonly resolverValidSeconds: number;
    readonly connectTimeoutSeconds: number;
    /** Idle time after which nginx closes a session (nginx's own default is 10 minutes). */
    readonly idleTimeoutSeconds: number;
    /** Keepalive on the client side of the proxy; the upstream side uses the kernel's settings. */
    readonly clientKeepalive: TcpKeepalive;
    /** "auto" (one per core) or a fixed count. */
    readonly workerProcesses: "auto" | number;
    /**
     * Connections per worker, client and upstream sides counted separately: a proxied session
     * takes two. The worker's open-file limit is raised to match (`workerOpenFileLimit`).
     */
    readonly workerConnections: number;
    readonly accessLogPath: string;
    /**
     * Addresses whose sessions are not logged: the load balancer's probe connects every few
     * seconds and would otherwise fill the access log (it is refused like any other outsider).
     */
    readonly unloggedSources: readonly string[];
    readonly errorLogPath: string;
    readonly pidPath: string;
    /** The OS user workers run as. */
    readonly user: string;
}

export const NGINX_DEFAULTS = {
    resolver: AZURE_DNS_RESOLVER,
    workerProcesses: "auto",
    workerConnections: 4096,
    accessLogPath: "/var/log/nginx/securepg-stream.log",
    unloggedSources: [AZURE_PLATFORM_ADDRESS],
    errorLogPath: "/var/log/nginx/error.log",
    pidPath: "/run/nginx.pid",
    user: "www-data",
} as const satisfies Partial<NginxProxyOptions>;

const HOST_PATTERN = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const CIDR_PATTERN = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const IPV4_PATTERN = /^\d{1,3}(\.\d{1,3}){3}$/;
const PATH_PATTERN = /^\/[A-Za-z0-9._/-]+$/;

function requirePositiveInt(label: string, value: number, max = 2 ** 31 - 1): void {
    if (!Number.isInteger(value) || value < 1 || value > max) {
        throw new Error(`nginx config: ${label} must be a whole number from 1 to ${max}, got ${value}`);
    }
}

/** Refuses anything that could break out of its directive: these values come from stack config. */
function validate(o: NginxProxyOptions): void {
    if (o.upstreams.length === 0) {
        throw new Error("nginx config: no upstreams; the proxy would forward nothing");
    }
    const ports = new Set<number>();
    for (const u of o.upstreams) {
        requirePositiveInt("listenPort", u.listenPort, 65535);
        requirePositiveInt("upstreamPort", u.upstreamPort, 65535);
        if (!HOST_PATTERN.test(u.upstreamHost)) {
            throw new Error(`nginx config: upstreamHost ${JSON.stringify(u.upstreamHost)} is not a DNS name`);
        }
        if (!/^[a-z][a-z0-9-]*$/.test(u.name)) {
            throw new Error(`nginx config: upstream name ${JSON.stringify(u.name)} is not a name`);
        }
        if (ports.has(u.listenPort)) {
            throw new Error(`nginx config: two upstreams listen on ${u.listenPort}`);
        }
        ports.add(u.listenPort);
    }
    requirePositiveInt("resolverValidSeconds", o.resolverValidSeconds);
    requirePositiveInt("connectTimeoutSeconds", o.connectTimeoutSeconds);
    requirePositiveInt("idleTimeoutSeconds", o.idleTimeoutSeconds);
    requirePositiveInt("clientKeepalive.idleSeconds", o.clientKeepalive.idleSeconds);
    requirePositiveInt("clientKeepalive.intervalSeconds", o.clientKeepalive.intervalSeconds);
    requirePositiveInt("clientKeepalive.probes", o.clientKeepalive.probes);
    requirePositiveInt("workerConnections", o.workerConnections, 1_000_000);
    if (o.workerProcesses !== "auto") {
        requirePositiveInt("workerProcesses", o.workerProcesses, 1024);
    }
    if (!IPV4_PATTERN.test(o.resolver)) {
        throw new Error(`nginx config: resolver ${JSON.stringify(o.resolver)} is not an IPv4 address`);
    }
    if (o.allowedSources.length === 0) {
        throw new Error("nginx config: allowedSources is empty; the proxy would refuse everyone");
    }
    for (const source of o.allowedSources) {
        if (!CIDR_PATTERN.test(source)) {
            throw new Error(`nginx config: allowed source ${JSON.stringify(source)} is not an IPv4 CIDR block`);
        }
    }
    for (const source of o.unloggedSources) {
        if (!IPV4_PATTERN.test(source)) {
            throw new Error(`nginx config: unlogged source ${JSON.stringify(source)} is not an IPv4 address`);
        }
    }
    for (const [label, path] of [["accessLogPath", o.accessLogPath], ["errorLogPath", o.errorLogPath], ["pidPath", o.pidPath]]) {
        if (!PATH_PATTERN.test(path)) {
            throw new Error(`nginx config: ${label} ${JSON.stringify(path)} is not an absolute path`);
        }
    }
    if (!/^[a-z_][a-z0-9_-]*$/.test(o.user)) {
        throw new Error(`nginx config: user ${JSON.stringify(o.user)} is not a user name`);
    }
}

/**
 * The open-file limit each worker sets for itself (`worker_rlimit_nofile`). systemd starts nginx
 * with a soft limit of 1024, which would cap a worker at about 500 sessions (two descriptors each)
 * whatever `worker_connections` says; every connection slot gets a descriptor, plus room for the
 * listening sockets, logs and resolver sockets.
 */
export function workerOpenFileLimit(workerConnections: number): number {
    return workerConnections + 1024;
}

export function renderNginxConfig(options: NginxProxyOptions): string {
    validate(options);
    const o = options;
    const ka = o.clientKeepalive;
    const allow = o.allowedSources.map((source) => `        allow ${source};`).join("\n");
    const unlogged = o.unloggedSources.map((source) => `        ${source} 0;`).join("\n");
    return `# Written by securepg (cloud-init). Changes here are replaced on the next deployment.
user ${o.user};
worker_processes ${o.workerProcesses};
pid ${o.pidPath};
# Above systemd's default of 1024 open files, which would cap each worker at ~500 sessions.
worker_rlimit_nofile ${workerOpenFileLimit(o.workerConnections)};
error_log ${o.errorLogPath} warn;

# Ubuntu and Debian load the stream module (package libnginx-mod-stream) from here.
include /etc/nginx/modules-enabled/*.conf;

events {
    worker_connections ${o.workerConnections};
}

stream {
    # Read by the data collection rule's transformation: lib/audit.ts SESSION_LINE_PATTERN.
    log_format securepg '$remote_addr:$remote_port [$time_iso8601] $protocol $status '
                        'upstream=$upstream_addr sent=$bytes_sent received=$bytes_received '
                        'session_time=$session_time connect_time=$upstream_connect_time '
                        'proxy=$server_addr:$server_port';
    # Every session is logged except the load balancer's health probes.
    map $remote_addr $securepg_logged {
${unlogged}
        default 1;
    }
    access_log ${o.accessLogPath} securepg if=$securepg_logged;

    # A variable in proxy_pass makes nginx resolve the name per connection through this resolver,
    # caching answers for valid=, so a failover or IP change is followed without a reload.
    resolver ${o.resolver} valid=${o.resolverValidSeconds}s ipv6=off;
    resolver_timeout 5s;

${o.upstreams.map((u, i) => `${i === 0 ? "" : `\n    # ${u.name}\n`}    server {
        # so_keepalive: probes toward clients start before Azure drops an idle flow (~4 minutes).
        listen ${u.listenPort} so_keepalive=${ka.idleSeconds}s:${ka.intervalSeconds}s:${ka.probes};

${allow}
        deny all;

        set $securepg_upstream ${u.upstreamHost}:${u.upstreamPort};
        proxy_pass $securepg_upstream;
        proxy_connect_timeout ${o.connectTimeoutSeconds}s;
        # nginx's default of 10 minutes would cut idle pooled database connections.
        proxy_timeout ${o.idleTimeoutSeconds}s;
        # Upstream-side keepalive uses the kernel's tcp_keepalive_* settings, which cloud-init lowers.
        proxy_socket_keepalive on;
    }
`).join("")}}
`;
}
