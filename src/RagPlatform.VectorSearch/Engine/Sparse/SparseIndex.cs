namespace RagPlatform.VectorSearch.Engine.Sparse;

/// <summary>
/// An inverted index of sparse vectors: for each term, the slots holding it and their weights.
/// Its posting lengths are the document frequencies that IDF needs.
/// </summary>
public sealed class SparseIndex
{
    private readonly Dictionary<uint, Dictionary<int, float>> postings = [];

    public void Add(int slot, uint[] indices, float[] values)
    {
        for (int i = 0; i < indices.Length; i++)
        {
            if (!postings.TryGetValue(indices[i], out var list))
                postings[indices[i]] = list = [];
            list[slot] = values[i];
        }
    }

    public void Remove(int slot, uint[] indices)
    {
        foreach (var term in indices)
        {
            if (postings.TryGetValue(term, out var list) && list.Remove(slot) && list.Count == 0)
                postings.Remove(term);
        }
    }

    /// <summary>
    /// Accumulates query-weight × (IDF) × document-weight per slot. IDF is BM25's (as Qdrant's idf
    /// modifier computes it): ln(1 + (N − df + 0.5) / (df + 0.5)).
    /// </summary>
    public Dictionary<int, float> Score(IReadOnlyList<uint> indices, IReadOnlyList<float> values, int documentCount, bool idf)
    {
        var scores = new Dictionary<int, float>();
        for (int i = 0; i < indices.Count; i++)
        {
            if (!postings.TryGetValue(indices[i], out var list))
                continue;
            float weight = values[i];
            if (idf)
                weight *= (float)Math.Log(1 + (documentCount - list.Count + 0.5) / (list.Count + 0.5));
            foreach (var (slot, value) in list)
                scores[slot] = scores.GetValueOrDefault(slot) + weight * value;
        }
        return scores;
    }
}
