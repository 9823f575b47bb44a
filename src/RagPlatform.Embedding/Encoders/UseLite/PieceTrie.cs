namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// A trie over the pieces' code points, for finding every piece that starts at a position.
/// Edges live in one dictionary keyed by (node, symbol); a later piece with the same text replaces
/// an earlier one's id and score, as inserting into the JS tokenizer's trie does.
/// </summary>
internal sealed class PieceTrie
{
    private readonly Dictionary<long, int> edges = [];
    private readonly List<int> pieceIds = [-1];
    private readonly List<double> scores = [0];

    public void Insert(ReadOnlySpan<int> symbols, int pieceId, double score)
    {
        int node = 0;
        foreach (int symbol in symbols)
        {
            long key = Key(node, symbol);
            if (!edges.TryGetValue(key, out int child))
            {
                child = pieceIds.Count;
                pieceIds.Add(-1);
                scores.Add(0);
                edges[key] = child;
            }
            node = child;
        }
        pieceIds[node] = pieceId;
        scores[node] = score;
    }

    /// <summary>The node reached from <paramref name="node"/> by <paramref name="symbol"/>, or -1.</summary>
    public int Step(int node, int symbol) => edges.TryGetValue(Key(node, symbol), out int child) ? child : -1;

    /// <summary>The id of the piece that ends at this node, or -1.</summary>
    public int PieceAt(int node) => pieceIds[node];

    public double ScoreAt(int node) => scores[node];

    public const int Root = 0;

    private static long Key(int node, int symbol) => ((long)node << 32) | (uint)symbol;
}
