import { describe, expect, it } from "vitest";
import { agreeToScan, newShopper, proxyApi, shown, stackForFile, widgetState } from "./harness";

/**
 * The widget's side of ADR 0006 in real Chromium: the anonymous shopper's proof is a subject secret of
 * 32 random bytes made on the first consent; an id an older widget left in localStorage is replaced,
 * together with the receipt and ids issued to it; the secret alone opens the shopper's data.
 */
const OLD_STATE = {
  subject: "anon_7f3a9c1b2d4",
  receipt: "SS-OLDRECEIPT1",
  consentId: "old-consent",
  scanId: "old-scan",
};

describe("storefront widget: the subject secret (Chromium)", () => {
  const rig = stackForFile();

  /** A shopper agrees to the analysis; answers the consent's subject id and every body the app sent back. */
  async function consentIn(page: Awaited<ReturnType<typeof newShopper>>) {
    const sent: string[] = [];
    const answers: Promise<string>[] = [];
    page.on("request", (r) => r.url().includes("/apps/skin-scan/consents") && sent.push(r.postData() ?? ""));
    page.on("response", (r) => r.url().includes("/apps/skin-scan/") && answers.push(r.text().catch(() => "")));
    const widget = page.locator("skin-scan");
    await agreeToScan(widget);
    await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));
    const body = JSON.parse(sent.at(-1) ?? "{}") as { subjectId?: string };
    return { subjectId: body.subjectId ?? "", answers: await Promise.all(answers) };
  }

  it("P9: an older widget's id is replaced by a new 32-byte secret, which alone opens the shopper's data", async () => {
    const page = await newShopper(rig.stack);
    await page.goto(rig.stack.storeUrl);
    await page.evaluate((state) => localStorage.setItem("scanshield", JSON.stringify(state)), OLD_STATE);
    await page.reload();
    // The old id proves nothing now: it is forgotten with the receipt and ids issued to it.
    await page.locator("skin-scan").getByRole("button", { name: "Start skin scan" }).waitFor();
    expect(await widgetState(page)).toEqual({});
    expect(await page.locator("skin-scan [data-returning]").isHidden()).toBe(true);

    const { subjectId, answers } = await consentIn(page);
    const state = await widgetState(page);
    expect(state.subject).toBe(subjectId);
    expect(subjectId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(subjectId, "base64url")).toHaveLength(32);
    expect(state.receipt).toMatch(/^SS-/);
    expect(state.receipt).not.toBe(OLD_STATE.receipt);

    const mine = await proxyApi(rig.stack, "/my-data", { headers: { "x-subject-id": subjectId } });
    expect(mine).toMatchObject({ status: 200, body: { summary: { consents: 1 } } });
    // Nothing the app answered holds the secret.
    expect(answers.length).toBeGreaterThan(0);
    for (const answer of [...answers, JSON.stringify(mine.body)]) expect(answer).not.toContain(subjectId);

    // Another shopper gets a secret of their own.
    const other = await newShopper(rig.stack);
    await other.goto(rig.stack.storeUrl);
    expect((await consentIn(other)).subjectId).not.toBe(subjectId);
    await other.context().close();
    await page.context().close();
  }, 90_000);
});
