using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.QueryRouter.Ingestion;

namespace RagPlatform.Tests.Unit;

public sealed class ChunkGenerationsTests
{
    private static ScoredPoint Hit(string document, long generation, int index) => new()
    {
        Id = ChunkGenerations.PointId(document, generation, index),
        Payload = new Struct
        {
            Fields =
            {
                [ChunkPayload.DocumentId] = Value.ForString(document),
                [ChunkPayload.Generation] = Value.ForNumber(generation),
            },
        },
    };

    [Fact]
    public void Results_caught_between_two_generations_keep_only_each_documents_newest_in_order()
    {
        ScoredPoint[] hits = [Hit("a", 1, 0), Hit("b", 7, 3), Hit("a", 2, 0), Hit("a", 1, 1), Hit("b", 7, 4), Hit("a", 2, 5)];
        Assert.Equal(["b#7.3", "a#2.0", "b#7.4", "a#2.5"], ChunkGenerations.LatestOnly(hits).Select(h => h.Id));
    }

    [Fact]
    public void Results_of_one_generation_per_document_are_kept_as_they_are()
    {
        ScoredPoint[] hits = [Hit("a", 1, 0), Hit("b", 9, 0), Hit("a", 1, 1)];
        Assert.Equal(hits.Select(h => h.Id), ChunkGenerations.LatestOnly(hits).Select(h => h.Id));
    }

    [Fact]
    public void Generations_only_go_up_and_long_document_ids_still_make_valid_point_ids()
    {
        var generations = Enumerable.Range(0, 1000).Select(_ => ChunkGenerations.Next()).ToList();
        Assert.Equal(generations.Order(), generations);
        Assert.Equal(generations.Count, generations.Distinct().Count());
        var id = ChunkGenerations.PointId(new string('x', 256), generations[^1], 1999);
        Assert.InRange(id.Length, 1, 128);
        Assert.NotEqual(id, ChunkGenerations.PointId(new string('x', 255) + "y", generations[^1], 1999));
    }
}
