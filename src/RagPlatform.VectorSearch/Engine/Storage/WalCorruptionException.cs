namespace RagPlatform.VectorSearch.Engine.Storage;

/// <summary>
/// A log record in the middle of a segment failed its checksum: acknowledged writes after it may be
/// unreadable, so the engine refuses to start rather than silently lose them.
/// </summary>
public sealed class WalCorruptionException(string segment, long offset)
    : Exception($"The write-ahead log {segment} is corrupt at byte {offset}: a record there fails its checksum and " +
                "valid records follow it, so this is not a torn write from a crash. Nothing was changed. To repair: " +
                "restore the collection folder from a backup, or accept losing every write from that record on by " +
                $"truncating the segment (truncate -s {offset} '{segment}') and deleting any later segments, then restart.")
{
    public string Segment { get; } = segment;
    public long Offset { get; } = offset;
}
