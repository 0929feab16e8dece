import { describe, expect, it } from "vitest";
import {
  EncryptionContextError,
  exportContext,
  imageContext,
  requestDetailsContext,
  sessionTokenContext,
  shopApiKeyContext,
} from "./contexts";

describe("encryption contexts", () => {
  it("P14: gives every encrypted column its own context, so a value moved between columns fails to decrypt", () => {
    const id = "same-id";
    const contexts = [
      imageContext(id),
      exportContext(id),
      requestDetailsContext(id),
      shopApiKeyContext(id),
      sessionTokenContext(id),
      sessionTokenContext(id, "refresh"),
    ];
    expect(new Set(contexts).size).toBe(contexts.length);
    expect(imageContext("scan1")).toBe("image:scan1");
    expect(sessionTokenContext("offline_a.myshopify.com")).toBe(
      sessionTokenContext("offline_a.myshopify.com", "access"),
    );
  });

  it("binds each context to its row", () => {
    expect(imageContext("scan1")).not.toBe(imageContext("scan2"));
    expect(shopApiKeyContext("a.myshopify.com")).not.toBe(shopApiKeyContext("b.myshopify.com"));
  });

  it.each([imageContext, exportContext, requestDetailsContext, shopApiKeyContext, sessionTokenContext])(
    "refuses an empty id (%o), which would give every row the same context",
    (make) => {
      expect(() => make("")).toThrow(EncryptionContextError);
    },
  );
});
