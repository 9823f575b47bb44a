using System.Numerics.Tensors;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine.Index;

namespace RagPlatform.Tests.Unit;

public sealed class HnswIndexTests
{
    private const int Dimension = 32;

    private static float[] Unit(Random random)
    {
        var v = Enumerable.Range(0, Dimension).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }

    private static List<int> Exact(List<float[]> data, float[] query, int k, Func<int, bool> alive) =>
        Enumerable.Range(0, data.Count).Where(alive)
            .OrderByDescending(i => TensorPrimitives.Dot(query, data[i])).Take(k).ToList();

    [Fact]
    public void Recall_at_10_is_high_against_exact_search()
    {
        var random = new Random(5);
        var data = Enumerable.Range(0, 4000).Select(_ => Unit(random)).ToList();
        var index = new HnswIndex(Dimension, Distance.Cosine, m: 16, efConstruction: 100);
        for (int i = 0; i < data.Count; i++) index.Add(i, data[i]);

        double recall = 0;
        for (int q = 0; q < 100; q++)
        {
            var query = Unit(random);
            var truth = Exact(data, query, 10, _ => true).ToHashSet();
            recall += index.Search(query, 10, 100, null).Count(h => truth.Contains(h.Slot)) / 10.0;
        }
        Assert.True(recall / 100 >= 0.95, $"recall@10 was {recall / 100:0.000}");
    }

    [Fact]
    public void Deleted_and_replaced_points_are_never_returned_and_the_graph_still_finds_the_rest()
    {
        var random = new Random(6);
        var data = Enumerable.Range(0, 2000).Select(_ => Unit(random)).ToList();
        var index = new HnswIndex(Dimension, Distance.Cosine);
        for (int i = 0; i < data.Count; i++) index.Add(i, data[i]);
        for (int i = 0; i < data.Count; i += 3) index.Remove(i);           // a third deleted
        for (int i = 1; i < data.Count; i += 3) index.Add(i, data[i] = Unit(random)); // a third moved
        Assert.Equal(data.Count - (data.Count + 2) / 3, index.Count);

        double recall = 0;
        for (int q = 0; q < 50; q++)
        {
            var query = Unit(random);
            var hits = index.Search(query, 10, 128, null);
            Assert.All(hits, h => Assert.NotEqual(0, h.Slot % 3));
            var truth = Exact(data, query, 10, i => i % 3 != 0).ToHashSet();
            recall += hits.Count(h => truth.Contains(h.Slot)) / 10.0;
            // A moved point scores with its new vector.
            foreach (var (slot, score) in hits) Assert.Equal(TensorPrimitives.Dot(query, data[slot]), score, 4);
        }
        Assert.True(recall / 50 >= 0.9, $"recall@10 after deletes and updates was {recall / 50:0.000}");
    }

    [Fact]
    public void A_filter_is_applied_while_walking_the_graph()
    {
        var random = new Random(7);
        var data = Enumerable.Range(0, 3000).Select(_ => Unit(random)).ToList();
        var index = new HnswIndex(Dimension, Distance.Dot);
        for (int i = 0; i < data.Count; i++) index.Add(i, data[i]);
        double recall = 0;
        for (int q = 0; q < 50; q++)
        {
            var query = Unit(random);
            var hits = index.Search(query, 10, 200, slot => slot % 2 == 0);
            Assert.All(hits, h => Assert.Equal(0, h.Slot % 2));
            var truth = Exact(data, query, 10, i => i % 2 == 0).ToHashSet();
            recall += hits.Count(h => truth.Contains(h.Slot)) / 10.0;
        }
        Assert.True(recall / 50 >= 0.9, $"filtered recall@10 was {recall / 50:0.000}");
    }
}
