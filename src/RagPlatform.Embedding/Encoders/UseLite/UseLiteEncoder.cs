namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// Universal Sentence Encoder Lite, run in-process: the package's SentencePiece tokenizer and TF.js
/// graph re-implemented in C#, giving the vectors the package's JS runtime gives. Texts are cut to
/// their first 128 pieces (chunk long documents); a text's vector does not depend on the others in
/// its batch. The weights load on first use, once per process.
/// </summary>
public sealed class UseLiteEncoder(UseLiteModelLocation location, Action<string>? report = null) : IDenseEncoder
{
    public const string ModelName = "use-lite";
    // Pieces per forward pass: bounds the working memory (about 40 MB) while keeping batches big.
    private const int PiecesPerPass = 32 * 128;
    // A pass this long is split by sentences into one single-threaded pass per core: one fork and
    // join per pass instead of one per matrix product, and no idle workers spinning between them.
    private const int PiecesPerThread = 256;

    private readonly Lazy<UseLiteModel> model = new(() => UseLiteModel.Load(location, report));

    public string Name => ModelName;
    public string EmbeddingSpace => $"{ModelName}@{UseLiteModelLocation.PackageVersion}";
    public int Dimension => 512;
    public int MaxTokens => 128;
    public string Backend => "local-encoder";
    public UseLiteModelLocation Location => location;

    /// <summary>Loads the weights now rather than on the first request.</summary>
    public UseLiteModel Model => model.Value;

    public IReadOnlyList<int> Tokenize(string text) => Model.Tokenizer.Encode(text);

    public int CountTokens(string text) => Model.Tokenizer.Encode(text).Length;

    public IReadOnlyList<DenseResult> Encode(IReadOnlyList<string> texts, bool isQuery)
    {
        var loaded = Model;
        var results = new DenseResult[texts.Count];
        var batch = new List<ReadOnlyMemory<int>>();
        var counts = new List<int>();
        int first = 0, pieces = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            var ids = loaded.Tokenizer.Encode(texts[i]);
            var read = ids.AsMemory(0, Math.Min(ids.Length, loaded.MaxLength));
            if (pieces + read.Length > PiecesPerPass && batch.Count > 0)
            {
                Flush(loaded, batch, counts, results, first);
                first = i;
                pieces = 0;
            }
            batch.Add(read);
            counts.Add(ids.Length);
            pieces += read.Length;
        }
        if (batch.Count > 0) Flush(loaded, batch, counts, results, first);
        return results;
    }

    private void Flush(UseLiteModel loaded, List<ReadOnlyMemory<int>> batch, List<int> counts, DenseResult[] results, int first)
    {
        var vectors = Run(loaded, batch);
        for (int j = 0; j < vectors.Length; j++)
            results[first + j] = new DenseResult(vectors[j], counts[j], counts[j] > MaxTokens);
        batch.Clear();
        counts.Clear();
    }

    /// <summary>
    /// The batch's vectors, from parts of about equal pieces run side by side when it is long enough;
    /// a sentence's vector does not depend on the rest of its pass, so the split changes nothing.
    /// </summary>
    private static float[][] Run(UseLiteModel loaded, List<ReadOnlyMemory<int>> batch)
    {
        int pieces = 0;
        foreach (var sentence in batch) pieces += sentence.Length;
        int parts = Math.Min(Math.Min(Environment.ProcessorCount, batch.Count), pieces / PiecesPerThread);
        if (parts < 2) return UseLiteForwardPass.Run(loaded, batch);

        var bounds = new int[parts + 1];
        Array.Fill(bounds, batch.Count, 1, parts);
        for (int s = 0, part = 1, sum = 0; s < batch.Count && part < parts; s++)
        {
            sum += batch[s].Length;
            if (sum * parts >= pieces * part) bounds[part++] = s + 1;
        }
        var vectors = new float[batch.Count][];
        Parallel.For(0, parts, part =>
        {
            int from = bounds[part], to = bounds[part + 1];
            if (to <= from) return;
            var computed = UseLiteForwardPass.Run(loaded, batch.GetRange(from, to - from), parallel: false);
            computed.CopyTo(vectors, from);
        });
        return vectors;
    }
}
