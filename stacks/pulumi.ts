/** The bridge from the Pulumi engine's configuration to the pure validator. */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, type StackConfig } from "./index";

/** Reads every key the engine passed (so typos in `securepg:*` keys are caught) and validates them. */
export function readStackConfig(): StackConfig {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        values[key.replace(/:config:/, ":")] = value;
    }
    return parseStackConfig({ project: pulumi.getProject(), stack: pulumi.getStack(), values });
}
