#!/usr/bin/env bash
# Regenerates the kysely table types (src/db/schema.ts for the gateway, src/sandbox/_kit/schema.ts
# for the simulators) from the migrations: migrates a throwaway PostgreSQL database and
# introspects it. Needs PostgreSQL at JUHE_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
admin="${JUHE_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
name="juhe_types_$$"
psql "$admin" -qc "CREATE DATABASE ${name}"
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS ${name} WITH (FORCE)"' EXIT
url="${admin%/*}/${name}"
# An async function, not top-level await: tsx -e evaluates its code as CommonJS.
DATABASE_URL="$url" npx tsx -e "
  (async () => {
    const { openPostgres } = await import('./src/db/postgres.ts');
    const { migrate } = await import('./src/db/migrate.ts');
    const db = openPostgres(process.env.DATABASE_URL); await migrate(db); await db.close();
  })();"
sims='public.(alipay_sandbox_*|lklsim_*|ppsim_*|upsim_*|wxsim_*)'
DATABASE_URL="$url" npx kysely-codegen --dialect postgres --exclude-pattern "$sims" --out-file src/db/schema.ts
DATABASE_URL="$url" npx kysely-codegen --dialect postgres --include-pattern "$sims" --out-file src/sandbox/_kit/schema.ts
# int8 columns hold minor units and counters within 2^53: the seam reads them as numbers.
# The header says where the file comes from (kysely-codegen writes a generic one).
header() {
  node -e '
    const fs = require("fs");
    const [file, whose] = process.argv.slice(1);
    const text = fs.readFileSync(file, "utf8").replace(/^\/\*\*[\s\S]*?\*\/\n/, `/**
 * Table types of the ${whose} tables for kysely, generated from the migrations by kysely-codegen
 * (\`npm run db:types\` regenerates it against a migrated PostgreSQL database). Do not edit by hand.
 * int8 columns hold minor units and counters within 2^53 and are read as numbers.
 */
`);
    fs.writeFileSync(file, text);' "$1" "$2"
}
header src/db/schema.ts "gateway'"
header src/sandbox/_kit/schema.ts "simulators'"
for f in src/db/schema.ts src/sandbox/_kit/schema.ts; do
  sed -i 's/^export type Int8 = ColumnType<string,/export type Int8 = ColumnType<number,/' "$f"
done
npx prettier --write src/db/schema.ts src/sandbox/_kit/schema.ts >/dev/null
