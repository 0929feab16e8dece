import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

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
);
