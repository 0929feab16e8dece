/**
 * The consent notice every shop starts with (issue 4), in English and Hindi. It covers each item of
 * the consent checklist: who processes, what data, why, for how long, who receives it, the age
 * limit, the shopper's rights, how to withdraw, and how to complain (India's Data Protection Board
 * or an EU supervisory authority). Merchants can publish their own versions from the admin.
 */
export const PURPOSES = ["skin_analysis", "extended_retention", "model_training"] as const;
export type Purpose = (typeof PURPOSES)[number];
/** Without this one there is no scan; the others are separate, unticked opt-ins. */
export const REQUIRED_PURPOSE: Purpose = "skin_analysis";
export const MINIMUM_AGE = 18;

export interface NoticeSection {
  key: string;
  title: string;
  body: string;
}
export interface NoticePurpose {
  key: Purpose;
  label: string;
  required: boolean;
}
export interface NoticeContent {
  sections: NoticeSection[];
  purposes: NoticePurpose[];
}

export const SECTION_KEYS = [
  "controller",
  "data",
  "purpose",
  "retention",
  "recipients",
  "age",
  "rights",
  "withdraw",
  "complaints",
] as const;

const en: NoticeContent = {
  sections: [
    {
      key: "controller",
      title: "Who processes your photo",
      body: "This store offers the skin scan and decides how it is used. ScanShield runs the scan for the store.",
    },
    {
      key: "data",
      title: "What we use",
      body: "One photo of your face, turned into colour measurements of your skin (tone, redness, evenness, shine, under-eye). We do not use your name, email or location. We do not recognise or identify faces, and we do not guess age or ethnicity.",
    },
    {
      key: "purpose",
      title: "Why",
      body: "To show you cosmetic skin indicators and suggest products from this store. The results are not a diagnosis, and lighting affects them.",
    },
    {
      key: "retention",
      title: "How long",
      body: "Your photo is analysed and deleted at once. Only if you tick “keep my photos” is it kept, encrypted, for the period the store shows, and you can delete it at any time. Results are kept for 90 days unless the store says otherwise.",
    },
    {
      key: "recipients",
      title: "Who receives it",
      body: "The store and ScanShield. If the store uses an outside analysis service, it receives only the photo without any details about you or the photo’s metadata.",
    },
    { key: "age", title: "Age", body: "You must be 18 or older to use the skin scan." },
    {
      key: "rights",
      title: "Your rights",
      body: "You can see and download your data, correct it, delete it, object, nominate someone to act for you, and raise a grievance. How to reach us and how soon we answer are below.",
    },
    {
      key: "withdraw",
      title: "How to withdraw",
      body: "Press “Withdraw consent” in the skin scan at any time. Processing stops and stored photos are deleted.",
    },
    {
      key: "complaints",
      title: "Complaints",
      body: "If you are not satisfied with our answer, you can complain to the Data Protection Board of India, or to the data protection authority of your EU country.",
    },
  ],
  purposes: [
    { key: "skin_analysis", label: "Analyse my photo now to show my skin results", required: true },
    { key: "extended_retention", label: "Keep my photos for before/after tracking", required: false },
    { key: "model_training", label: "Use my anonymised results to improve the analysis", required: false },
  ],
};

const hi: NoticeContent = {
  sections: [
    {
      key: "controller",
      title: "आपकी फ़ोटो कौन प्रोसेस करता है",
      body: "यह स्टोर स्किन स्कैन देता है और तय करता है कि इसका उपयोग कैसे हो। ScanShield स्टोर के लिए स्कैन चलाता है।",
    },
    {
      key: "data",
      title: "हम क्या उपयोग करते हैं",
      body: "आपके चेहरे की एक फ़ोटो, जिसे आपकी त्वचा के रंग-मापों (रंगत, लालिमा, एकरूपता, चमक, आँखों के नीचे) में बदला जाता है। हम आपका नाम, ईमेल या स्थान उपयोग नहीं करते। हम चेहरे पहचानते नहीं हैं और उम्र या जातीयता का अनुमान नहीं लगाते।",
    },
    {
      key: "purpose",
      title: "क्यों",
      body: "आपको त्वचा के कॉस्मेटिक संकेत दिखाने और इस स्टोर के उत्पाद सुझाने के लिए। परिणाम कोई निदान नहीं हैं, और रोशनी उन्हें प्रभावित करती है।",
    },
    {
      key: "retention",
      title: "कितने समय तक",
      body: "आपकी फ़ोटो का विश्लेषण होते ही उसे हटा दिया जाता है। केवल “मेरी फ़ोटो रखें” चुनने पर ही वह स्टोर द्वारा बताई अवधि तक एन्क्रिप्ट करके रखी जाती है, और आप उसे कभी भी हटा सकते हैं। परिणाम 90 दिन तक रखे जाते हैं, जब तक स्टोर कुछ और न बताए।",
    },
    {
      key: "recipients",
      title: "इसे कौन प्राप्त करता है",
      body: "स्टोर और ScanShield। यदि स्टोर किसी बाहरी विश्लेषण सेवा का उपयोग करता है, तो उसे केवल फ़ोटो मिलती है — आपकी कोई जानकारी या फ़ोटो का मेटाडेटा नहीं।",
    },
    { key: "age", title: "आयु", body: "स्किन स्कैन के लिए आपकी आयु 18 वर्ष या उससे अधिक होनी चाहिए।" },
    {
      key: "rights",
      title: "आपके अधिकार",
      body: "आप अपना डेटा देख और डाउनलोड कर सकते हैं, उसे सुधार सकते हैं, हटा सकते हैं, आपत्ति कर सकते हैं, अपनी ओर से किसी को नामित कर सकते हैं और शिकायत दर्ज कर सकते हैं। हमसे संपर्क कैसे करें और हम कितने समय में उत्तर देते हैं, यह नीचे दिया गया है।",
    },
    {
      key: "withdraw",
      title: "सहमति कैसे वापस लें",
      body: "स्किन स्कैन में कभी भी “सहमति वापस लें” दबाएँ। प्रोसेसिंग रुक जाती है और रखी गई फ़ोटो हटा दी जाती हैं।",
    },
    {
      key: "complaints",
      title: "शिकायत",
      body: "यदि आप हमारे उत्तर से संतुष्ट नहीं हैं, तो आप भारत के डेटा संरक्षण बोर्ड (Data Protection Board of India) से, या अपने EU देश के डेटा संरक्षण प्राधिकरण से शिकायत कर सकते हैं।",
    },
  ],
  purposes: [
    { key: "skin_analysis", label: "मेरे त्वचा परिणाम दिखाने के लिए अभी मेरी फ़ोटो का विश्लेषण करें", required: true },
    { key: "extended_retention", label: "पहले/बाद की तुलना के लिए मेरी फ़ोटो रखें", required: false },
    { key: "model_training", label: "विश्लेषण सुधारने के लिए मेरे अनाम परिणामों का उपयोग करें", required: false },
  ],
};

export const DEFAULT_NOTICES: Readonly<Record<string, NoticeContent>> = { en, hi };
export const DEFAULT_LOCALE = "en";

/**
 * DPDP Rules 9 and 14: every notice ends with whom to ask about processing and how soon a grievance is
 * answered. The section is written from the shop's settings (not in the editor), in the notice's own
 * language, so a change of contact or answer time publishes a new version of every language (P17).
 */
export const CONTACT_SECTION_KEY = "contact";
export const GRIEVANCE_DAYS_DEFAULT = 15;
/** The law's outer limit (DPDP Rules, Rule 14). */
export const GRIEVANCE_DAYS_MAX = 90;

export interface NoticeContacts {
  /** A person's name or a role ("Data Protection Officer"). */
  name: string | null;
  email: string | null;
  phone: string | null;
  answerDays: number;
}

export const DEFAULT_CONTACTS: NoticeContacts = {
  name: null,
  email: null,
  phone: null,
  answerDays: GRIEVANCE_DAYS_DEFAULT,
};

type ContactWords = {
  title: string;
  who: (name: string) => string;
  nobody: string;
  email: (email: string) => string;
  phone: (phone: string) => string;
  days: (days: number) => string;
};

const CONTACT_WORDS: Record<string, ContactWords> = {
  en: {
    title: "Questions and grievances",
    who: (name) => `For questions about how your data is processed, or to raise a grievance, contact ${name}.`,
    nobody: "For questions about how your data is processed, or to raise a grievance, contact this store.",
    email: (email) => `Email: ${email}.`,
    phone: (phone) => `Phone: ${phone}.`,
    days: (days) => `Grievances are answered within ${days} days.`,
  },
  hi: {
    title: "प्रश्न और शिकायतें",
    who: (name) => `आपके डेटा की प्रोसेसिंग के बारे में प्रश्नों या शिकायत के लिए ${name} से संपर्क करें।`,
    nobody: "आपके डेटा की प्रोसेसिंग के बारे में प्रश्नों या शिकायत के लिए इस स्टोर से संपर्क करें।",
    email: (email) => `ईमेल: ${email}।`,
    phone: (phone) => `फ़ोन: ${phone}।`,
    days: (days) => `शिकायतों का उत्तर ${days} दिनों के भीतर दिया जाता है।`,
  },
};

/** The contact section in `locale` (English words for a language without its own yet). */
export function contactSection(locale: string, contacts: NoticeContacts): NoticeSection {
  const words = CONTACT_WORDS[locale] ?? CONTACT_WORDS[DEFAULT_LOCALE]!;
  const parts = [
    contacts.name ? words.who(contacts.name) : words.nobody,
    ...(contacts.email ? [words.email(contacts.email)] : []),
    ...(contacts.phone ? [words.phone(contacts.phone)] : []),
    words.days(contacts.answerDays),
  ];
  return { key: CONTACT_SECTION_KEY, title: words.title, body: parts.join(" ") };
}

/** The content with its contact section (re)written from the settings, always last. */
export function withContacts(content: NoticeContent, locale: string, contacts: NoticeContacts): NoticeContent {
  return {
    ...content,
    sections: [...content.sections.filter((s) => s.key !== CONTACT_SECTION_KEY), contactSection(locale, contacts)],
  };
}
