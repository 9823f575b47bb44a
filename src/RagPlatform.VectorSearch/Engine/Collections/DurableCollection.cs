using Microsoft.Extensions.Logging;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.VectorSearch.Engine.Storage;
using RagPlatform.VectorSearch.Engine.Storage.Proto;

namespace RagPlatform.VectorSearch.Engine.Collections;

/// <summary>
/// A collection whose writes survive crashes: each write is appended to the log (and fsynced, unless
/// configured off) before it is applied in memory and acknowledged; a snapshot of all points lets
/// old log segments go. One writer at a time; readers never wait for the disk.
/// </summary>
public sealed class DurableCollection : IDisposable
{
    private readonly IStorage storage;
    private readonly string directory;
    private readonly DurabilityOptions options;
    private readonly SemaphoreSlim writer = new(1, 1);
    private readonly WriteAheadLog log;
    private Exception? storageFailure;

    private DurableCollection(IStorage storage, string directory, DurabilityOptions options, MemoryCollection state, WriteAheadLog log)
    {
        this.storage = storage;
        this.directory = directory;
        this.options = options;
        State = state;
        this.log = log;
    }

    /// <summary>The points as searched.</summary>
    public MemoryCollection State { get; }

    /// <summary>Loads the latest snapshot and replays the log after it. Reports a torn tail; refuses corruption.</summary>
    public static DurableCollection Open(IStorage storage, string directory, CollectionSpec spec, DurabilityOptions options, ILogger logger)
    {
        var state = new MemoryCollection(spec);
        var distance = spec.Dense?.Distance ?? Distance.Unspecified;
        ulong after = 0;
        if (SnapshotFile.ReadLatest(storage, directory) is { } snapshot)
        {
            after = snapshot.Sequence;
            state.Upsert(snapshot.Points.Select(p => StoredPoint.From(p, distance, prepared: true)).ToList());
        }
        var log = WriteAheadLog.Open(storage, directory, after, (_, entry) => Apply(state, entry, distance));
        if (log.TruncatedBytes > 0)
        {
            logger.LogWarning("Collection {Collection}: cut {Bytes} bytes of an incomplete last log record (a write interrupted by a crash, never acknowledged)",
                spec.Name, log.TruncatedBytes);
            VectorSearchTelemetry.TornTails.Add(1);
        }
        return new DurableCollection(storage, directory, options, state, log);
    }

    public async Task<long> UpsertAsync(IReadOnlyList<Point> points, CancellationToken cancellationToken)
    {
        var distance = State.Spec.Dense?.Distance ?? Distance.Unspecified;
        var stored = points.Select(p => StoredPoint.From(p, distance)).ToList();
        var entry = new WalEntry { Upsert = new UpsertPoints { Points = { points } } };
        await writer.WaitAsync(cancellationToken);
        try
        {
            Log(entry);
            State.Upsert(stored);
            SnapshotIfDue();
            return stored.Count;
        }
        finally { writer.Release(); }
    }

    public async Task<long> DeleteAsync(IReadOnlyList<string> ids, Filter? filter, CancellationToken cancellationToken)
    {
        await writer.WaitAsync(cancellationToken);
        try
        {
            var doomed = State.ResolveIds(ids, filter);
            if (doomed.Count == 0) return 0;
            Log(new WalEntry { Delete = new DeletePoints { Ids = { doomed } } });
            var deleted = State.DeleteIds(doomed);
            SnapshotIfDue();
            return deleted;
        }
        finally { writer.Release(); }
    }

    private void Log(WalEntry entry)
    {
        if (storageFailure is not null)
            throw new ServiceDefaults.Errors.UnavailableException(
                $"collection '{State.Spec.Name}' stopped taking writes after a storage error ({storageFailure.Message}); restart the service to recover from its log", storageFailure);
        try
        {
            log.Append(entry);
            // Once this returns the write is acknowledged: with fsync on, a power cut cannot take it back.
            log.Flush(durable: options.Fsync);
        }
        catch (IOException error)
        {
            // The log may now end in a partial record; appending after it would bury it mid-log.
            storageFailure = error;
            throw;
        }
    }

    private void SnapshotIfDue()
    {
        if (log.SegmentBytes >= options.SnapshotAfterBytes) WriteSnapshot();
    }

    private void WriteSnapshot()
    {
        ulong sequence = log.NextSequence - 1;
        SnapshotFile.Write(storage, directory, sequence, State.Export().Select(p => p.ToPoint(withVectors: true)).ToList());
        log.Rotate();
        SnapshotFile.DeleteOlderThan(storage, directory, sequence);
        log.DeleteSegmentsCoveredBy(sequence);
    }

    private static void Apply(MemoryCollection state, WalEntry entry, Distance distance)
    {
        switch (entry.OperationCase)
        {
            case WalEntry.OperationOneofCase.Upsert:
                state.Upsert(entry.Upsert.Points.Select(p => StoredPoint.From(p, distance)).ToList());
                break;
            case WalEntry.OperationOneofCase.Delete:
                state.DeleteIds(entry.Delete.Ids);
                break;
        }
    }

    public void Dispose()
    {
        log.Dispose();
        writer.Dispose();
    }
}
