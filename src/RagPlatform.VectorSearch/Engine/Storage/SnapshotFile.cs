using System.Buffers.Binary;
using System.IO.Hashing;
using Google.Protobuf;
using RagPlatform.Contracts.Vectors.V1;

namespace RagPlatform.VectorSearch.Engine.Storage;

/// <summary>
/// Every point of a collection as of one log sequence number, checksummed whole:
/// "RPVS", version, sequence, count, then length-delimited points, then a CRC-32 of all before it.
/// Written atomically, so a crash leaves the previous snapshot in place.
/// </summary>
public static class SnapshotFile
{
    private static readonly byte[] Magic = "RPVS"u8.ToArray();
    private const uint Version = 1;
    private const string Prefix = "snapshot-";

    public static string PathFor(string directory, ulong sequence) => Path.Combine(directory, $"{Prefix}{sequence:D20}.bin");

    public static void Write(IStorage storage, string directory, ulong sequence, IReadOnlyCollection<Point> points)
    {
        using var buffer = new MemoryStream();
        buffer.Write(Magic);
        Span<byte> header = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Version);
        BinaryPrimitives.WriteUInt64LittleEndian(header[4..], sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(header[12..], (ulong)points.Count);
        buffer.Write(header);
        foreach (var point in points) point.WriteDelimitedTo(buffer);
        Span<byte> checksum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(checksum, Crc32.HashToUInt32(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        buffer.Write(checksum);
        storage.WriteAtomically(PathFor(directory, sequence), buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>The newest snapshot that checks out, or none. Older or broken ones are ignored.</summary>
    public static (ulong Sequence, List<Point> Points)? ReadLatest(IStorage storage, string directory)
    {
        foreach (var path in storage.List(directory, Prefix + "*.bin").OrderDescending(StringComparer.Ordinal))
        {
            var bytes = storage.ReadAll(path);
            if (bytes.Length < 28 || !bytes.AsSpan(0, 4).SequenceEqual(Magic)) continue;
            uint expected = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
            if (Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)) != expected) continue;
            ulong sequence = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8));
            ulong count = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16));
            using var stream = new MemoryStream(bytes, 24, bytes.Length - 28);
            var points = new List<Point>((int)count);
            for (ulong i = 0; i < count; i++) points.Add(Point.Parser.ParseDelimitedFrom(stream));
            return (sequence, points);
        }
        return null;
    }

    /// <summary>Deletes snapshots older than the one at <paramref name="keep"/>.</summary>
    public static void DeleteOlderThan(IStorage storage, string directory, ulong keep)
    {
        var kept = PathFor(directory, keep);
        foreach (var path in storage.List(directory, Prefix + "*.bin"))
            if (string.CompareOrdinal(path, kept) < 0) storage.Delete(path);
        foreach (var path in storage.List(directory, "*.tmp")) storage.Delete(path);
    }
}
