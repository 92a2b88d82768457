// npm run mutation:summary [area ...]: the score table docs/testing.md records, from each area's
// kept results (test/mutation/incremental/<area>.json), with every surviving and uncovered mutant.
// Score as Stryker counts it: (killed + timed out) / (killed + timed out + survived + no coverage);
// mutants that do not type-check are discarded and shown apart.
import * as fs from "node:fs";

const AREAS = ["lib", "azure-rules", "stacks", "components", "policy"];
const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

function tally(mutants) {
    const count = (status) => mutants.filter((m) => m.status === status).length;
    const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
    const valid = detected + mutants.filter((m) => UNDETECTED.has(m.status)).length;
    return {
        killed: count("Killed"), timeout: count("Timeout"), survived: count("Survived"), noCoverage: count("NoCoverage"),
        compileErrors: count("CompileError"), score: valid === 0 ? "n/a" : `${((100 * detected) / valid).toFixed(1)}%`,
    };
}

const row = (name, t) => `| ${name} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${t.compileErrors} | ${t.score} |`;

const areas = process.argv.slice(2).length > 0 ? process.argv.slice(2) : AREAS;
const lines = ["| Area / file | Killed | Timed out | Survived | No coverage | Type errors (discarded) | Score |", "| --- | --- | --- | --- | --- | --- | --- |"];
const undetected = [];
for (const area of areas) {
    const file = new URL(`./incremental/${area}.json`, import.meta.url);
    if (!fs.existsSync(file)) {
        lines.push(`| ${area} | not measured yet | | | | | |`);
        continue;
    }
    const report = JSON.parse(fs.readFileSync(file, "utf8"));
    const files = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b));
    lines.push(row(`**${area}**`, tally(files.flatMap(([, f]) => f.mutants))));
    for (const [name, f] of files) {
        lines.push(row(`\`${name}\``, tally(f.mutants)));
        for (const m of f.mutants.filter((m) => UNDETECTED.has(m.status))) {
            const source = f.source.split("\n")[m.location.start.line - 1].trim();
            undetected.push(`${m.status} ${name}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} → ${String(m.replacement ?? "").replace(/\s+/g, " ")}\n    ${source}`);
        }
    }
}
console.log(lines.join("\n"));
console.log(undetected.length === 0 ? "\nNo surviving or uncovered mutant." : `\n${undetected.join("\n")}`);
