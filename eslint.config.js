import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

const ROUTES_NO_DB = {
  regex: "(^|/)(db\\.server|db/)",
  message: "Routes never touch the database: call a domain function (it takes the db from its edge).",
};

export default defineConfig(
  globalIgnores([
    "build/",
    "node_modules/",
    ".cache/",
    ".shopify/",
    "coverage/",
    "data/",
    "prisma/postgres/",
    "extensions/**/assets/",
  ]),
  tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a parameter that a signature requires but the body ignores.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
      ],
    },
  },
  {
    // Prisma runs an upsert whose update is empty as a read then a write in one transaction; on SQLite in WAL
    // mode that fails at once with "database is locked" when another connection wrote in between (a 5xx
    // under load). Find, then create and tolerate the unique race (shopSettingsRow in
    // app/admin/settings.server.ts), or one INSERT … ON CONFLICT DO NOTHING (insertRows).
    files: ["**/*.{ts,tsx,mjs,js}"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "CallExpression[callee.property.name='upsert'] > ObjectExpression.arguments > Property[key.name='update'] > ObjectExpression.value[properties.length=0]",
          message:
            "An upsert with an empty update is a read then a write in one transaction: on SQLite (WAL) it fails at once with 'database is locked' when another connection writes in between. Find first, then create and tolerate the unique race, or INSERT … ON CONFLICT DO NOTHING.",
        },
      ],
    },
  },
  // Layers (docs/architecture.md): routes → channel edges (proxy, admin, webhooks) → domain →
  // infrastructure (db, http, crypto, logging, env). Imports only go down, never up or sideways into routes.
  {
    files: ["app/**/*.{ts,tsx,mjs}"],
    ignores: ["app/routes/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "(^|/)routes/", message: "Only Remix imports routes." }] },
      ],
    },
  },
  {
    files: ["app/routes/**/*.{ts,tsx}"],
    rules: { "no-restricted-imports": ["error", { patterns: [ROUTES_NO_DB] }] },
  },
  {
    // A flat route file; a folder route (auth.login/) may keep its own helpers beside route.tsx.
    files: ["app/routes/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ROUTES_NO_DB,
            { regex: "^\\./[^/]+$", message: "Routes do not import other routes: share code through a module." },
          ],
        },
      ],
    },
  },
  {
    files: [
      "app/{consent,scans,analysis,privacy,rights,recommendations,abuse,jobs,billing,incidents,insights}/**/*.{ts,tsx,mjs}",
    ],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "(^|/)routes/", message: "Only Remix imports routes." },
            {
              regex: "^\\.\\./(proxy|admin|webhooks)/",
              message: "Domain code does not depend on a channel's edge; move the shared piece down.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["app/{db,http,crypto,text}/**/*.{ts,tsx}", "app/{logger,env}.server.ts", "app/domain-error.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex:
                "^\\.\\./(routes|proxy|admin|webhooks|consent|scans|analysis|privacy|rights|recommendations|abuse|jobs|billing|incidents|insights)/",
              message: "Infrastructure does not depend on the domain or the edges above it.",
            },
          ],
        },
      ],
    },
  },
);
