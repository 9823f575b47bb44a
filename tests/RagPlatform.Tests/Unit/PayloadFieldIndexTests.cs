using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine.Collections;

namespace RagPlatform.Tests.Unit;

/// <summary>Filters answered through the payload index admit exactly what a full scan admits.</summary>
public sealed class PayloadFieldIndexTests
{
    private static CollectionSpec Spec(bool indexed) => new("c", new DenseVectorConfig { Dimension = 2, Distance = Distance.Dot }, null, "",
        indexed ? [new PayloadIndex { Field = "doc", Type = PayloadFieldType.Keyword }, new PayloadIndex { Field = "n", Type = PayloadFieldType.Integer },
                   new PayloadIndex { Field = "tags", Type = PayloadFieldType.Keyword }] : [], DateTimeOffset.UnixEpoch);

    [Fact]
    public void Indexed_and_scanned_filters_agree_through_upserts_and_deletes()
    {
        var random = new Random(9);
        var indexed = new MemoryCollection(Spec(indexed: true));
        var scanned = new MemoryCollection(Spec(indexed: false));
        for (int round = 0; round < 5; round++)
        {
            var points = Enumerable.Range(0, 200).Select(_ => Point(random)).GroupBy(p => p.Id).Select(g => g.Last()).ToList();
            indexed.Upsert(points);
            scanned.Upsert(points);
            var doomed = Enumerable.Range(0, 20).Select(_ => $"p{random.Next(300)}").ToList();
            indexed.DeleteIds(doomed);
            scanned.DeleteIds(doomed);
            for (int f = 0; f < 40; f++)
            {
                var filter = RandomFilter(random);
                Assert.Equal(scanned.Count(filter), indexed.Count(filter));
                Assert.Equal(scanned.ResolveIds([], filter).Order(), indexed.ResolveIds([], filter).Order());
            }
        }
    }

    private static StoredPoint Point(Random random) => new($"p{random.Next(300)}", [1f, 0f], [], [],
        new Struct
        {
            Fields =
            {
                ["doc"] = Value.ForString($"d{random.Next(10)}"),
                ["n"] = Value.ForNumber(random.Next(5)),
                ["tags"] = Value.ForList(Value.ForString($"t{random.Next(4)}"), Value.ForString($"t{random.Next(4)}")),
            },
        }, 1);

    private static Filter RandomFilter(Random random)
    {
        Condition Equal() => random.Next(3) switch
        {
            0 => new Condition { Field = new FieldCondition { Key = "doc", Match = new MatchValue { Keyword = $"d{random.Next(12)}" } } },
            1 => new Condition { Field = new FieldCondition { Key = "n", Match = new MatchValue { Integer = random.Next(6) } } },
            _ => new Condition { Field = new FieldCondition { Key = "tags", Any = new MatchAny { Keywords = { $"t{random.Next(5)}", $"t{random.Next(5)}" } } } },
        };
        var filter = new Filter();
        for (int i = random.Next(1, 3); i > 0; i--) filter.Must.Add(Equal());
        if (random.Next(2) == 0) filter.Should.Add(Equal());
        if (random.Next(2) == 0) filter.MustNot.Add(Equal());
        if (random.Next(3) == 0) filter.Must.Add(new Condition { Field = new FieldCondition { Key = "n", Range = new Contracts.Vectors.V1.Range { Gte = 1 } } });
        return filter;
    }
}
