// One area of the code against the unit tests that suffice for it: the project's Stryker
// configuration (stryker.config.json) with only what to mutate, the test files and the type check
// replaced. The type check of an area (tsconfig.<area>.json) covers the area's files and what they
// import, not the rest of the program, which makes checking a mutant several times cheaper.
import * as fs from "node:fs";

export function areaConfig(area, mutate, testFiles) {
    const base = JSON.parse(fs.readFileSync(new URL("../../stryker.config.json", import.meta.url), "utf8"));
    delete base.$schema;
    return { ...base, mutate, tsconfigFile: `test/mutation/tsconfig.${area}.json`, tap: { ...base.tap, testFiles } };
}
