using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace RagPlatform.Embedding.Caching;

/// <summary>A dense vector as cached: token count, truncation flag, then the floats, little-endian.</summary>
public readonly record struct CachedVector(float[] Vector, int TokenCount, bool Truncated)
{
    public byte[] Serialize()
    {
        var bytes = new byte[5 + Vector.Length * sizeof(float)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, TokenCount);
        bytes[4] = Truncated ? (byte)1 : (byte)0;
        MemoryMarshal.AsBytes(Vector.AsSpan()).CopyTo(bytes.AsSpan(5));
        return bytes;
    }

    public static CachedVector? Deserialize(byte[]? bytes, int dimension)
    {
        if (bytes is null || bytes.Length != 5 + dimension * sizeof(float)) return null;
        var vector = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(5)).ToArray();
        return new CachedVector(vector, BinaryPrimitives.ReadInt32LittleEndian(bytes), bytes[4] == 1);
    }
}
