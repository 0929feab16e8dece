import { describe, expect, it } from "vitest";
import { DEFAULT_NOTICES } from "./default-notice";

// The engine side of P3 (no recognition, templates, age, gender or emotion) is proved in
// app/analysis/landmarks.server.test.ts; here, that the shopper is told so before consenting.
describe("P3: the default notice says images are for skin analysis only", () => {
  const says: Record<string, RegExp[]> = {
    en: [/do not recognise or identify faces/, /do not guess age or ethnicity/],
    hi: [/चेहरे पहचानते नहीं हैं/, /उम्र या जातीयता का अनुमान नहीं लगाते/],
  };

  it("covers every language the app ships a default notice in", () => {
    expect(Object.keys(DEFAULT_NOTICES).sort()).toEqual(Object.keys(says).sort());
  });

  it.each(Object.keys(says))(
    "P3: in %s, the data section says there is no recognition and no age or ethnicity guess",
    (locale) => {
      const data = DEFAULT_NOTICES[locale]?.sections.find((s) => s.key === "data");
      for (const phrase of says[locale] ?? []) expect(data?.body).toMatch(phrase);
    },
  );
});
