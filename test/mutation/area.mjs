// One area of the code against the tests that suffice for it: the project's Stryker configuration
// (stryker.config.json) with what to mutate, the test files and the type check replaced, and with
// results of its own (test/mutation/incremental/<area>.json, reports/mutation/<area>/), so that
// areas can run one after another or side by side without overwriting each other.
// The type check of an area (tsconfig.<tsconfig>.json) covers the area's files and what they
// import, not the rest of the program, which makes checking a mutant several times cheaper.
import * as fs from "node:fs";

export function areaConfig(area, mutate, testFiles, tsconfig = area) {
    const base = JSON.parse(fs.readFileSync(new URL("../../stryker.config.json", import.meta.url), "utf8"));
    delete base.$schema;
    return {
        ...base,
        mutate,
        tsconfigFile: `test/mutation/tsconfig.${tsconfig}.json`,
        incrementalFile: `test/mutation/incremental/${area}.json`,
        jsonReporter: { fileName: `reports/mutation/${area}/mutation.json` },
        tap: { ...base.tap, testFiles },
    };
}
