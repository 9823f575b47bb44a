using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Tests.Infrastructure;
using RagPlatform.VectorSearch.Engine.Collections;
using RagPlatform.VectorSearch.Engine.Storage;

namespace RagPlatform.Tests.Unit;

/// <summary>The embedded engine's storage under simulated power cuts and damaged logs.</summary>
public sealed class DurableCollectionTests
{
    private const string Directory = "/data/c";
    private static readonly CollectionSpec Spec = new("c", new DenseVectorConfig { Dimension = 4, Distance = Distance.Cosine },
        new SparseVectorConfig { Idf = true }, "space", [], DateTimeOffset.UnixEpoch);

    private static DurableCollection Open(IStorage storage, bool fsync = true, long snapshotAfter = 2048) =>
        DurableCollection.Open(storage, Directory, Spec, new DurabilityOptions { Fsync = fsync, SnapshotAfterBytes = snapshotAfter }, NullLogger.Instance);

    private static Point RandomPoint(Random random, string id) => new()
    {
        Id = id,
        Dense = { Enumerable.Range(0, 4).Select(_ => (float)random.NextDouble() + 0.01f) },
        Sparse = new SparseVector { Indices = { (uint)random.Next(10) }, Values = { 1f } },
        Payload = new Struct { Fields = { ["v"] = Value.ForNumber(random.Next(1000)), ["group"] = Value.ForNumber(random.Next(3)) } },
    };

    private static Dictionary<string, string> Contents(DurableCollection collection) =>
        collection.State.Export().ToDictionary(p => p.Id, p => p.ToPoint(withVectors: true).ToString());

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Every_acknowledged_write_survives_a_power_cut_and_nothing_half_written_appears(int seed)
    {
        var random = new Random(seed);
        var storage = new PowerCutStorage(seed);
        storage.CreateDirectory(Directory);
        var acknowledged = new Dictionary<string, Point>();
        var collection = Open(storage);
        for (int crash = 0; crash < 5; crash++)
        {
            storage.CutPowerAtSync(random.Next(1, 40));
            Dictionary<string, Point>? inFlight = null;
            try
            {
                while (true)
                {
                    var next = new Dictionary<string, Point>(acknowledged);
                    inFlight = next;
                    if (random.Next(4) == 0 && acknowledged.Count > 0)
                    {
                        var victim = acknowledged.Keys.ElementAt(random.Next(acknowledged.Count));
                        next.Remove(victim);
                        await collection.DeleteAsync([victim], null, CancellationToken.None);
                    }
                    else
                    {
                        var batch = Enumerable.Range(0, random.Next(1, 5)).Select(_ => RandomPoint(random, $"p{random.Next(60)}"))
                            .GroupBy(p => p.Id).Select(g => g.Last()).ToList();
                        foreach (var point in batch) next[point.Id] = point;
                        await collection.UpsertAsync(batch, CancellationToken.None);
                    }
                    acknowledged = next;
                }
            }
            catch (IOException) { } // the power went during a write: that write was never acknowledged

            collection = Open(storage); // the process is gone; start again from what is on disk
            var recovered = Contents(collection);
            var expected = Expected(acknowledged);
            // The interrupted write is either wholly there or wholly absent, never in part.
            if (!Same(recovered, expected))
            {
                Assert.Equal(Expected(inFlight!), recovered);
                acknowledged = inFlight!;
            }
        }
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 20)];

    [Fact]
    public async Task Without_fsync_a_power_cut_loses_acknowledged_writes_which_the_harness_detects()
    {
        var storage = new PowerCutStorage(1);
        storage.CreateDirectory(Directory);
        var collection = Open(storage, fsync: false);
        var random = new Random(1);
        for (int i = 0; i < 10; i++) await collection.UpsertAsync([RandomPoint(random, $"p{i}")], CancellationToken.None);
        storage.CutPower(keepTorn: false);
        Assert.True(Open(storage).State.Count(null) < 10);
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_off_and_reported()
    {
        var storage = new PowerCutStorage(2);
        storage.CreateDirectory(Directory);
        var collection = Open(storage, snapshotAfter: long.MaxValue);
        var random = new Random(2);
        for (int i = 0; i < 5; i++) await collection.UpsertAsync([RandomPoint(random, $"p{i}")], CancellationToken.None);
        var segment = storage.List(Directory, "wal-*.log").Single();
        storage.Truncate(segment, storage.LengthOf(segment) - 7); // the last record lost its end

        var reopened = Open(storage, snapshotAfter: long.MaxValue);
        Assert.Equal(4, reopened.State.Count(null));
        Assert.True(storage.LengthOf(segment) > 0);
        await reopened.UpsertAsync([RandomPoint(random, "after")], CancellationToken.None);
        Assert.Equal(5, Open(storage, snapshotAfter: long.MaxValue).State.Count(null)); // the log goes on cleanly after the cut
    }

    [Fact]
    public async Task A_corrupt_record_in_the_middle_stops_the_start_with_a_repair_path()
    {
        var storage = new PowerCutStorage(3);
        storage.CreateDirectory(Directory);
        var collection = Open(storage, snapshotAfter: long.MaxValue);
        var random = new Random(3);
        for (int i = 0; i < 5; i++) await collection.UpsertAsync([RandomPoint(random, $"p{i}")], CancellationToken.None);
        var segment = storage.List(Directory, "wal-*.log").Single();
        storage.Corrupt(segment, 30); // inside the first record's body

        var error = Assert.Throws<WalCorruptionException>(() => Open(storage, snapshotAfter: long.MaxValue));
        Assert.Equal(0, error.Offset);
        Assert.Contains("truncate -s 0", error.Message);
        Assert.Contains("backup", error.Message);
    }

    [Fact]
    public async Task Snapshots_replace_old_log_segments_and_recovery_combines_both()
    {
        var storage = new PowerCutStorage(4);
        storage.CreateDirectory(Directory);
        var collection = Open(storage, snapshotAfter: 1024);
        var random = new Random(4);
        for (int i = 0; i < 40; i++) await collection.UpsertAsync([RandomPoint(random, $"p{i}")], CancellationToken.None);
        await collection.DeleteAsync([], new Filter { Must = { new Condition { Field = new FieldCondition { Key = "group", Match = new MatchValue { Integer = 0 } } } } }, CancellationToken.None);
        var before = Contents(collection);

        Assert.Single(storage.List(Directory, "snapshot-*.bin"));
        Assert.True(storage.List(Directory, "wal-*.log").Count() <= 2);
        Assert.Equal(before, Contents(Open(storage, snapshotAfter: 1024)));
    }

    private static Dictionary<string, string> Expected(Dictionary<string, Point> points)
    {
        var distance = Spec.Dense!.Distance;
        return points.Values.ToDictionary(p => p.Id, p => StoredPoint.From(p, distance).ToPoint(withVectors: true).ToString());
    }

    private static bool Same(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(e => b.TryGetValue(e.Key, out var v) && v == e.Value);
}
