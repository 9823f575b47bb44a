using System.Security.Cryptography;
using System.Text;

namespace RagPlatform.VectorSearch.Backends.Qdrant;

/// <summary>
/// Qdrant point ids must be unsigned integers or UUIDs, so a platform id (any string) becomes a
/// name-based UUID (RFC 9562 version 5: SHA-1 of a namespace and the name). The same id always maps
/// to the same UUID, so upserts replace and deletes find; the original id travels in the payload.
/// </summary>
public static class QdrantPointIds
{
    /// <summary>RagPlatform's own namespace for point ids (fixed forever: changing it orphans every point).</summary>
    public static readonly Guid PointNamespace = new("5a84c758-a13f-48a8-94a9-ee5b9b15b233");

    public static string ToUuid(string id) => NameBased(PointNamespace, id).ToString("D");

    public static Guid NameBased(Guid @namespace, string name)
    {
        Span<byte> input = stackalloc byte[16];
        @namespace.TryWriteBytes(input, bigEndian: true, out _);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var buffer = new byte[16 + nameBytes.Length];
        input.CopyTo(buffer);
        nameBytes.CopyTo(buffer, 16);

        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(buffer, hash);
        var uuid = hash[..16];
        uuid[6] = (byte)((uuid[6] & 0x0F) | 0x50); // version 5
        uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(uuid, bigEndian: true);
    }
}
