import { z } from "zod";

/**
 * The kinds of data an incident can touch, each one a table the app keeps (P21), and the words for
 * them in the documents. Pure: shared by the register, the documents and the admin page.
 */
export const DATA_KINDS = ["scan_results", "consents", "kept_photos", "rights_requests", "data_exports"] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export const LOCALES = ["en", "hi"] as const;
export type NoticeLocale = (typeof LOCALES)[number];

/** "hi", "hi-IN" → "hi"; anything else (or nothing) → English. */
export const noticeLocale = (tag: string | null | undefined): NoticeLocale =>
  (tag ?? "").toLowerCase().split("-")[0] === "hi" ? "hi" : "en";

/** Which records count: those made in the window, or every record the app held during it (a copy of the database). */
export const SCOPES = ["created", "held"] as const;
export type Scope = (typeof SCOPES)[number];

export const dataKindsSchema = z
  .array(z.enum(DATA_KINDS))
  .min(1, "Choose at least one kind of data.")
  .transform((kinds) => DATA_KINDS.filter((k) => kinds.includes(k)));

/**
 * The kinds as the merchant and the Board read them (the register, the form, the Board's documents): in
 * the third person. KIND_TEXT speaks to the affected person ("the notice you agreed to").
 */
export const KIND_BOARD_TEXT: Record<DataKind, { label: string; impact: string }> = {
  scan_results: {
    label: "Skin-scan results (skin-tone measurements and cosmetic indicators)",
    impact:
      "Someone could learn the affected people's skin tone and the cosmetic indicators measured from their photos. The results are not linked to a name unless the person was signed in.",
  },
  consents: {
    label: "Consent records (the notice agreed to, the choices made and a pseudonymised network hint)",
    impact:
      "Someone could learn that the affected people used the skin scan in this store and which choices they made. No IP address is kept, only a keyed hash of part of it.",
  },
  kept_photos: {
    label: "Photos kept for before/after tracking (stored encrypted)",
    impact:
      "The photos are stored encrypted; if the encryption keys were also exposed, someone could see the photos the affected people chose to keep.",
  },
  rights_requests: {
    label: "Privacy requests (their type and dates; the message and contact e-mail, encrypted)",
    impact:
      "Someone could learn that the affected people made a privacy request to this store and, if the keys were exposed, read their messages and e-mail addresses.",
  },
  data_exports: {
    label: "Copies of data prepared for access requests (stored encrypted)",
    impact:
      "If the encryption keys were also exposed, someone could read the copies of data prepared for the affected people's requests.",
  },
};

interface KindText {
  label: string;
  /** The likely consequences for a person whose records of this kind were exposed (Rule 7(1)(b)). */
  consequence: string;
  /** What that person can do about it (Rule 7(1)(d)). */
  step: string;
}

export const KIND_TEXT: Record<NoticeLocale, Record<DataKind, KindText>> = {
  en: {
    scan_results: {
      label: "Skin-scan results (skin-tone measurement and cosmetic indicators)",
      consequence:
        "Someone could learn your skin tone and the cosmetic indicators measured from your photo. The results are not linked to your name unless you were signed in.",
      step: 'You can erase your scans at any time from the skin-scan block in the store ("My skin scan data").',
    },
    consents: {
      label: "Consent records (the notice you agreed to, your choices and a pseudonymised network hint)",
      consequence:
        "Someone could learn that you used the skin scan in this store and which choices you made. No IP address is kept, only a keyed hash of part of it.",
      step: "You can withdraw your consent in the skin-scan block; that stops any further processing.",
    },
    kept_photos: {
      label: "Photos kept for before/after tracking (stored encrypted)",
      consequence:
        "Your photos are stored encrypted; if the encryption keys were also exposed, someone could see the photos you chose to keep.",
      step: "You can delete your kept photos now in the skin-scan block, and be wary of messages that show or mention your photos.",
    },
    rights_requests: {
      label: "Privacy requests you made (their type, dates and, encrypted, your message and contact e-mail)",
      consequence:
        "Someone could learn that you made a privacy request to this store and, if the keys were exposed, read your message and e-mail address.",
      step: "Be careful with e-mails that refer to your privacy request and ask you to click a link or share details.",
    },
    data_exports: {
      label: "Copies of your data prepared for an access request (stored encrypted)",
      consequence:
        "If the encryption keys were also exposed, someone could read the copy of your data prepared for your request.",
      step: "You can ask the store for a new copy and for the old one to be deleted.",
    },
  },
  hi: {
    scan_results: {
      label: "त्वचा स्कैन के परिणाम (त्वचा के रंग का माप और कॉस्मेटिक संकेतक)",
      consequence:
        "कोई आपकी तस्वीर से मापा गया त्वचा का रंग और कॉस्मेटिक संकेतक जान सकता है। जब तक आपने साइन इन नहीं किया था, ये परिणाम आपके नाम से नहीं जुड़े हैं।",
      step: 'आप स्टोर के स्किन-स्कैन ब्लॉक ("मेरा स्किन स्कैन डेटा") से कभी भी अपने स्कैन मिटा सकते हैं।',
    },
    consents: {
      label: "सहमति रिकॉर्ड (जिस सूचना पर आपने सहमति दी, आपके विकल्प और नेटवर्क का छद्मनाम संकेत)",
      consequence:
        "कोई जान सकता है कि आपने इस स्टोर में स्किन स्कैन का उपयोग किया और कौन से विकल्प चुने। कोई IP पता नहीं रखा जाता, केवल उसके एक हिस्से का कुंजी-आधारित हैश।",
      step: "आप स्किन-स्कैन ब्लॉक में अपनी सहमति वापस ले सकते हैं; इससे आगे की सभी प्रोसेसिंग रुक जाती है।",
    },
    kept_photos: {
      label: "पहले/बाद की तुलना के लिए रखी गई तस्वीरें (एन्क्रिप्टेड)",
      consequence:
        "आपकी तस्वीरें एन्क्रिप्ट करके रखी गई हैं; यदि एन्क्रिप्शन कुंजियाँ भी उजागर हुई हों, तो कोई वे तस्वीरें देख सकता है जिन्हें रखने का विकल्प आपने चुना था।",
      step: "आप अभी स्किन-स्कैन ब्लॉक में अपनी रखी गई तस्वीरें मिटा सकते हैं, और ऐसे संदेशों से सावधान रहें जो आपकी तस्वीरें दिखाएँ या उनका ज़िक्र करें।",
    },
    rights_requests: {
      label: "आपके द्वारा किए गए गोपनीयता अनुरोध (प्रकार, तारीखें और, एन्क्रिप्टेड, आपका संदेश और संपर्क ई-मेल)",
      consequence:
        "कोई जान सकता है कि आपने इस स्टोर से गोपनीयता अनुरोध किया था और, यदि कुंजियाँ उजागर हुई हों, तो आपका संदेश और ई-मेल पता पढ़ सकता है।",
      step: "ऐसे ई-मेल से सावधान रहें जो आपके गोपनीयता अनुरोध का ज़िक्र करके किसी लिंक पर क्लिक करने या जानकारी देने को कहें।",
    },
    data_exports: {
      label: "पहुँच अनुरोध के लिए तैयार की गई आपके डेटा की प्रतियाँ (एन्क्रिप्टेड)",
      consequence: "यदि एन्क्रिप्शन कुंजियाँ भी उजागर हुई हों, तो कोई आपके अनुरोध के लिए तैयार की गई आपके डेटा की प्रति पढ़ सकता है।",
      step: "आप स्टोर से नई प्रति और पुरानी प्रति को मिटाने के लिए कह सकते हैं।",
    },
  },
};
