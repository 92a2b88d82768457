/** libpq clients for the lab: one-shot psql runs and a long-lived interactive session. */
import type { ChildProcess } from "node:child_process";
import { cleanClientEnv, type Lab, type Role, type RunResult } from "./lab";

/** Adds or overrides libpq parameters: in a conninfo string the last value of a keyword wins. */
export function withParams(conninfo: string, params: Record<string, string | number>): string {
    return [conninfo, ...Object.entries(params).map(([key, value]) => `${key}=${value}`)].join(" ");
}

/** Runs one query with psql from a namespace; `status` is 0 on success, stderr has libpq's reason. */
export function psql(lab: Lab, role: Role, conninfo: string, sql: string): RunResult {
    return lab.exec(role, "psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql], { check: false, env: cleanClientEnv() });
}

/** Like `psql`, but the query must succeed; returns its trimmed output. */
export function query(lab: Lab, role: Role, conninfo: string, sql: string): string {
    const result = psql(lab, role, conninfo, sql);
    if (result.status !== 0) {
        throw new Error(`psql from ${role} failed (${result.status}): ${result.stderr}`);
    }
    return result.stdout.trim();
}

/**
 * One psql process holding one database session open, as a pooled application connection would.
 * Each query is followed by an \echo marker so the caller knows when its output is complete.
 */
export class PsqlSession {
    private stdout = "";
    private stderr = "";
    private exitCode: number | null | undefined;
    private counter = 0;
    private waiters: Array<() => void> = [];

    private constructor(private readonly child: ChildProcess) {
        child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
            this.stdout += chunk;
            this.wake();
        });
        child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
            this.stderr += chunk;
            this.wake();
        });
        child.on("exit", (code) => {
            this.exitCode = code;
            this.wake();
        });
        child.stdin!.on("error", () => undefined);
    }

    static open(lab: Lab, role: Role, conninfo: string, label = "psql-session"): PsqlSession {
        return new PsqlSession(lab.spawnInteractive(role, label, "psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo]));
    }

    get pid(): number {
        return this.child.pid!;
    }

    get errors(): string {
        return this.stderr;
    }

    private wake(): void {
        const waiters = this.waiters;
        this.waiters = [];
        waiters.forEach((w) => w());
    }

    /** Sends `sql` in the open session and resolves with its output; rejects if the session is gone. */
    async query(sql: string, timeoutMs = 15_000): Promise<string> {
        this.counter += 1;
        const marker = `__securepg_done_${this.counter}__`;
        const start = this.stdout.length;
        // Without the semicolon psql would hold the query back and run the \echo first.
        const statement = sql.trim().endsWith(";") ? sql.trim() : `${sql.trim()};`;
        if (this.exitCode === undefined) {
            this.child.stdin!.write(`${statement}\n\\echo ${marker}\n`);
        }
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const at = this.stdout.indexOf(marker, start);
            if (at >= 0) {
                if (this.exitCode !== undefined) {
                    break;
                }
                return this.stdout.slice(start, at).trim();
            }
            if (this.exitCode !== undefined) {
                break;
            }
            if (Date.now() > deadline) {
                throw new Error(`no answer to ${JSON.stringify(sql)} within ${timeoutMs} ms; stderr: ${this.stderr}`);
            }
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, 100);
                this.waiters.push(() => {
                    clearTimeout(timer);
                    resolve();
                });
            });
        }
        throw new Error(`session ended (exit ${this.exitCode}): ${this.stderr.trim()}`);
    }

    /** Ends the session cleanly (psql sends Terminate) and waits for psql to exit. */
    async close(): Promise<void> {
        if (this.exitCode === undefined) {
            const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
            this.child.stdin!.end("\\q\n");
            await exited;
        }
    }
}
