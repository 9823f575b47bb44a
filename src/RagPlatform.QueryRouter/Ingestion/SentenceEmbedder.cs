using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Embedding.V1;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// Embeds every sentence of a document's chunks at ingest, in batches, with the source's retrieval
/// model (dense only, as documents), so that answering can compare sentences with the question by
/// meaning without a model call. A sentence that overlapping chunks share is embedded once.
/// </summary>
public static class SentenceEmbedder
{
    /// <returns>Per chunk, in order: the payload value of its sentence vectors (null for a chunk without sentences).</returns>
    public static async Task<Value?[]> EmbedAsync(EmbeddingService.EmbeddingServiceClient embedding, string model,
        string documentText, IReadOnlyList<Chunk> chunks, int batchSize, CancellationToken cancellationToken)
    {
        // Distinct sentences by their range in the document.
        var rows = new Dictionary<(int Start, int End), int>();
        var ranges = new List<(int Start, int End)>();
        foreach (var chunk in chunks)
            foreach (var s in chunk.Sentences)
                if (rows.TryAdd((chunk.Start + s.Start, chunk.Start + s.End), ranges.Count))
                    ranges.Add((chunk.Start + s.Start, chunk.Start + s.End));
        if (ranges.Count == 0) return new Value?[chunks.Count];

        var vectors = new float[ranges.Count][];
        string space = "", served = model;
        for (int offset = 0; offset < ranges.Count; offset += batchSize)
        {
            var batch = ranges.Skip(offset).Take(batchSize).ToList();
            var request = new EmbedRequest { InputType = InputType.Document, Model = model, Dense = true };
            request.Texts.Add(batch.Select(r => documentText[r.Start..r.End]));
            var response = await embedding.EmbedAsync(request, cancellationToken: cancellationToken);
            for (int i = 0; i < batch.Count; i++)
                vectors[offset + i] = [.. response.Embeddings[i].Dense];
            space = response.EmbeddingSpace;
            served = response.Model;
        }

        var values = new Value?[chunks.Count];
        for (int c = 0; c < chunks.Count; c++)
        {
            var chunk = chunks[c];
            if (chunk.Sentences.Count == 0) continue;
            var chunkRows = chunk.Sentences.Select(s => vectors[rows[(chunk.Start + s.Start, chunk.Start + s.End)]]).ToList();
            values[c] = SentenceVectorPayload.Create(served, space, chunkRows);
        }
        return values;
    }
}
