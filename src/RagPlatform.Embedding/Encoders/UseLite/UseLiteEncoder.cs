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
        var vectors = UseLiteForwardPass.Run(loaded, batch);
        for (int j = 0; j < vectors.Length; j++)
            results[first + j] = new DenseResult(vectors[j], counts[j], counts[j] > MaxTokens);
        batch.Clear();
        counts.Clear();
    }
}
