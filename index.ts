/**
 * securepg: private, encrypted access to Azure Database for PostgreSQL Flexible Server.
 * The stack program is a thin caller: the stack's configuration goes to the one top-level component
 * (components/securepg.ts), whose outputs become the stack's outputs under the same names.
 */
import * as pulumi from "@pulumi/pulumi";
import { SecurePg, type SecurePgArgs } from "./components/securepg";
import { settingsOfEngineConfig } from "./stacks/settings";

// The component package's entry point (PulumiPlugin.yaml) is plugin/index.ts; this file is the program's.
export = async () => {
    // The settings are the stack file's, unchecked: the component validates them like any caller's,
    // and refuses invalid settings or a change the deployed system cannot take before registering anything.
    const system = await SecurePg.create("securepg", settingsOfEngineConfig(pulumi.runtime.allConfig()) as unknown as SecurePgArgs);
    return system.stackOutputs();
};
