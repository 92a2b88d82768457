/**
 * What a failed `pulumi destroy` of a securepg stack means, and whether running it again helps.
 * `pulumi destroy` resumes where it stopped, so a failure Azure clears by itself only needs a wait.
 */

export interface DestroyFailure {
    readonly kind: "subnet-in-use" | "busy" | "locked" | "protected" | "unknown";
    /** Running the same destroy again later is expected to get further. */
    readonly retry: boolean;
    /** What to tell the user. */
    readonly advice: string;
}

interface Pattern {
    readonly kind: DestroyFailure["kind"];
    readonly match: RegExp;
    readonly retry: boolean;
    readonly advice: (stack: string) => string;
}

const PATTERNS: readonly Pattern[] = [
    // Blocks that waiting does not lift come first: they explain a failure better than a symptom.
    {
        kind: "locked",
        match: /ScopeLocked|cannot perform delete operation because following scope\(s\) are locked/i,
        retry: false,
        advice: (stack) => "A CanNotDelete lock protects the server. Set `securepg:database.deleteLock` to false and run " +
            `\`pulumi up --stack ${stack}\` first (it removes the lock), then destroy.`,
    },
    {
        kind: "protected",
        match: /is protected|protect: true|cannot be deleted because it is protected/i,
        retry: false,
        advice: (stack) => "Pulumi refuses to delete protected resources. Set `securepg:protect` to false (and " +
            `\`securepg:database.deleteLock\` to false) and run \`pulumi up --stack ${stack}\` first: protection is lifted by an ` +
            "update of its own, then destroy.",
    },
    {
        // The server's service association link outlives the server by minutes; until Azure removes
        // it, the delegated subnet cannot go (terraform-provider-azurerm #24593, azure-data-labs-modules #268).
        kind: "subnet-in-use",
        match: /InUseSubnetCannotBeDeleted|ServiceAssociationLink/i,
        retry: true,
        advice: (stack) => "Azure still holds the database subnet for the deleted server (its service association link lingers for " +
            "several minutes after the server is gone). Nothing is wrong with the stack: wait, then run " +
            `\`npm run destroy -- --stack ${stack}\` again; it resumes where it stopped. To see whether Azure has let go: ` +
            "`az network vnet subnet show -g <resource group> --vnet-name <vnet> -n <database subnet> --query serviceAssociationLinks`.",
    },
    {
        kind: "busy",
        match: /AnotherOperationInProgress|ServerBusy|RetryableError|OperationNotAllowed.*in progress/i,
        retry: true,
        advice: (stack) => `Azure was busy with another operation on the same resource. Run \`npm run destroy -- --stack ${stack}\` again in a few minutes.`,
    },
];

export function classifyDestroyFailure(output: string, stack: string): DestroyFailure {
    for (const pattern of PATTERNS) {
        if (pattern.match.test(output)) {
            return { kind: pattern.kind, retry: pattern.retry, advice: pattern.advice(stack) };
        }
    }
    return { kind: "unknown", retry: false, advice: `Read the error above; \`pulumi destroy --stack ${stack}\` resumes where it stopped once it is fixed.` };
}
