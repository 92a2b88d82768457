// One area of the code against the unit tests that suffice for it: the project's Stryker
// configuration (stryker.config.json) with only `mutate` and the test files replaced.
import * as fs from "node:fs";

export function areaConfig(mutate, testFiles) {
    const base = JSON.parse(fs.readFileSync(new URL("../../stryker.config.json", import.meta.url), "utf8"));
    delete base.$schema;
    return { ...base, mutate, tap: { ...base.tap, testFiles } };
}
