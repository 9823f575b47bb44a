using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Adapters;

/// <summary>
/// Base-model vectors of training texts, from the Embedding service in batches, kept in an
/// append-only file per tenant and model (a 16-byte key of the text and its role, then the
/// vector), so that repeated jobs and a resumed job do not embed the same texts again.
/// </summary>
public sealed class BaseVectors(EmbeddingService.EmbeddingServiceClient embedding, string cacheDirectory)
{
    private const int BatchSize = 64;
    private static readonly SemaphoreSlim FileGate = new(1, 1);

    public async Task<float[][]> GetAsync(string model, int dimension, IReadOnlyList<string> texts, bool isQuery,
        IProgress<int>? progress, CancellationToken cancellationToken)
    {
        await FileGate.WaitAsync(cancellationToken);
        try
        {
            var path = Path.Combine(cacheDirectory, Uri.EscapeDataString(model) + ".vectors");
            var cached = Load(path, dimension);
            var keys = texts.Select(t => Key(t, isQuery)).ToArray();
            var missing = Enumerable.Range(0, texts.Count).Where(i => !cached.ContainsKey(keys[i])).DistinctBy(i => keys[i]).ToList();
            Directory.CreateDirectory(cacheDirectory);
            int done = texts.Count - missing.Count;
            progress?.Report(done);
            for (int start = 0; start < missing.Count; start += BatchSize)
            {
                var slice = missing.Skip(start).Take(BatchSize).ToList();
                var request = new EmbedRequest { Model = model, Dense = true, InputType = isQuery ? InputType.Query : InputType.Document };
                request.Texts.Add(slice.Select(i => texts[i]));
                EmbedResponse response;
                try { response = await embedding.EmbedAsync(request, cancellationToken: cancellationToken); }
                catch (RpcException error) when (error.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                {
                    throw new UnavailableException($"the Embedding service could not embed training texts: {error.Status.Detail}", error);
                }
                using var file = new FileStream(path, FileMode.Append, FileAccess.Write);
                for (int j = 0; j < slice.Count; j++)
                {
                    var vector = response.Embeddings[j].Dense.ToArray();
                    cached[keys[slice[j]]] = vector;
                    file.Write(MemoryMarshal.AsBytes(new[] { keys[slice[j]] }.AsSpan()));
                    file.Write(MemoryMarshal.AsBytes(vector.AsSpan()));
                }
                file.Flush(flushToDisk: true);
                done += slice.Count;
                progress?.Report(done);
            }
            return keys.Select(k => cached[k]).ToArray();
        }
        finally { FileGate.Release(); }
    }

    private static UInt128 Key(string text, bool isQuery) =>
        MemoryMarshal.Read<UInt128>(SHA256.HashData(Encoding.UTF8.GetBytes((isQuery ? "q\n" : "d\n") + text)));

    private static Dictionary<UInt128, float[]> Load(string path, int dimension)
    {
        var vectors = new Dictionary<UInt128, float[]>();
        if (!File.Exists(path)) return vectors;
        var bytes = File.ReadAllBytes(path);
        int record = 16 + 4 * dimension;
        // A record cut short by a crash is cut off, so that appends start on a record boundary.
        int complete = bytes.Length / record * record;
        if (complete != bytes.Length)
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Write)) file.SetLength(complete);
        for (int offset = 0; offset < complete; offset += record)
        {
            var key = MemoryMarshal.Read<UInt128>(bytes.AsSpan(offset, 16));
            vectors[key] = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(offset + 16, 4 * dimension)).ToArray();
        }
        return vectors;
    }
}
