using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Text;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// Embeds every sentence of a batch of chunks, in batches, with the source's retrieval model (dense
/// only, as documents), so that answering can compare sentences with the question by meaning
/// without a model call. A sentence that several chunks share (their overlap) is embedded once.
/// </summary>
public static class SentenceEmbedder
{
    /// <param name="chunks">Each chunk's text and its sentences, relative to that text.</param>
    /// <returns>Per chunk, in order: the payload value of its sentence vectors (null for a chunk without sentences).</returns>
    public static async Task<Value?[]> EmbedAsync(EmbeddingService.EmbeddingServiceClient embedding, string model,
        IReadOnlyList<(string Text, IReadOnlyList<TextSpan> Sentences)> chunks, int batchSize, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        var distinct = new List<string>();
        foreach (var (text, sentences) in chunks)
            foreach (var s in sentences)
                if (rows.TryAdd(text[s.Start..s.End], distinct.Count))
                    distinct.Add(text[s.Start..s.End]);
        var values = new Value?[chunks.Count];
        if (distinct.Count == 0) return values;

        var vectors = new float[distinct.Count][];
        string space = "", served = model;
        for (int offset = 0; offset < distinct.Count; offset += batchSize)
        {
            var request = new EmbedRequest { InputType = InputType.Document, Model = model, Dense = true };
            request.Texts.Add(distinct.Skip(offset).Take(batchSize));
            var response = await embedding.EmbedAsync(request, cancellationToken: cancellationToken);
            for (int i = 0; i < request.Texts.Count; i++)
                vectors[offset + i] = [.. response.Embeddings[i].Dense];
            space = response.EmbeddingSpace;
            served = response.Model;
        }

        for (int c = 0; c < chunks.Count; c++)
        {
            var (text, sentences) = chunks[c];
            if (sentences.Count > 0)
                values[c] = SentenceVectorPayload.Create(served, space, [.. sentences.Select(s => vectors[rows[text[s.Start..s.End]]])]);
        }
        return values;
    }
}
