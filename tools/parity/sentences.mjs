// The sentences both encoders are compared on: every case the tokenizer or the graph treats
// specially (long texts past 128 pieces, unknown characters, compatibility forms, spaces, empty).

const shortQueries = [
  "what causes the tides", "how do vaccines work", "capital of france", "python list comprehension",
  "symptoms of vitamin d deficiency", "best way to learn piano", "why is the sky blue",
  "how many bones in the human body", "mitochondria function", "define entropy", "moon phases",
  "how to reset a router", "black holes", "photosynthesis equation", "who wrote hamlet",
  "side effects of aspirin", "gene expression regulation", "climate change causes", "bees dance",
  "what is a neural network", "dna replication steps", "insulin resistance", "tcp vs udp",
  "hello", "Hello world", "a", "I", "ok", "the", "yes or no?",
];

const sentences = [
  "The gravitational pull of the Moon causes the tides on Earth.",
  "Honeybees perform a waggle dance to share the location of food with their hive.",
  "Vaccines train the immune system to recognise a pathogen without causing the disease.",
  "The mitochondrion is often called the powerhouse of the cell.",
  "Retrieval-augmented generation grounds a language model's answer in retrieved documents.",
  "She sells seashells by the seashore.",
  "The quick brown fox jumps over the lazy dog.",
  "In 1969, Apollo 11 landed the first humans on the Moon.",
  "Insulin resistance is a hallmark of type 2 diabetes.",
  "A transformer encoder maps a sequence of tokens to contextual vectors.",
  "Rainbows appear when sunlight is refracted, reflected and dispersed in water droplets.",
  "The committee postponed its decision until further evidence becomes available.",
  "Regular exercise lowers blood pressure in most adults.",
  "Photosynthesis converts light energy into chemical energy stored in glucose.",
  "He didn't know whether the train would arrive on time.",
  "Antibiotics do not work against viral infections such as the common cold.",
  "The stock market fell sharply after the announcement.",
  "Water boils at a lower temperature at high altitude.",
  "Alzheimer's disease is associated with amyloid plaques in the brain.",
  "Our platform answers questions from your documents and cites its sources.",
  "Microglia are the resident immune cells of the central nervous system.",
  "The patient was treated with 5 mg of prednisone daily for two weeks.",
  "Smoking increases the risk of lung cancer by a factor of fifteen to thirty.",
  "Deep-sea vents host ecosystems that do not depend on sunlight.",
  "A well-designed API makes the simple things easy and the hard things possible.",
  "The cat sat on the mat, and the dog lay by the door.",
  "Is it possible to travel faster than light?",
  "Please send the report by Friday afternoon.",
  "CRISPR-Cas9 enables precise editing of the genome.",
  "Migration patterns of monarch butterflies span thousands of kilometres.",
];

const punctuation = [
  "Wait... what?!", "Hello, world!!!", "(parenthetical) [bracketed] {braced}", "semi;colon:colon",
  "\"Quoted text,\" she said.", "'single quotes' and `backticks`", "e-mail: someone@example.com",
  "path/to/some/file.txt", "a+b=c; x*y/z", "#hashtag @mention $dollar %percent ^caret &amp",
  "—em dash— and –en dash–", "“curly quotes” and ‘apostrophes’", "see http://example.org/page?q=1",
  "It's 10:30 now", "meet at 9:00 or :30 past", "smile :) frown :( wink :-)", "ratio 3:2",
  "…ellipsis character", "!!!???", "...", "-", "”5 stars”5",
];

const numbers = [
  "1234567890", "3.14159265358979", "The year 2024 had 366 days.", "Call 555-0123 before 8 p.m.",
  "Temperatures reached 45°C in July.", "It costs $19.99 or €17,50.", "1st 2nd 3rd 4th 100th",
  "0.001% of 10^6 is 10", "IL-6 and TNF-α levels rose by 2.5-fold (p < 0.05).",
  "Version 10.0.15 was released on 2025-11-11.", "4 x 4 = 16", "n = 1,024 participants",
  "BRCA1 mutations", "COVID-19 vaccines", "H2O and CO2", "7 days a week, 24 hours a day",
];

const accents = [
  "naïve café", "Crème brûlée is délicieux.", "Ça va très bien, merci.", "El niño está en el jardín.",
  "Über den Wolken muss die Freiheit wohl grenzenlos sein.", "Straße und Fußgänger",
  "São Paulo é uma cidade enorme.", "Dziękuję bardzo za pomoc.", "Tschüß und bis später!",
  "Smörgåsbord på svenska", "Ångström units", "résumé vs resume", "façade, jalapeño, piñata",
  "Łódź, Kraków, Gdańsk", "İstanbul'da güzel bir gün", "Ελληνικά γράμματα", "Привет, как дела?",
  "Český Krumlov", "Ærø and Øresund", "coöperate and reëlect",
  "e\u0301 combining accent", "A\u030A combining ring", "o\u0308\u0304 stacked marks",
];

const nonLatin = [
  "你好世界", "我喜欢学习机器学习。", "東京は日本の首都です。", "カタカナとひらがな", "한국어 문장입니다",
  "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Здравствуй, мир! Как дела?",
  "Mixed English 和 中文 text", "αβγ δεζ ηθι", "Γεια σου κόσμε", "Ελλάδα 2024", "日本語 and English 123",
  "ㄱㄴㄷ", "漢字", "中", "Ж", "ع",
];

const emoji = [
  "😀", "I love pizza 🍕!", "🚀 launch 🚀 day", "👍🏽 thumbs up", "family 👨‍👩‍👧‍👦 emoji",
  "flags 🇫🇷🇩🇪", "♥ ★ ☺", "🙂🙂🙂", "weather ☀️🌧️", "math ∑ ∫ √ π",
];

const spaces = [
  " ", "   ", "  leading spaces", "trailing spaces   ", "multiple   spaces   between   words",
  "tab\tseparated\tvalues", "new\nline", "windows\r\nline", "non\u00A0breaking\u00A0space",
  "ideographic\u3000space", "thin\u2009space", "zero\u200Bwidth", " a ", "a  b", "\t",
];

const compatibility = [
  "ﬁnance ﬂow ﬀ", "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ １２３", "① ② ③ ⑩", "x² + y³ = z⁴", "½ ¼ ¾",
  "Ⅻ Ⅳ ⅷ", "㍿ ㎏ ㎞", "ｶﾀｶﾅ", "™ © ®", "ℌℑℜ ℕℤℚ", "ǅ ǈ ǋ", "µ and μ", "K vs K (Kelvin)",
];

const empty = [""];

// Long texts: well past 128 pieces, so the graph clips them.
const paragraph =
  "Alterations of the architecture of cerebral white matter in the developing human brain can affect " +
  "cortical development and result in functional disabilities. A line scan diffusion-weighted magnetic " +
  "resonance imaging sequence with diffusion tensor analysis was applied to measure the apparent diffusion " +
  "coefficient, to calculate relative anisotropy, and to delineate three-dimensional fiber architecture in " +
  "cerebral white matter in preterm infants and full-term infants.";
const long = [
  paragraph,
  paragraph + " " + paragraph,
  sentences.join(" "),
  shortQueries.join(" "),
  punctuation.join(" "),
  numbers.join(" "),
  accents.join(" "),
  nonLatin.join(" "),
  Array.from({ length: 140 }, (_, i) => `w${i}`).join(" "),
  "word ".repeat(200).trim(),
  "a".repeat(600),
  "The end is near. ".repeat(30),
  Array.from({ length: 60 }, (_, i) => `sentence number ${i + 1} talks about topic ${i % 7}.`).join(" "),
  "supercalifragilisticexpialidocious ".repeat(12).trim(),
  emoji.join(" ") + " " + compatibility.join(" "),
];

// Every short and normal sentence also in upper case and without punctuation, for more coverage.
const variants = [...shortQueries.slice(0, 12), ...sentences.slice(0, 12)].flatMap((s) => [
  s.toUpperCase(),
  s.replace(/[.,!?']/g, ""),
]);

export const parityTexts = [
  ...shortQueries, ...sentences, ...punctuation, ...numbers, ...accents, ...nonLatin,
  ...emoji, ...spaces, ...compatibility, ...empty, ...long, ...variants,
];
