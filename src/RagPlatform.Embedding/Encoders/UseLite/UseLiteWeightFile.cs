using System.Runtime.InteropServices;
using System.Text;

namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// The compact weight file: only the tensors the forward pass reads, float32 little-endian, one
/// file read in a single pass. Layout: magic, tensor count, then per tensor its name, rank, dims and
/// element count followed by its values.
/// </summary>
internal static class UseLiteWeightFile
{
    private static readonly byte[] Magic = "RAGUSEL1"u8.ToArray();

    /// <summary>The compact file when it is there and whole; else the TF.js graph, cached as one.</summary>
    public static Dictionary<string, UseLiteTensor> LoadOrConvert(UseLiteModelLocation location, Action<string>? report = null)
    {
        if (File.Exists(location.CompactWeightsFile))
        {
            try { return Read(location.CompactWeightsFile); }
            catch (InvalidDataException error) { report?.Invoke($"rebuilding {location.CompactWeightsFile}: {error.Message}"); }
        }
        var tensors = TfjsGraphReader.Read(location.GraphFile);
        try
        {
            Write(location.CompactWeightsFile, tensors);
            report?.Invoke($"wrote {location.CompactWeightsFile}");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A read-only model folder still serves, converting on each start.
            report?.Invoke($"could not cache {location.CompactWeightsFile}: {error.Message}");
        }
        return tensors;
    }

    public static void Write(string path, IReadOnlyDictionary<string, UseLiteTensor> tensors)
    {
        // Written beside the target and renamed, so concurrent first loads never see half a file.
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8))
            {
                writer.Write(Magic);
                writer.Write(UseLiteTensorNames.All.Count);
                foreach (var (name, _) in UseLiteTensorNames.All)
                {
                    var tensor = tensors[name];
                    writer.Write(name);
                    writer.Write(tensor.Shape.Length);
                    foreach (int dimension in tensor.Shape) writer.Write(dimension);
                    writer.Write(tensor.Data.Length);
                    writer.Write(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
                }
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public static Dictionary<string, UseLiteTensor> Read(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the weight file is little-endian");
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException("not a USE-lite weight file of this version");
            int count = reader.ReadInt32();
            var tensors = new Dictionary<string, UseLiteTensor>(StringComparer.Ordinal);
            for (int t = 0; t < count; t++)
            {
                string name = reader.ReadString();
                var shape = new int[reader.ReadInt32()];
                for (int d = 0; d < shape.Length; d++) shape[d] = reader.ReadInt32();
                var data = new float[reader.ReadInt32()];
                if (data.Length != shape.Aggregate(1, (a, b) => a * b))
                    throw new InvalidDataException($"{name}: {data.Length} values for shape [{string.Join(", ", shape)}]");
                stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
                tensors[name] = new UseLiteTensor(name, shape, data);
            }
            var missing = UseLiteTensorNames.All.FirstOrDefault(n => !tensors.ContainsKey(n.Name)).Name;
            if (missing is not null) throw new InvalidDataException($"it lacks {missing}");
            return tensors;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("the file ends early");
        }
    }
}
