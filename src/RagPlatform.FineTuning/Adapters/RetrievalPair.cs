using System.Text.Json;

namespace RagPlatform.FineTuning.Adapters;

/// <summary>One line of a retrieval-pairs dataset: a query, the passage that answers it, optional hard negatives.</summary>
public sealed record RetrievalPair(string Query, string Positive, IReadOnlyList<string> Negatives)
{
    /// <summary>Reads a validated retrieval-pairs file; a pair that names its positive by id has no text to train on.</summary>
    public static List<RetrievalPair> ReadFile(string path)
    {
        var pairs = new List<RetrievalPair>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (!root.TryGetProperty("positive", out var positive))
                throw new FormatException($"line {lineNumber}: positive_id names a document; the adapter trainer needs the passage itself (positive)");
            var negatives = root.TryGetProperty("negatives", out var list)
                ? list.EnumerateArray().Select(n => n.GetString()!).ToList()
                : [];
            pairs.Add(new RetrievalPair(root.GetProperty("query").GetString()!, positive.GetString()!, negatives));
        }
        return pairs;
    }

    /// <summary>
    /// Splits pairs into training and validation by query, so a query (and its positives) never
    /// sits on both sides; which queries are held out depends only on the seed.
    /// </summary>
    public static (List<RetrievalPair> Train, List<RetrievalPair> Validation) Split(IReadOnlyList<RetrievalPair> pairs, double fraction, long seed)
    {
        var queries = pairs.Select(p => p.Query).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        new Random(unchecked((int)(seed ^ (seed >> 32)) ^ 0x5eed)).Shuffle(queries);
        int held = Math.Clamp((int)Math.Round(queries.Length * fraction), 1, Math.Max(1, queries.Length - 1));
        var validation = queries.Take(held).ToHashSet(StringComparer.Ordinal);
        return (pairs.Where(p => !validation.Contains(p.Query)).ToList(), pairs.Where(p => validation.Contains(p.Query)).ToList());
    }
}
