using RagPlatform.VectorSearch.Engine.Collections;

namespace RagPlatform.VectorSearch.Engine;

/// <summary>Keeps the k best hits seen, in a min-heap, and hands them back best first.</summary>
public sealed class TopK(int k)
{
    private readonly PriorityQueue<Hit, (float Score, int NegSlot)> heap = new(k + 1);

    public void Offer(int slot, float score)
    {
        if (k <= 0 || float.IsNaN(score)) return;
        // Ties break toward the earlier slot, so results are deterministic.
        var priority = (score, -slot);
        if (heap.Count < k)
        {
            heap.Enqueue(new Hit(slot, score), priority);
            return;
        }
        heap.TryPeek(out _, out var worst);
        if (priority.CompareTo(worst) > 0)
            heap.EnqueueDequeue(new Hit(slot, score), priority);
    }

    public List<Hit> Drain()
    {
        var result = new List<Hit>(heap.Count);
        while (heap.TryDequeue(out var hit, out _)) result.Add(hit);
        result.Reverse();
        return result;
    }
}
