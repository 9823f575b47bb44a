using System.Buffers.Binary;
using System.Text.Json;

namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// Reads the tensors the encoder needs out of a TF.js graph model: model.json's weights manifest
/// lists every weight in order with shape and dtype, and the shards hold them back to back.
/// </summary>
internal static class TfjsGraphReader
{
    public static Dictionary<string, UseLiteTensor> Read(string graphFile)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(graphFile));
        var directory = Path.GetDirectoryName(graphFile)!;
        var wanted = UseLiteTensorNames.All.ToDictionary(t => t.GraphName, t => t.Name, StringComparer.Ordinal);
        var found = new Dictionary<string, UseLiteTensor>(StringComparer.Ordinal);

        foreach (var group in manifest.RootElement.GetProperty("weightsManifest").EnumerateArray())
        {
            var bytes = Concatenate(directory, group.GetProperty("paths"));
            long offset = 0;
            foreach (var weight in group.GetProperty("weights").EnumerateArray())
            {
                var name = weight.GetProperty("name").GetString()!;
                var dtype = weight.GetProperty("dtype").GetString();
                if (weight.TryGetProperty("quantization", out _))
                    throw new InvalidDataException($"{name}: quantized weights are not supported");
                var shape = weight.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                long count = shape.Aggregate(1L, (a, b) => a * b);
                if (dtype is not ("float32" or "int32"))
                    throw new InvalidDataException($"{name}: dtype {dtype} is not supported");
                if (offset + count * 4 > bytes.Length)
                    throw new InvalidDataException($"{graphFile}: the shards end inside {name}");
                if (wanted.TryGetValue(name, out var shortName))
                    found[shortName] = new UseLiteTensor(shortName, shape, Decode(bytes.AsSpan((int)offset, (int)(count * 4)), dtype == "int32"));
                offset += count * 4;
            }
        }

        var missing = UseLiteTensorNames.All.Where(t => !found.ContainsKey(t.Name)).Select(t => t.GraphName).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{graphFile} lacks {missing.Count} tensors the encoder needs, e.g. {missing[0]}");
        return found;
    }

    private static byte[] Concatenate(string directory, JsonElement paths)
    {
        using var buffer = new MemoryStream();
        foreach (var path in paths.EnumerateArray())
        {
            using var shard = File.OpenRead(Path.Combine(directory, path.GetString()!));
            shard.CopyTo(buffer);
        }
        return buffer.ToArray();
    }

    private static float[] Decode(ReadOnlySpan<byte> bytes, bool isInt32)
    {
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            var word = bytes.Slice(i * 4, 4);
            values[i] = isInt32 ? BinaryPrimitives.ReadInt32LittleEndian(word) : BinaryPrimitives.ReadSingleLittleEndian(word);
        }
        return values;
    }
}
