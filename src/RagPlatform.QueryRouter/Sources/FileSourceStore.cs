using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>
/// The single-process store: each tenant's sources in one JSON file, rewritten whole through a
/// temporary file and a rename (after an fsync), so a crash leaves the old file or the new one.
/// </summary>
public sealed class FileSourceStore(IOptions<QueryRouterOptions> options, IHostEnvironment environment) : ISourceStore
{
    private sealed class TenantFile
    {
        public Dictionary<string, string> Sources { get; set; } = [];
        public Dictionary<string, string> IdempotencyKeys { get; set; } = [];
    }

    private readonly string directory = Path.Combine(Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath), "sources");
    private readonly Dictionary<string, TenantFile> loaded = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);

    public Task<Source?> GetAsync(string tenant, string name, CancellationToken cancellationToken) =>
        Read(tenant, file => file.Sources.TryGetValue(name, out var json) ? Parse(json) : null, cancellationToken);

    public Task<Source?> GetLatestAsync(string tenant, string name, CancellationToken cancellationToken) =>
        GetAsync(tenant, name, cancellationToken);

    public Task<IReadOnlyList<Source>> ListAsync(string tenant, CancellationToken cancellationToken) =>
        Read<IReadOnlyList<Source>>(tenant, file => file.Sources.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => Parse(s.Value)).ToList(),
            cancellationToken);

    public Task<bool> TryAddAsync(string tenant, Source source, string idempotencyKey, CancellationToken cancellationToken) =>
        Write(tenant, file =>
        {
            if (file.Sources.ContainsKey(source.Name) || (idempotencyKey.Length > 0 && file.IdempotencyKeys.ContainsKey(idempotencyKey)))
                return false;
            file.Sources[source.Name] = JsonFormatter.Default.Format(source);
            if (idempotencyKey.Length > 0) file.IdempotencyKeys[idempotencyKey] = source.Name;
            return true;
        }, cancellationToken);

    public Task<string?> NameForKeyAsync(string tenant, string idempotencyKey, CancellationToken cancellationToken) =>
        Read(tenant, file => file.IdempotencyKeys.GetValueOrDefault(idempotencyKey), cancellationToken);

    public Task<bool> TryReplaceAsync(string tenant, Source expected, Source updated, CancellationToken cancellationToken) =>
        Write(tenant, file =>
        {
            if (!file.Sources.TryGetValue(expected.Name, out var json) || !Parse(json).Equals(expected)) return false;
            file.Sources[expected.Name] = JsonFormatter.Default.Format(updated);
            return true;
        }, cancellationToken);

    public Task<bool> DeleteAsync(string tenant, string name, CancellationToken cancellationToken) =>
        Write(tenant, file => file.Sources.Remove(name), cancellationToken);

    private static Source Parse(string json) => JsonParser.Default.Parse<Source>(json);

    private Task<T> Read<T>(string tenant, Func<TenantFile, T> read, CancellationToken cancellationToken) =>
        Locked(tenant, file => (read(file), false), cancellationToken);

    /// <summary>Applies a change; true from <paramref name="change"/> means it changed the file, which is then saved.</summary>
    private Task<bool> Write(string tenant, Func<TenantFile, bool> change, CancellationToken cancellationToken) =>
        Locked(tenant, file => { bool changed = change(file); return (changed, changed); }, cancellationToken);

    private async Task<T> Locked<T>(string tenant, Func<TenantFile, (T Result, bool Save)> work, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!loaded.TryGetValue(tenant, out var file))
            {
                var path = PathOf(tenant);
                file = File.Exists(path) ? JsonSerializer.Deserialize<TenantFile>(await File.ReadAllBytesAsync(path, cancellationToken)) ?? new() : new();
                loaded[tenant] = file;
            }
            var (result, save) = work(file);
            if (save) Save(tenant, file);
            return result;
        }
        finally { gate.Release(); }
    }

    private void Save(string tenant, TenantFile file)
    {
        Directory.CreateDirectory(directory);
        var path = PathOf(tenant);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, file, new JsonSerializerOptions { WriteIndented = true });
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    // Tenant ids are validated to a file-name-safe alphabet by the tenancy interceptor.
    private string PathOf(string tenant) => Path.Combine(directory, tenant + ".json");
}
