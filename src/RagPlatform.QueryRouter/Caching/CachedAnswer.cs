using System.Buffers.Binary;
using Google.Protobuf;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>
/// A cached answer as stored: the corpus versions it was computed over, then the response.
/// Layout: version count (int32), the versions (int64 each), then the AskResponse's protobuf bytes.
/// </summary>
public sealed record CachedAnswer(long[] CorpusVersions, AskResponse Response)
{
    public byte[] Serialize()
    {
        int header = 4 + CorpusVersions.Length * 8;
        var bytes = new byte[header + Response.CalculateSize()];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, CorpusVersions.Length);
        for (int i = 0; i < CorpusVersions.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4 + i * 8), CorpusVersions[i]);
        Response.WriteTo(bytes.AsSpan(header));
        return bytes;
    }

    /// <summary>The entry, or null for bytes that are not one (an older layout is a miss, not garbage).</summary>
    public static CachedAnswer? Deserialize(byte[]? bytes)
    {
        if (bytes is null || bytes.Length < 4) return null;
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        int header = 4 + count * 8;
        if (count < 0 || count > 10_000 || bytes.Length < header) return null;
        var versions = new long[count];
        for (int i = 0; i < count; i++) versions[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(4 + i * 8));
        try
        {
            return new CachedAnswer(versions, AskResponse.Parser.ParseFrom(bytes.AsSpan(header)));
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    public bool IsCurrent(long[] versions) => CorpusVersions.AsSpan().SequenceEqual(versions);
}
