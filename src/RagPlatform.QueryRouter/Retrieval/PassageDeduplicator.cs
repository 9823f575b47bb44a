using RagPlatform.QueryRouter.Ingestion;

namespace RagPlatform.QueryRouter.Retrieval;

/// <summary>
/// Drops retrieved chunks that repeat one already kept, best first: a chunk of the same document
/// whose character range lies mostly inside a kept one's, or a chunk whose text is nearly the same
/// (Jaccard overlap of word trigrams at or above the threshold) as a kept one from any document or source.
/// </summary>
public static class PassageDeduplicator
{
    private sealed record Kept(string DocumentId, int Start, int End, HashSet<int> Shingles);

    public static IEnumerable<RetrievedChunk> Distinct(IEnumerable<RetrievedChunk> ranked, double similarity)
    {
        var kept = new List<Kept>();
        foreach (var chunk in ranked)
        {
            var payload = chunk.Payload;
            var candidate = new Kept(
                ChunkPayload.GetString(payload, ChunkPayload.DocumentId),
                ChunkPayload.GetInt(payload, ChunkPayload.StartChar),
                ChunkPayload.GetInt(payload, ChunkPayload.EndChar),
                Shingles(ChunkPayload.GetString(payload, ChunkPayload.Text)));
            if (kept.Exists(k => Overlaps(k, candidate) || IsNearCopy(k.Shingles, candidate.Shingles, similarity)))
                continue;
            kept.Add(candidate);
            yield return chunk;
        }
    }

    /// <summary>Same document, and more than half of the shorter range is shared.</summary>
    private static bool Overlaps(Kept a, Kept b)
    {
        if (a.DocumentId != b.DocumentId || a.End <= a.Start || b.End <= b.Start) return false;
        int shared = Math.Min(a.End, b.End) - Math.Max(a.Start, b.Start);
        return shared * 2 > Math.Min(a.End - a.Start, b.End - b.Start);
    }

    private static bool IsNearCopy(HashSet<int> a, HashSet<int> b, double similarity)
    {
        if (a.Count == 0 || b.Count == 0) return a.Count == b.Count;
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        // Jaccard is at most |small| / |large|: sizes that differ too much cannot reach the threshold.
        if (small.Count < similarity * large.Count) return false;
        int shared = 0;
        foreach (var s in small) if (large.Contains(s)) shared++;
        return (double)shared / (a.Count + b.Count - shared) >= similarity;
    }

    /// <summary>Hashes of the lower-cased word trigrams (single words for texts under three words).</summary>
    private static HashSet<int> Shingles(string text)
    {
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(w => string.GetHashCode(w, StringComparison.OrdinalIgnoreCase)).ToArray();
        var shingles = new HashSet<int>();
        if (words.Length < 3)
            shingles.UnionWith(words);
        for (int i = 0; i + 3 <= words.Length; i++)
            shingles.Add(HashCode.Combine(words[i], words[i + 1], words[i + 2]));
        return shingles;
    }
}
