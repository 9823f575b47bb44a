using System.Collections.Concurrent;

namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// Universal Sentence Encoder Lite, ready to run: piece embeddings [8002 × 256], the sinusoidal
/// timing signal for each of the 128 positions, two transformer layers (256 wide, then 512), and the
/// 512 × 512 tanh layer. Immutable once loaded, so one copy serves every caller in the process.
/// </summary>
public sealed class UseLiteModel
{
    /// <summary>Both layers split attention into four heads (64 wide, then 128).</summary>
    public const int Heads = 4;

    private static readonly ConcurrentDictionary<string, Lazy<UseLiteModel>> Loaded = new(StringComparer.Ordinal);

    private UseLiteModel(IReadOnlyDictionary<string, UseLiteTensor> tensors, UnigramTokenizer tokenizer)
    {
        Tokenizer = tokenizer;
        var embeddings = tensors[UseLiteTensorNames.Embeddings];
        Embeddings = embeddings.Data;
        EmbeddingWidth = embeddings.Shape[1];
        PieceCount = embeddings.Shape[0];
        MaxLength = (int)tensors[UseLiteTensorNames.MaxLength].Scalar;
        LayerNormEpsilon = tensors[UseLiteTensorNames.LayerNormEpsilon].Scalar;
        NormalizeEpsilon = tensors[UseLiteTensorNames.NormalizeEpsilon].Scalar;
        Timing = TimingSignal(tensors[UseLiteTensorNames.InverseTimescales].Data, MaxLength);
        var residual = tensors[UseLiteTensorNames.ResidualKernel];
        var (rows, columns) = residual.AsMatrix();
        Residual = PackedMatrix.Pack(residual.Data, rows, columns, tensors[UseLiteTensorNames.ResidualBias].Data);
        Layers = [UseLiteLayer.From(tensors, 0, Heads), UseLiteLayer.From(tensors, 1, Heads)];
        var tanh = tensors[UseLiteTensorNames.TanhKernel];
        (rows, columns) = tanh.AsMatrix();
        Tanh = PackedMatrix.Pack(tanh.Data, rows, columns, tensors[UseLiteTensorNames.TanhBias].Data);
        if (Layers[0].Width != EmbeddingWidth || Residual.Rows != EmbeddingWidth || Residual.Columns != Layers[1].Width)
            throw new InvalidDataException("the layers' widths do not chain");
    }

    public UnigramTokenizer Tokenizer { get; }
    public float[] Embeddings { get; }
    public int EmbeddingWidth { get; }
    public int PieceCount { get; }
    /// <summary>Pieces read per text; the graph drops the rest.</summary>
    public int MaxLength { get; }
    public float LayerNormEpsilon { get; }
    public float NormalizeEpsilon { get; }
    /// <summary>[MaxLength × EmbeddingWidth]: sines of position × inverse timescale, then cosines.</summary>
    public float[] Timing { get; }
    /// <summary>Layer 0's residual path, projecting 256 → 512.</summary>
    public PackedMatrix Residual { get; }
    public IReadOnlyList<UseLiteLayer> Layers { get; }
    public PackedMatrix Tanh { get; }
    public int Dimension => Tanh.Columns;

    /// <summary>The model in that folder, loaded once per process.</summary>
    public static UseLiteModel Load(UseLiteModelLocation location, Action<string>? report = null) =>
        Loaded.GetOrAdd(location.Directory, _ => new Lazy<UseLiteModel>(() => LoadNow(location, report))).Value;

    private static UseLiteModel LoadNow(UseLiteModelLocation location, Action<string>? report)
    {
        if (!location.IsPresent)
            throw new FileNotFoundException($"USE-lite weights not found in {location.Directory}; run deploy/models/fetch-use-lite.sh");
        var tensors = UseLiteWeightFile.LoadOrConvert(location, report);
        var vocabulary = SentencePieceVocabulary.Load(location.VocabularyFile);
        return new UseLiteModel(tensors, new UnigramTokenizer(vocabulary));
    }

    private static float[] TimingSignal(float[] inverseTimescales, int positions)
    {
        int half = inverseTimescales.Length;
        var timing = new float[positions * half * 2];
        for (int position = 0; position < positions; position++)
            for (int i = 0; i < half; i++)
            {
                // float32 throughout, as the graph computes it.
                float angle = position * inverseTimescales[i];
                timing[position * half * 2 + i] = MathF.Sin(angle);
                timing[position * half * 2 + half + i] = MathF.Cos(angle);
            }
        return timing;
    }
}
