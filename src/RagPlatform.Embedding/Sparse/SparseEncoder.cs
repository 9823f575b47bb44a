using RagPlatform.Text;

namespace RagPlatform.Embedding.Sparse;

/// <summary>A sparse vector as parallel arrays, indices ascending.</summary>
public readonly record struct SparseResult(uint[] Indices, float[] Values, int Length);

/// <summary>
/// Keyword vectors for BM25. Queries carry term counts; documents carry BM25-saturated term
/// frequencies, length-normalised against the collection's average length. The vector store
/// multiplies in IDF, so their dot product is the BM25 score.
/// </summary>
public static class SparseEncoder
{
    public const float DefaultK1 = 1.2f;
    public const float DefaultB = 0.75f;

    public static SparseResult EncodeQuery(string text) => Encode(text, static (tf, _) => tf);

    public static SparseResult EncodeDocument(string text, double averageLength, float k1, float b) =>
        Encode(text, (tf, length) =>
        {
            double norm = averageLength > 0 ? length / averageLength : 1;
            return (float)(tf * (k1 + 1) / (tf + k1 * (1 - b + b * norm)));
        });

    /// <summary>Analyzer term count of a text: the document length BM25 normalises by.</summary>
    public static int Length(string text)
    {
        int count = 0;
        TextAnalyzer.Analyze(text, _ => count++);
        return count;
    }

    private static SparseResult Encode(string text, Func<int, int, float> weight)
    {
        var counts = new Dictionary<uint, int>();
        int length = 0;
        TextAnalyzer.Analyze(text, term =>
        {
            length++;
            var id = TermIds.Of(term);
            counts[id] = counts.GetValueOrDefault(id) + 1;
        });
        var indices = new uint[counts.Count];
        var values = new float[counts.Count];
        int i = 0;
        foreach (var (id, tf) in counts)
        {
            indices[i] = id;
            values[i] = weight(tf, length);
            i++;
        }
        Array.Sort(indices, values);
        return new SparseResult(indices, values, length);
    }
}
