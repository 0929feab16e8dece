import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseProofQuery } from "./consent-proof.server";
import { periodQuery } from "./dashboard.server";
import { fieldErrors, optionalWholeNumber, wholeNumber } from "./form";
import { inboxQuery } from "./inbox.server";

const field = {
  min: -5,
  max: 90,
  required: "required",
  notNumber: "not a number",
  notWhole: "not whole",
  tooSmall: "too small",
  tooLarge: "too large",
};
const errorOf = (schema: z.ZodTypeAny, value: unknown) => {
  const parsed = z.object({ n: schema }).safeParse(value === undefined ? {} : { n: value });
  return parsed.success ? { value: parsed.data.n } : { error: fieldErrors(parsed.error).n };
};

describe("wholeNumber: the one number parser of the admin's forms", () => {
  it.each([
    ["15", 15],
    [" 15 ", 15],
    ["007", 7],
    ["-5", -5],
    [90, 90],
    [0, 0],
  ])("P12, P15, P17: %j is the whole number %j", (input, value) => {
    expect(errorOf(wholeNumber(field), input)).toEqual({ value });
  });

  it.each([
    // What Number() or z.coerce turned into numbers.
    [true, "not a number"],
    [false, "not a number"],
    [[15], "not a number"],
    [{ n: 1 }, "not a number"],
    ["0x10", "not a number"],
    ["0b11", "not a number"],
    ["1e1", "not a number"],
    ["+5", "not a number"],
    ["15 days", "not a number"],
    ["١٥", "not a number"],
    ["Infinity", "not a number"],
    ["7.5", "not whole"],
    ["15.0", "not whole"],
    [7.5, "not whole"],
    ["91", "too large"],
    ["99999999999999999999", "too large"],
    ["-6", "too small"],
    ["", "required"],
    ["   ", "required"],
    [null, "required"],
    [undefined, "required"],
  ])("P12, P15, P17: %j is refused on its field with %j", (input, message) => {
    expect(errorOf(wholeNumber(field), input)).toEqual({ error: message });
  });

  it("P12: an optional one is undefined when blank or missing, and refuses the same values", () => {
    expect(errorOf(optionalWholeNumber(field), "")).toEqual({ value: undefined });
    expect(errorOf(optionalWholeNumber(field), undefined)).toEqual({ value: undefined });
    expect(errorOf(optionalWholeNumber(field), "12")).toEqual({ value: 12 });
    expect(errorOf(optionalWholeNumber(field), true)).toEqual({ error: "not a number" });
  });

  it("P12: default messages name the range", () => {
    expect(errorOf(wholeNumber({ min: 1, max: 9 }), "10")).toEqual({ error: "Enter 9 or less." });
    expect(errorOf(wholeNumber({ min: 1, max: 9 }), "0")).toEqual({ error: "Enter 1 or more." });
    expect(errorOf(wholeNumber({ min: 1, max: 9 }), "x")).toEqual({ error: "Enter a whole number." });
  });
});

describe("admin query parameters read with wholeNumber", () => {
  it("P7, P9: a page or version that is not plain digits falls back instead of being read as another number", () => {
    // z.coerce read these as page 10, notice version 2, inbox page 16 and a 7-day period.
    expect(parseProofQuery(new URLSearchParams("page=1e1&noticeVersion=0x2"))).toMatchObject({
      page: 1,
      noticeVersion: undefined,
    });
    expect(parseProofQuery(new URLSearchParams("page=3&noticeVersion=2"))).toMatchObject({ page: 3, noticeVersion: 2 });
    expect(inboxQuery.parse({ page: "0x10" }).page).toBe(1);
    expect(inboxQuery.parse({ page: "4" }).page).toBe(4);
    expect(periodQuery.parse({ days: "7.0" }).days).toBe(30);
    expect(periodQuery.parse({ days: "90" }).days).toBe(90);
  });
});
