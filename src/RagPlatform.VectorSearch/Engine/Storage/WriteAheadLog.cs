using System.Buffers.Binary;
using System.IO.Hashing;
using Google.Protobuf;
using RagPlatform.VectorSearch.Engine.Storage.Proto;

namespace RagPlatform.VectorSearch.Engine.Storage;

/// <summary>
/// An append-only log of acknowledged writes, in segments named by their first sequence number.
/// Each record is [length u32][crc32 u32][sequence u64][entry], the checksum covering sequence and
/// entry. On open, a torn last record (a crash mid-write) is cut off and reported; a bad record
/// followed by good ones is corruption, and opening fails with how to repair it.
/// </summary>
public sealed class WriteAheadLog : IDisposable
{
    private const int HeaderBytes = 16;
    private const string Prefix = "wal-";
    private readonly IStorage storage;
    private readonly string directory;
    private IAppendFile? current;
    private string? currentPath;

    private WriteAheadLog(IStorage storage, string directory)
    {
        this.storage = storage;
        this.directory = directory;
    }

    /// <summary>The sequence number the next record gets.</summary>
    public ulong NextSequence { get; private set; } = 1;

    /// <summary>Bytes in the current segment.</summary>
    public long SegmentBytes => current?.Length ?? 0;

    /// <summary>Bytes cut off a torn tail while opening (0 when the log was clean).</summary>
    public long TruncatedBytes { get; private set; }

    /// <summary>
    /// Opens the log in <paramref name="directory"/>, replaying every record with a sequence above
    /// <paramref name="after"/> (what a snapshot already holds) through <paramref name="apply"/>.
    /// </summary>
    public static WriteAheadLog Open(IStorage storage, string directory, ulong after, Action<ulong, WalEntry> apply)
    {
        var log = new WriteAheadLog(storage, directory);
        log.NextSequence = after + 1;
        var segments = storage.List(directory, Prefix + "*.log").ToList();
        for (int i = 0; i < segments.Count; i++)
            log.Replay(segments[i], isLast: i == segments.Count - 1, after, apply);
        if (segments.Count > 0)
        {
            log.currentPath = segments[^1];
            log.current = storage.OpenAppend(log.currentPath);
        }
        else log.StartSegment();
        return log;
    }

    /// <summary>Appends one entry; durable once <see cref="Flush"/> with durable: true returns.</summary>
    public ulong Append(WalEntry entry)
    {
        var body = entry.ToByteArray();
        var record = new byte[HeaderBytes + body.Length];
        ulong sequence = NextSequence++;
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)body.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(8), sequence);
        body.CopyTo(record, HeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(record.AsSpan(8)));
        current!.Append(record);
        return sequence;
    }

    public void Flush(bool durable) => current!.Flush(durable);

    /// <summary>Starts a new segment; older segments can then be deleted once a snapshot covers them.</summary>
    public void Rotate()
    {
        current?.Flush(durable: true);
        current?.Dispose();
        StartSegment();
    }

    /// <summary>Deletes every segment whose records all have sequence ≤ <paramref name="upTo"/>.</summary>
    public void DeleteSegmentsCoveredBy(ulong upTo)
    {
        var segments = storage.List(directory, Prefix + "*.log").ToList();
        for (int i = 0; i + 1 < segments.Count; i++)
        {
            // A segment's records end just before the next segment's first sequence.
            if (FirstSequence(segments[i + 1]) - 1 <= upTo && segments[i] != currentPath)
                storage.Delete(segments[i]);
        }
    }

    private void StartSegment()
    {
        currentPath = Path.Combine(directory, $"{Prefix}{NextSequence:D20}.log");
        current = storage.OpenAppend(currentPath);
    }

    private static ulong FirstSequence(string segment) =>
        ulong.Parse(Path.GetFileNameWithoutExtension(segment)[Prefix.Length..]);

    private void Replay(string segment, bool isLast, ulong after, Action<ulong, WalEntry> apply)
    {
        var bytes = storage.ReadAll(segment);
        long offset = 0;
        while (offset < bytes.Length)
        {
            if (!TryRead(bytes, offset, out var sequence, out var body, out long next))
            {
                if (isLast && !HasValidRecordAfter(bytes, offset))
                {
                    // A crash mid-append: the record was never acknowledged. Cut it off.
                    TruncatedBytes = bytes.Length - offset;
                    storage.Truncate(segment, offset);
                    return;
                }
                throw new WalCorruptionException(segment, offset);
            }
            if (sequence > after)
                apply(sequence, WalEntry.Parser.ParseFrom(body));
            NextSequence = Math.Max(NextSequence, sequence + 1);
            offset = next;
        }
    }

    private static bool TryRead(byte[] bytes, long offset, out ulong sequence, out ReadOnlySpan<byte> body, out long next)
    {
        sequence = 0;
        body = default;
        next = offset;
        if (bytes.Length - offset < HeaderBytes) return false;
        var span = bytes.AsSpan((int)offset);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(span);
        if (length > bytes.Length - offset - HeaderBytes) return false;
        uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        if (Crc32.HashToUInt32(span.Slice(8, 8 + (int)length)) != checksum) return false;
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(span[8..]);
        body = span.Slice(HeaderBytes, (int)length);
        next = offset + HeaderBytes + length;
        return true;
    }

    /// <summary>Whether any well-formed record starts somewhere after a bad one (then it is not a torn tail).</summary>
    private static bool HasValidRecordAfter(byte[] bytes, long badOffset)
    {
        for (long offset = badOffset + 1; offset + HeaderBytes <= bytes.Length; offset++)
            if (TryRead(bytes, offset, out _, out var body, out _) && body.Length > 0)
                return true;
        return false;
    }

    public void Dispose()
    {
        current?.Dispose();
        current = null;
    }
}
