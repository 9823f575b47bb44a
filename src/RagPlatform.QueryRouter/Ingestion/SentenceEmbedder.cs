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
        var distinct = Distinct(chunks);
        if (distinct.Count == 0) return new Value?[chunks.Count];
        var request = new EmbedRequest { InputType = InputType.Document, Model = model, Dense = true };
        var embedded = await new EmbedBatcher(embedding, batchSize).EmbedAsync(request, distinct, cancellationToken);
        var rows = new Dictionary<string, float[]>(distinct.Count, StringComparer.Ordinal);
        for (int i = 0; i < distinct.Count; i++) rows[distinct[i]] = [.. embedded.Embeddings[i].Dense];
        return Payloads(chunks, rows, embedded.Model, embedded.EmbeddingSpace);
    }

    /// <summary>The chunks' sentences, each once, in order of first appearance, leaving out texts embedded already.</summary>
    public static List<string> Distinct(IReadOnlyList<(string Text, IReadOnlyList<TextSpan> Sentences)> chunks,
        IReadOnlySet<string>? embeddedAlready = null)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var distinct = new List<string>();
        foreach (var (text, sentences) in chunks)
            foreach (var s in sentences)
            {
                var sentence = text[s.Start..s.End];
                if (seen.Add(sentence) && embeddedAlready?.Contains(sentence) != true) distinct.Add(sentence);
            }
        return distinct;
    }

    /// <summary>Per chunk, in order: the payload value of its sentences' vectors, looked up by their text (null for a chunk without sentences).</summary>
    public static Value?[] Payloads(IReadOnlyList<(string Text, IReadOnlyList<TextSpan> Sentences)> chunks,
        IReadOnlyDictionary<string, float[]> vectors, string model, string embeddingSpace)
    {
        var values = new Value?[chunks.Count];
        for (int c = 0; c < chunks.Count; c++)
        {
            var (text, sentences) = chunks[c];
            if (sentences.Count > 0)
                values[c] = SentenceVectorPayload.Create(model, embeddingSpace, [.. sentences.Select(s => vectors[text[s.Start..s.End]])]);
        }
        return values;
    }
}
