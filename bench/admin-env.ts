// The admin benchmark's environment, set before any app module reads it (imports run in order).
process.env.NODE_ENV = "test";
process.env.LOG_LEVEL ??= "silent";
process.env.SHOPIFY_API_KEY ??= "test-api-key";
process.env.SHOPIFY_API_SECRET ??= "test-api-secret-for-signing";
process.env.SHOPIFY_APP_URL ??= "https://scanshield.test";
