import type { ClientTarget } from "../../lib/clientConfig";

/** The example client of docs/drivers.md: a `dev` stack whose files went to /home/ana/.securepg/dev. */
export const EXAMPLE_TARGET: ClientTarget = {
    stack: "dev",
    serverFqdn: "psql-securepg-dev-a1b2c3.postgres.database.azure.com",
    proxyAddress: "10.40.1.254",
    port: 5432,
    database: "app",
    user: "pgadmin",
    caFile: "/home/ana/.securepg/dev/root.crt",
    passFile: "/home/ana/.securepg/dev/pgpass",
};
