using System.Numerics.Tensors;
using RagPlatform.Contracts.Vectors.V1;

namespace RagPlatform.VectorSearch.Engine.Index;

/// <summary>
/// A hierarchical navigable small-world graph (Malkov and Yashunin) over dense vectors, built
/// incrementally as points arrive. Vectors live in one contiguous buffer for cache-friendly
/// scoring. A delete or an update leaves a tombstone that still routes searches but is never
/// returned, so neither needs a rebuild. Not thread-safe: the owning collection holds writers
/// apart from readers.
/// </summary>
public sealed class HnswIndex
{
    private readonly int dimension;
    private readonly int m, m0, efConstruction;
    private readonly double levelFactor;
    private readonly Distance distance;
    private readonly Random random;
    private float[] vectors;
    private int[][][] links = [];          // node → level → neighbour ids (length = capacity of that level)
    private int[][] linkCounts = [];       // node → level → how many neighbours are set
    private int[] slots = [];              // node → the collection's slot
    private bool[] deleted = [];
    private readonly Dictionary<int, int> nodeOfSlot = [];
    private int entryPoint = -1, topLevel = -1;

    public HnswIndex(int dimension, Distance distance, int m = 16, int efConstruction = 100, int seed = 42)
    {
        this.dimension = dimension;
        this.distance = distance;
        this.m = Math.Max(2, m);
        m0 = 2 * this.m;
        this.efConstruction = Math.Max(efConstruction, this.m);
        levelFactor = 1 / Math.Log(this.m);
        random = new Random(seed);
        vectors = new float[dimension * 1024];
    }

    /// <summary>Nodes in the graph, tombstones included.</summary>
    public int NodeCount { get; private set; }
    /// <summary>Live points.</summary>
    public int Count => nodeOfSlot.Count;
    public int Tombstones => NodeCount - Count;

    /// <summary>Bytes the graph and its vectors hold.</summary>
    public long MemoryBytes => (long)vectors.Length * sizeof(float) + (long)NodeCount * (m0 + 2 * m) * sizeof(int);

    public void Add(int slot, ReadOnlySpan<float> vector)
    {
        Remove(slot);
        int node = NodeCount++;
        EnsureCapacity(NodeCount);
        vector.CopyTo(vectors.AsSpan(node * dimension, dimension));
        int level = (int)(-Math.Log(1 - random.NextDouble()) * levelFactor);
        links[node] = new int[level + 1][];
        linkCounts[node] = new int[level + 1];
        for (int l = 0; l <= level; l++) links[node][l] = new int[(l == 0 ? m0 : m) + 1];
        slots[node] = slot;
        nodeOfSlot[slot] = node;

        if (entryPoint < 0)
        {
            entryPoint = node;
            topLevel = level;
            return;
        }
        var query = Vector(node);
        int current = entryPoint;
        for (int l = topLevel; l > level; l--) current = Greedy(query, current, l);
        for (int l = Math.Min(level, topLevel); l >= 0; l--)
        {
            var candidates = SearchLayer(query, [current], efConstruction, l, accept: null);
            var chosen = SelectNeighbours(candidates, l == 0 ? m0 : m);
            foreach (var (neighbour, _) in chosen)
            {
                Link(node, neighbour, l);
                Link(neighbour, node, l);
            }
            current = candidates[0].Node;
        }
        if (level > topLevel)
        {
            topLevel = level;
            entryPoint = node;
        }
    }

    /// <summary>Leaves a tombstone: the node keeps routing searches but is never a result.</summary>
    public void Remove(int slot)
    {
        if (!nodeOfSlot.Remove(slot, out var node)) return;
        deleted[node] = true;
    }

    /// <summary>The k best live points accepted by <paramref name="accept"/> (slot → bool), best first.</summary>
    public List<(int Slot, float Score)> Search(ReadOnlySpan<float> query, int k, int ef, Func<int, bool>? accept)
    {
        var results = new List<(int, float)>(k);
        if (entryPoint < 0 || k <= 0) return results;
        int current = entryPoint;
        for (int l = topLevel; l > 0; l--) current = Greedy(query, current, l);
        var found = SearchLayer(query, [current], Math.Max(ef, k), 0, node => !deleted[node] && (accept is null || accept(slots[node])));
        foreach (var (node, score) in found)
        {
            if (results.Count == k) break;
            results.Add((slots[node], score));
        }
        return results;
    }

    private ReadOnlySpan<float> Vector(int node) => vectors.AsSpan(node * dimension, dimension);

    private float Score(ReadOnlySpan<float> query, int node) => distance == Distance.Euclid
        ? -TensorPrimitives.Distance(query, Vector(node))
        : TensorPrimitives.Dot(query, Vector(node));

    /// <summary>Walks to the best neighbour until none is better (the upper layers' descent).</summary>
    private int Greedy(ReadOnlySpan<float> query, int start, int level)
    {
        int current = start;
        float best = Score(query, current);
        for (bool improved = true; improved;)
        {
            improved = false;
            var neighbours = links[current][level];
            int count = linkCounts[current][level];
            for (int i = 0; i < count; i++)
            {
                float score = Score(query, neighbours[i]);
                if (score > best)
                {
                    best = score;
                    current = neighbours[i];
                    improved = true;
                }
            }
        }
        return current;
    }

    /// <summary>
    /// Best-first search of one layer with a beam of <paramref name="ef"/>. Every node is explored,
    /// but only those <paramref name="accept"/> admits become results, so filtered-out and deleted
    /// nodes still carry the search through the graph. Results best first.
    /// </summary>
    private List<(int Node, float Score)> SearchLayer(ReadOnlySpan<float> query, int[] starts, int ef, int level, Func<int, bool>? accept)
    {
        var visited = VisitedSet.Rent(NodeCount);
        var candidates = new PriorityQueue<int, float>();   // best first (negated score)
        var results = new PriorityQueue<int, float>();      // worst first, at most ef
        foreach (var start in starts)
        {
            visited.Add(start);
            float score = Score(query, start);
            candidates.Enqueue(start, -score);
            if (accept is null || accept(start)) results.Enqueue(start, score);
        }
        while (candidates.TryDequeue(out int node, out float negated))
        {
            if (results.Count >= ef && results.TryPeek(out _, out float worst) && -negated < worst) break;
            var neighbours = links[node][level];
            int count = linkCounts[node][level];
            for (int i = 0; i < count; i++)
            {
                int next = neighbours[i];
                if (!visited.Add(next)) continue;
                float score = Score(query, next);
                bool full = results.Count >= ef;
                if (full && results.TryPeek(out _, out float floor) && score <= floor) continue;
                candidates.Enqueue(next, -score);
                if (accept is not null && !accept(next)) continue;
                if (full) results.EnqueueDequeue(next, score);
                else results.Enqueue(next, score);
            }
        }
        var ordered = new List<(int, float)>(results.Count);
        while (results.TryDequeue(out int node, out float score)) ordered.Add((node, score));
        ordered.Reverse();
        return ordered;
    }

    /// <summary>
    /// The neighbour-selection heuristic: a candidate is kept only if it is closer to the new node
    /// than to every neighbour already kept, which spreads links in different directions.
    /// </summary>
    private List<(int Node, float Score)> SelectNeighbours(List<(int Node, float Score)> candidates, int max)
    {
        var kept = new List<(int, float)>(max);
        foreach (var (node, score) in candidates)
        {
            if (kept.Count >= max) break;
            var vector = Vector(node);
            bool diverse = true;
            foreach (var (other, _) in kept)
            {
                if (ScoreBetween(vector, other) > score) { diverse = false; break; }
            }
            if (diverse) kept.Add((node, score));
        }
        return kept;
    }

    private float ScoreBetween(ReadOnlySpan<float> vector, int node) => Score(vector, node);

    /// <summary>Adds a link; a full list is re-pruned with the heuristic around its owner.</summary>
    private void Link(int from, int to, int level)
    {
        var list = links[from][level];
        ref int count = ref linkCounts[from][level];
        int max = level == 0 ? m0 : m;
        if (count < max)
        {
            list[count++] = to;
            return;
        }
        var owner = Vector(from);
        var candidates = new List<(int Node, float Score)>(count + 1) { (to, Score(owner, to)) };
        for (int i = 0; i < count; i++) candidates.Add((list[i], Score(owner, list[i])));
        candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        var kept = SelectNeighbours(candidates, max);
        count = kept.Count;
        for (int i = 0; i < count; i++) list[i] = kept[i].Node;
    }

    private void EnsureCapacity(int nodes)
    {
        if (slots.Length >= nodes) return;
        int capacity = Math.Max(nodes, Math.Max(1024, slots.Length * 2));
        Array.Resize(ref vectors, capacity * dimension);
        Array.Resize(ref links, capacity);
        Array.Resize(ref linkCounts, capacity);
        Array.Resize(ref slots, capacity);
        Array.Resize(ref deleted, capacity);
    }
}
