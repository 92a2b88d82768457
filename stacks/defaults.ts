/**
 * Per-environment defaults, written in the same shape as a stack file so they pass through exactly
 * the same validation. A stack file overrides any of them key by key.
 */
import { PROD_RETENTION_FLOOR_DAYS } from "../lib/audit";
import type { Environment } from "./types";

export interface RawSections {
    network?: Record<string, unknown>;
    database?: Record<string, unknown>;
    vpn?: Record<string, unknown>;
    proxy?: Record<string, unknown>;
    monitoring?: Record<string, unknown>;
}

const shared = {
    network: { addressSpace: "10.40.0.0/16" },
    vpn: {
        clientAddressPool: "172.16.201.0/24",
        sku: "VpnGw1AZ",
        clients: [],
        rootCertificates: ["root-1"],
        clientCertificateValidityDays: 365,
        // Certificates until a stack chooses Entra: an existing gateway is not changed by an upgrade.
        authentication: "certificate",
        sites: [],
        siteKeys: {},
        activeActive: false,
    },
    proxy: {
        port: 5432,
        adminUsername: "azureuser",
        // Long enough for application pools that keep connections idle for hours.
        idleTimeoutSeconds: 8 * 3600,
        connectTimeoutSeconds: 5,
        resolverValidSeconds: 10,
        // Azure drops idle flows after ~4 minutes; the first probe must leave well before that.
        keepaliveIdleSeconds: 120,
        keepaliveIntervalSeconds: 30,
        keepaliveProbes: 4,
        targets: [],
    },
    monitoring: { diagnostics: true, alertEmails: [] },
} as const;

const databaseShared = {
    access: "vnet",
    version: "17",
    allowedIpRanges: [],
    allowAzureServices: false,
    adminLogin: "pgadmin",
    databases: ["app"],
    tlsMinVersion: "TLSv1.2",
    passwordRotation: 1,
    allowReplace: false,
} as const;

export const ENVIRONMENT_DEFAULTS: Record<Environment, { protect: boolean } & Required<RawSections>> = {
    dev: {
        protect: false,
        network: { ...shared.network },
        database: {
            ...databaseShared,
            skuName: "Standard_B1ms",
            tier: "Burstable",
            storageSizeGB: 32,
            highAvailability: false,
            geoRedundantBackup: false,
            backupRetentionDays: 7,
            deleteLock: false,
        },
        vpn: { ...shared.vpn },
        // One burstable proxy: a dev stack's load stays far below its baseline (docs/performance.md).
        // Basv2: B-series v1 (B1s, B1ms, B2s) is announced for retirement.
        proxy: { ...shared.proxy, instances: 1, vmSize: "Standard_B2ats_v2" },
        // 30 days: the first 31 are included in the ingestion price, so less would save nothing.
        monitoring: { ...shared.monitoring, retentionInDays: 30 },
    },
    prod: {
        protect: true,
        network: { ...shared.network },
        database: {
            ...databaseShared,
            skuName: "Standard_D2ds_v5",
            tier: "GeneralPurpose",
            storageSizeGB: 128,
            highAvailability: true,
            geoRedundantBackup: true,
            backupRetentionDays: 35,
            deleteLock: true,
        },
        vpn: { ...shared.vpn },
        // Two proxies in two zones, non-burstable: their sustained capacity is well over twice what
        // the default prod server can serve (measured: docs/performance.md).
        proxy: { ...shared.proxy, instances: 2, vmSize: "Standard_D2as_v5" },
        monitoring: { ...shared.monitoring, retentionInDays: PROD_RETENTION_FLOOR_DAYS },
    },
};
