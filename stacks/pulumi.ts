/** The bridge from the Pulumi engine's configuration to the pure validator. */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, type StackConfig } from "./index";

/**
 * Reads every key the engine passed (so typos in `securepg:*` keys are caught) and validates them.
 * The SDK already gives keys as `project:key` (it drops the `:config:` of the engine's form).
 */
export function readStackConfig(): StackConfig {
    return parseStackConfig({ project: pulumi.getProject(), stack: pulumi.getStack(), values: pulumi.runtime.allConfig() });
}
