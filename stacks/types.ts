/**
 * The validated stack configuration's types. They are defined in lib/ (lib/stackConfig.ts), because
 * lib/'s pure functions take them and lib/ depends on nothing above it; stacks/ is where they are
 * produced, so this is where the rest of the program imports them from.
 */
export type * from "../lib/stackConfig";
