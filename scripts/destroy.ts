/**
 * `npm run destroy -- --stack <stack> [--yes] [--attempts N] [--wait-seconds S]`
 *
 * Runs `pulumi destroy` and, when Azure still holds the database subnet for a server it has just
 * deleted (InUseSubnetCannotBeDeleted: the service association link lingers for minutes) or is busy,
 * waits and runs it again; `pulumi destroy` resumes where it stopped. Anything else stops at once,
 * with what to do about it.
 */
import { spawn } from "node:child_process";
import * as readline from "node:readline/promises";
import { parseArgs } from "node:util";
import { classifyDestroyFailure } from "../lib/destroyFailures";
import { STACK_ARGUMENT_PATTERN } from "../lib/naming";

const USAGE = "usage: npm run destroy -- --stack <stack> [--yes] [--attempts N] [--wait-seconds S]";

function fail(message: string): never {
    console.error(`securepg destroy: ${message}`);
    process.exit(2);
}

function options() {
    let parsed;
    try {
        parsed = parseArgs({
            options: {
                stack: { type: "string" },
                yes: { type: "boolean", default: false },
                attempts: { type: "string", default: "4" },
                "wait-seconds": { type: "string", default: "300" },
            },
        }).values;
    } catch (error) {
        fail(`${(error as Error).message}\n${USAGE}`);
    }
    const stack = parsed.stack ?? fail(`--stack is required\n${USAGE}`);
    if (!STACK_ARGUMENT_PATTERN.test(stack)) {
        fail(`${JSON.stringify(stack)} is not a stack name`);
    }
    const attempts = Number(parsed.attempts);
    const waitSeconds = Number(parsed["wait-seconds"]);
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) {
        fail("--attempts must be a whole number from 1 to 20");
    }
    if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 3600) {
        fail("--wait-seconds must be a whole number from 0 to 3600");
    }
    return { stack, yes: parsed.yes, attempts, waitSeconds };
}

async function confirmed(stack: string): Promise<boolean> {
    if (!process.stdin.isTTY) {
        fail("not a terminal, so nobody can confirm: pass --yes to destroy without asking");
    }
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(`This deletes every resource of stack ${stack}, the database and its data included. Type the stack name to go on: `);
    rl.close();
    return answer.trim() === stack;
}

/** Runs pulumi with the terminal's output, keeping a copy to read the error from. */
function pulumiDestroy(stack: string): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
        const child = spawn("pulumi", ["destroy", "--stack", stack, "--yes", "--non-interactive"], { stdio: ["inherit", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
            output += chunk.toString();
            process.stdout.write(chunk);
        });
        child.stderr.on("data", (chunk: Buffer) => {
            output += chunk.toString();
            process.stderr.write(chunk);
        });
        child.on("error", (error) => resolve({ code: 127, output: `could not run pulumi: ${error.message}` }));
        child.on("close", (code) => resolve({ code: code ?? 1, output }));
    });
}

async function main(): Promise<number> {
    const { stack, yes, attempts, waitSeconds } = options();
    if (!yes && !(await confirmed(stack))) {
        console.error("securepg destroy: the name did not match; nothing was destroyed.");
        return 1;
    }
    for (let attempt = 1; ; attempt++) {
        const { code, output } = await pulumiDestroy(stack);
        if (code === 0) {
            console.log(`securepg destroy: stack ${stack} is destroyed${attempt > 1 ? ` (after ${attempt} attempts)` : ""}.`);
            return 0;
        }
        const failure = classifyDestroyFailure(output, stack);
        if (!failure.retry || attempt >= attempts) {
            const tried = failure.retry ? ` It still failed after ${attempt} attempts.` : "";
            console.error(`\nsecurepg destroy: pulumi destroy failed (exit ${code}).${tried}\n${failure.advice}`);
            return code;
        }
        console.error(`\nsecurepg destroy: ${failure.advice.split(". ")[0]}.\nWaiting ${waitSeconds} s, then destroying again (attempt ${attempt + 1} of ${attempts}).`);
        await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
    }
}

main().then((code) => process.exit(code), (error) => fail(String(error?.stack ?? error)));
