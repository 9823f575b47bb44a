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
    /// Splits pairs into training and validation so that nothing crosses: queries that share a
    /// positive passage (directly or through other queries) stay on one side together, so the
    /// validation figure measures passages training never saw. Which groups are held out depends
    /// only on the seed.
    /// </summary>
    public static (List<RetrievalPair> Train, List<RetrievalPair> Validation) Split(IReadOnlyList<RetrievalPair> pairs, double fraction, long seed)
    {
        var groups = GroupsSharingPositives(pairs);
        var order = groups.Keys.Order(StringComparer.Ordinal).ToArray();
        new Random(unchecked((int)(seed ^ (seed >> 32)) ^ 0x5eed)).Shuffle(order);
        int queries = groups.Values.Sum(g => g.Count);
        int wanted = Math.Max(1, (int)Math.Round(queries * fraction));
        var validation = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in order)
        {
            if (validation.Count >= wanted || validation.Count + groups[group].Count >= queries) continue;
            validation.UnionWith(groups[group]);
        }
        return (pairs.Where(p => !validation.Contains(p.Query)).ToList(), pairs.Where(p => validation.Contains(p.Query)).ToList());
    }

    /// <summary>Queries joined when they share a positive: group key (its smallest query) → its queries.</summary>
    private static Dictionary<string, List<string>> GroupsSharingPositives(IReadOnlyList<RetrievalPair> pairs)
    {
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        string Find(string x)
        {
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }
        void Union(string a, string b)
        {
            string ra = Find(a), rb = Find(b);
            if (ra != rb) parent[string.CompareOrdinal(ra, rb) < 0 ? rb : ra] = string.CompareOrdinal(ra, rb) < 0 ? ra : rb;
        }
        var firstQueryOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            parent.TryAdd(pair.Query, pair.Query);
            if (firstQueryOf.TryGetValue(pair.Positive, out var other)) Union(pair.Query, other);
            else firstQueryOf[pair.Positive] = pair.Query;
        }
        return parent.Keys.GroupBy(Find, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
    }
}
