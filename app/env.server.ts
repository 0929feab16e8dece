import { z } from "zod";

/**
 * The one place the process environment is read. Validated with zod at boot: a bad value stops
 * the process with a message naming the variable. Development and test get safe local defaults;
 * production gets no default for any secret (and refuses the development ones).
 */
const DEV_SHOPIFY_SECRET = "dev-only-shopify-api-secret";
// 32 zero-ish bytes, obviously not a real key; refused when NODE_ENV=production.
const DEV_ENCRYPTION_KEYS = "dev:ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE=";
const DEV_PSEUDONYM_KEY = "dev-only-pseudonymisation-key";

const boolean = z
  .enum(["true", "false", "1", "0"], { message: 'must be "true" or "false"' })
  .transform((v) => v === "true" || v === "1");
const positiveInt = z.coerce.number().int().positive();
const isLoopbackUrl = (url: string) => ["127.0.0.1", "[::1]", "localhost"].includes(new URL(url).hostname);

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    HOST: z.string().min(1).default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z
      .string()
      .regex(/^(file:|postgres(ql)?:\/\/)/, "must start with file: (SQLite) or postgresql:// (PostgreSQL)")
      .default("file:./data/scanshield.db"),
    SHOPIFY_API_KEY: z.string().min(1).default("scanshield-local-dev"),
    SHOPIFY_API_SECRET: z.string().min(1).optional(),
    SHOPIFY_APP_URL: z.string().url().default("http://127.0.0.1:3000"),
    SCOPES: z.string().min(1).default("read_products"),
    SHOP_CUSTOM_DOMAIN: z.string().optional(),
    ENCRYPTION_KEYS: z.string().min(1).optional(),
    ENCRYPTION_ACTIVE_KEY_ID: z.string().min(1).optional(),
    PSEUDONYM_KEY: z.string().min(16, "must be at least 16 characters").optional(),
    ANALYSIS_API_URL: z.string().url().optional(),
    ANALYSIS_API_KEY: z.string().min(1).optional(),
    /** `npm run analysis-api` only: photos waiting beyond this many get 503 + Retry-After. */
    ANALYSIS_QUEUE_LIMIT: z.coerce.number().int().min(0).max(10_000).default(32),
    ANALYSIS_API_REGION: z.string().min(1).optional(),
    JOBS_IN_PROCESS: boolean.default("true"),
    JOB_POLL_INTERVAL_MS: positiveInt.default(500),
    JOB_LEASE_MS: positiveInt.default(60_000),
    RETENTION_SWEEP_INTERVAL_MS: positiveInt.default(3_600_000),
    JOB_BUSY_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    /** The HTTP server's limits: request line and headers; the whole request (a body that never ends); idle keep-alive. */
    HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(20_000),
    HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(60_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(5_000),
    /**
     * Proxies in front of the app that append to X-Forwarded-For and are trusted (P15): the client is
     * the entry this far from the right (app/http/client-address.ts). 2 = Shopify's app proxy plus the
     * TLS-terminating reverse proxy `npm start` runs behind; 0 trusts no header at all.
     */
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(2),
    /**
     * Development only: `/dev/admin` signs PREVIEW_SHOP into the merchant admin with a session token
     * this app signs itself, so the admin can be seen on 127.0.0.1 without Shopify (docs/admin.md,
     * "The local admin"). Refused in production and with an app URL that is not on this machine.
     */
    LOCAL_ADMIN: boolean.default("false"),
    /** The made-up shop of the local storefront preview; `--seed-demo` gives it a demo catalogue. */
    PREVIEW_SHOP: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "must be a myshopify.com domain")
      .default("scanshield-preview.myshopify.com"),
  })
  .superRefine((v, ctx) => {
    if (v.ANALYSIS_API_URL && !v.ANALYSIS_API_KEY) {
      ctx.addIssue({ code: "custom", path: ["ANALYSIS_API_KEY"], message: "is required when ANALYSIS_API_URL is set" });
    }
    if (v.HTTP_HEADERS_TIMEOUT_MS > v.HTTP_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["HTTP_HEADERS_TIMEOUT_MS"],
        message: "must not exceed HTTP_REQUEST_TIMEOUT_MS",
      });
    }
    if (v.LOCAL_ADMIN && v.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["LOCAL_ADMIN"],
        message: "must not be set in production: the local admin signs a shop in without Shopify",
      });
    } else if (v.LOCAL_ADMIN && !isLoopbackUrl(v.SHOPIFY_APP_URL)) {
      ctx.addIssue({
        code: "custom",
        path: ["LOCAL_ADMIN"],
        message: "is only for a machine's own copy: SHOPIFY_APP_URL must be http://127.0.0.1, [::1] or localhost",
      });
    }
    if (v.NODE_ENV !== "production") return;
    const secrets = [
      ["SHOPIFY_API_SECRET", DEV_SHOPIFY_SECRET],
      ["ENCRYPTION_KEYS", DEV_ENCRYPTION_KEYS],
      ["PSEUDONYM_KEY", DEV_PSEUDONYM_KEY],
    ] as const;
    for (const [name, devValue] of secrets) {
      const value = v[name];
      if (!value) ctx.addIssue({ code: "custom", path: [name], message: "is required in production" });
      else if (value === devValue) {
        ctx.addIssue({ code: "custom", path: [name], message: "is the development default; set a real secret" });
      }
    }
  })
  .transform((v) => {
    const encryptionKeys = v.ENCRYPTION_KEYS ?? DEV_ENCRYPTION_KEYS;
    return {
      ...v,
      SHOPIFY_API_SECRET: v.SHOPIFY_API_SECRET ?? DEV_SHOPIFY_SECRET,
      ENCRYPTION_KEYS: encryptionKeys,
      // The first key listed is the active one unless named.
      ENCRYPTION_ACTIVE_KEY_ID: v.ENCRYPTION_ACTIVE_KEY_ID ?? encryptionKeys.split(":")[0]!.trim(),
      PSEUDONYM_KEY: v.PSEUDONYM_KEY ?? DEV_PSEUDONYM_KEY,
    };
  });

export type Env = z.output<typeof schema>;

export class EnvError extends Error {
  override name = "EnvError";
}

/** Parses an environment; throws EnvError listing every bad variable (values are never echoed). */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings count as unset, as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  - ${issue.path.join(".") || "environment"}: ${issue.message}`);
  throw new EnvError(
    `Invalid configuration:\n${lines.join("\n")}\nSee .env.example and the README's configuration table.`,
  );
}

let cached: Env | undefined;

/** The validated environment of this process, parsed once. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Tests change process.env between cases; this drops the parsed copy. */
export function resetEnvForTests(): void {
  cached = undefined;
}
