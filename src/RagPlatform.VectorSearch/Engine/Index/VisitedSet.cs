namespace RagPlatform.VectorSearch.Engine.Index;

/// <summary>
/// Which nodes a search has seen, reset in O(1) by bumping a generation stamp instead of clearing.
/// One per thread, reused across searches.
/// </summary>
internal sealed class VisitedSet
{
    private int[] stamps = [];
    private int generation;

    [ThreadStatic] private static VisitedSet? perThread;

    public static VisitedSet Rent(int capacity)
    {
        var set = perThread ??= new VisitedSet();
        if (set.stamps.Length < capacity) set.stamps = new int[Math.Max(capacity, set.stamps.Length * 2)];
        if (++set.generation == int.MaxValue)
        {
            Array.Clear(set.stamps);
            set.generation = 1;
        }
        return set;
    }

    /// <summary>Marks the node; false when it was already marked in this search.</summary>
    public bool Add(int node)
    {
        if (stamps[node] == generation) return false;
        stamps[node] = generation;
        return true;
    }
}
