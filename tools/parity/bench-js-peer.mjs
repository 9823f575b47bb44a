// The JS peer of `rag bench embed`: embeds a sentence set with the package's own JS runtime at each
// batch size and prints sentences per second as one JSON object on stdout.
//
//   node bench-js-peer.mjs [--input FILE] [--batch 1,32] [--limit N] [--warmup N]
//
// FILE: a JSON array of strings, or JSON lines whose objects carry "text" (and "title", joined as
// "title. text", as BEIR corpora do), or plain text lines. Without it, the parity sentence set.
import { readFileSync } from "node:fs";
import os from "node:os";
import { loadUseLite } from "./use-lite-runtime.mjs";
import { parityTexts } from "./sentences.mjs";

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

function readTexts(file) {
  const content = readFileSync(file, "utf8").trim();
  if (content.startsWith("[")) return JSON.parse(content).map(String);
  return content.split("\n").filter((line) => line.trim().length > 0).map((line) => {
    if (!line.startsWith("{")) return line;
    const row = JSON.parse(line);
    return row.title ? `${row.title}. ${row.text ?? ""}` : String(row.text ?? "");
  });
}

const input = option("--input", null);
const batches = option("--batch", "1,32").split(",").map(Number);
const limit = Number(option("--limit", "0"));
const warmup = Number(option("--warmup", "8"));

// The JS runtime cannot embed an empty text alone; the peer measures real texts only.
let texts = (input ? readTexts(input) : parityTexts).filter((t) => t.length > 0);
if (limit > 0) texts = texts.slice(0, limit);

const { model, backend } = await loadUseLite();
await model.embed(texts.slice(0, Math.max(1, warmup)));

const results = [];
for (const batch of batches) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < texts.length; i += batch) await model.embed(texts.slice(i, i + batch));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  results.push({ batch, sentences: texts.length, seconds: +seconds.toFixed(3), sentencesPerSecond: +(texts.length / seconds).toFixed(2) });
}

console.log(JSON.stringify({
  peer: "@energetic-ai/embeddings (TF.js)",
  backend,
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? "unknown",
  input: input ?? "parity sentences",
  results,
}));
