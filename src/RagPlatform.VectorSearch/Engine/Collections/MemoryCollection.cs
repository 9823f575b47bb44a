using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine.Filtering;
using RagPlatform.VectorSearch.Engine.Index;
using RagPlatform.VectorSearch.Engine.Spaces;
using RagPlatform.VectorSearch.Engine.Sparse;

namespace RagPlatform.VectorSearch.Engine.Collections;

/// <summary>
/// A collection held in memory: points in slots, an HNSW graph and exact scoring for dense vectors,
/// an inverted index for sparse ones. Many readers or one writer at a time.
/// </summary>
public sealed class MemoryCollection(CollectionSpec spec)
{
    /// <summary>Below this many points (or the collection's full_scan_threshold) dense search is exact.</summary>
    public const int DefaultFullScanThreshold = 1_000;
    /// <summary>A filter admitting at most this share of the points is searched exactly over the admitted ones.</summary>
    private const double SelectiveFilterShare = 0.1;

    private readonly HnswIndex? hnsw = spec.Dense is { } dense
        ? new HnswIndex((int)dense.Dimension, dense.Distance,
            m: dense.Hnsw is { M: > 0 } ? (int)dense.Hnsw.M : 16,
            efConstruction: dense.Hnsw is { EfConstruct: > 0 } ? (int)dense.Hnsw.EfConstruct : 100)
        : null;
    private readonly ReaderWriterLockSlim gate = new();
    private readonly Dictionary<string, int> slotById = new(StringComparer.Ordinal);
    private readonly List<StoredPoint?> slots = [];
    private readonly Stack<int> freeSlots = new();
    private readonly SparseIndex sparseIndex = new();
    private readonly PayloadFieldIndex payloadIndex = new(spec.PayloadIndexes);
    private long totalDocumentLength;
    private long sparseFloats;

    public CollectionSpec Spec { get; } = spec;

    public CollectionInfo Describe()
    {
        gate.EnterReadLock();
        try
        {
            int count = slotById.Count;
            long denseBytes = (long)count * (Spec.Dense?.Dimension ?? 0) * sizeof(float);
            return new CollectionInfo(Spec, count, count == 0 ? 0 : (double)totalDocumentLength / count,
                denseBytes + sparseFloats * 8 + count * 256L + (hnsw?.MemoryBytes ?? 0));
        }
        finally { gate.ExitReadLock(); }
    }

    public long Upsert(IReadOnlyList<StoredPoint> points)
    {
        gate.EnterWriteLock();
        try
        {
            foreach (var point in points)
            {
                if (slotById.TryGetValue(point.Id, out var existing))
                    RemoveSlot(existing);
                int slot = freeSlots.Count > 0 ? freeSlots.Pop() : AppendSlot();
                slots[slot] = point;
                slotById[point.Id] = slot;
                sparseIndex.Add(slot, point.SparseIndices, point.SparseValues);
                payloadIndex.Add(slot, point.Payload);
                if (point.Dense is not null) hnsw?.Add(slot, point.Dense);
                totalDocumentLength += point.DocumentLength;
                sparseFloats += point.SparseIndices.Length;
            }
            return points.Count;
        }
        finally { gate.ExitWriteLock(); }
    }

    public long Delete(IReadOnlyList<string> ids, Filter? filter) => DeleteIds(ResolveIds(ids, filter));

    /// <summary>The ids of the points that exist among <paramref name="ids"/>, or that match <paramref name="filter"/>.</summary>
    public List<string> ResolveIds(IReadOnlyList<string> ids, Filter? filter)
    {
        gate.EnterReadLock();
        try
        {
            return filter is null
                ? ids.Where(slotById.ContainsKey).Distinct().ToList()
                : Admitted(filter).Select(s => slots[s]!.Id).ToList();
        }
        finally { gate.ExitReadLock(); }
    }

    public long DeleteIds(IReadOnlyList<string> ids)
    {
        gate.EnterWriteLock();
        try
        {
            long deleted = 0;
            foreach (var id in ids)
            {
                if (!slotById.TryGetValue(id, out var slot)) continue;
                RemoveSlot(slot);
                deleted++;
            }
            return deleted;
        }
        finally { gate.ExitWriteLock(); }
    }

    /// <summary>Every point, as stored (for a snapshot).</summary>
    public List<StoredPoint> Export()
    {
        gate.EnterReadLock();
        try { return slotById.Values.Select(s => slots[s]!).ToList(); }
        finally { gate.ExitReadLock(); }
    }

    /// <summary>Up to <paramref name="limit"/> points whose id sorts after <paramref name="afterId"/>, in id order.</summary>
    public List<StoredPoint> Scroll(string afterId, int limit, Filter? filter)
    {
        gate.EnterReadLock();
        try
        {
            IEnumerable<int> candidates = filter is null ? slotById.Values : Admitted(filter);
            return candidates
                .Select(s => slots[s]!)
                .Where(p => string.CompareOrdinal(p.Id, afterId) > 0)
                .OrderBy(p => p.Id, StringComparer.Ordinal)
                .Take(limit)
                .ToList();
        }
        finally { gate.ExitReadLock(); }
    }

    public long Count(Filter? filter)
    {
        gate.EnterReadLock();
        try
        {
            return filter is null ? slotById.Count : Admitted(filter).Count;
        }
        finally { gate.ExitReadLock(); }
    }

    /// <summary>
    /// Dense search: exact for small collections, when asked, or under a filter that admits few
    /// points (exact over those is then cheaper and never misses); otherwise the HNSW graph, with
    /// the filter applied as it walks.
    /// </summary>
    public List<(StoredPoint Point, float Score)> SearchDense(IReadOnlyList<float> query, Filter? filter, int limit, SearchParams? parameters = null) =>
        SearchDense(query, filter, limit, parameters, out _);

    public List<(StoredPoint Point, float Score)> SearchDense(IReadOnlyList<float> query, Filter? filter, int limit, SearchParams? parameters, out bool exact)
    {
        var distance = Spec.Dense!.Distance;
        var prepared = DenseSpace.Prepare(distance, query);
        gate.EnterReadLock();
        try
        {
            int threshold = Spec.Dense.Hnsw is { FullScanThreshold: > 0 } ? (int)Spec.Dense.Hnsw.FullScanThreshold : DefaultFullScanThreshold;
            exact = parameters?.Exact == true || hnsw is null || slotById.Count <= threshold;
            HashSet<int>? admitted = null;
            if (!exact && filter is not null)
            {
                admitted = Admitted(filter);
                exact = admitted.Count <= SelectiveFilterShare * slotById.Count;
            }
            if (exact)
            {
                var top = new TopK(limit);
                IEnumerable<int> candidates = admitted ?? Enumerable.Range(0, slots.Count);
                foreach (int slot in candidates)
                {
                    var point = slots[slot];
                    if (point?.Dense is null || (admitted is null && !FilterEvaluator.Matches(filter, point.Id, point.Payload)))
                        continue;
                    top.Offer(slot, DenseSpace.Score(distance, prepared, point.Dense));
                }
                return top.Drain().Select(h => (slots[h.Slot]!, h.Score)).ToList();
            }
            int ef = parameters is { Ef: > 0 } ? (int)parameters.Ef : Math.Max(2 * limit, 64);
            return hnsw!.Search(prepared, limit, ef, admitted is null ? null : admitted.Contains)
                .Select(h => (slots[h.Slot]!, h.Score)).ToList();
        }
        finally { gate.ExitReadLock(); }
    }

    public List<(StoredPoint Point, float Score)> SearchSparse(SparseVector query, Filter? filter, int limit)
    {
        gate.EnterReadLock();
        try
        {
            var scores = sparseIndex.Score(query.Indices, query.Values, slotById.Count, Spec.Sparse?.Idf ?? false);
            var top = new TopK(limit);
            foreach (var (slot, score) in scores)
            {
                var point = slots[slot]!;
                if (FilterEvaluator.Matches(filter, point.Id, point.Payload))
                    top.Offer(slot, score);
            }
            return top.Drain().Select(h => (slots[h.Slot]!, h.Score)).ToList();
        }
        finally { gate.ExitReadLock(); }
    }

    /// <summary>The slots a filter admits: candidates from the payload index (or all points), each checked whole.</summary>
    private HashSet<int> Admitted(Filter filter)
    {
        IEnumerable<int> candidates = payloadIndex.Candidates(filter) ?? (IEnumerable<int>)slotById.Values;
        return candidates.Where(s => FilterEvaluator.Matches(filter, slots[s]!.Id, slots[s]!.Payload)).ToHashSet();
    }

    private int AppendSlot()
    {
        slots.Add(null);
        return slots.Count - 1;
    }

    private void RemoveSlot(int slot)
    {
        var point = slots[slot]!;
        sparseIndex.Remove(slot, point.SparseIndices);
        payloadIndex.Remove(slot, point.Payload);
        hnsw?.Remove(slot);
        totalDocumentLength -= point.DocumentLength;
        sparseFloats -= point.SparseIndices.Length;
        slotById.Remove(point.Id);
        slots[slot] = null;
        freeSlots.Push(slot);
    }
}
