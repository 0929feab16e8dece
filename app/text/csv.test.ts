import { describe, expect, it } from "vitest";
import { csvCell, csvText } from "./csv";

describe("csv", () => {
  it.each([
    ["=HYPERLINK(1)", "'=HYPERLINK(1)"],
    ["+1", "'+1"],
    ["-2", "'-2"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tx", "'\tx"],
    ['say "hi", then', '"say ""hi"", then"'],
    ["two\nlines", '"two\nlines"'],
    [null, ""],
    [undefined, ""],
    [true, "true"],
    [7401, "7401"],
  ])("P21: csvCell(%j) is %j (no formula runs, RFC 4180 quoting)", (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it("P21: csvText writes CRLF lines, each cell safe, with an optional byte-order mark", () => {
    expect(csvText([["id"], ["=1"], ["a,b"]])).toBe('id\r\n\'=1\r\n"a,b"\r\n');
    expect(csvText([["id"]], { bom: true })).toBe("\uFEFFid\r\n");
  });
});
