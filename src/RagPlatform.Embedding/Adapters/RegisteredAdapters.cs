using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Embedding.Encoders;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.Embedding.Adapters;

/// <summary>
/// Fine-tuned query adapters from the FineTuning service's registry, read from the folder it
/// writes (registry/&lt;tenant&gt;/&lt;name&gt;.json beside the adapter files, on a volume both
/// services share). Loaded adapters are cached per tenant and name, and dropped or reloaded when
/// their registry entry disappears or changes.
/// </summary>
public sealed class RegisteredAdapters(IOptions<EmbeddingOptions> options, IHostEnvironment environment)
{
    public const string Backend = "query-adapter";
    private readonly string? root = string.IsNullOrWhiteSpace(options.Value.RegistryDirectory) ? null
        : Path.Combine(Path.GetFullPath(options.Value.RegistryDirectory, environment.ContentRootPath), "registry");
    private readonly ConcurrentDictionary<(string Tenant, string Name), (DateTime Written, QueryAdapterModel Model)> loaded = new();

    /// <summary>The adapter registered under <paramref name="name"/> for the calling tenant, or null when there is none.</summary>
    public QueryAdapterModel? Find(string name, EncoderCatalog catalog)
    {
        if (root is null || !name.Contains('+') || name.Contains('/') || name.Contains('\\') || name.StartsWith('.')) return null;
        var tenant = TenantContext.Require();
        var path = Path.Combine(root, tenant, name + ".json");
        var written = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : default;
        if (written == default)
        {
            loaded.TryRemove((tenant, name), out _);
            return null;
        }
        if (loaded.TryGetValue((tenant, name), out var cached) && cached.Written == written) return cached.Model;
        var model = Load(path, catalog);
        loaded[(tenant, name)] = (written, model);
        return model;
    }

    /// <summary>The calling tenant's registered adapters whose base this service serves.</summary>
    public IEnumerable<Model> List(EncoderCatalog catalog)
    {
        var directory = root is null ? null : Path.Combine(root, TenantContext.Require());
        if (directory is null || !Directory.Exists(directory)) yield break;
        foreach (var path in Directory.EnumerateFiles(directory, "*.json"))
            if (Find(Path.GetFileNameWithoutExtension(path), catalog) is { } adapter) yield return adapter.Description;
    }

    private static QueryAdapterModel Load(string path, EncoderCatalog catalog)
    {
        var description = Model.Parser.ParseJson(File.ReadAllText(path));
        if (description.Backend != Backend)
            throw new FailedPreconditionException($"model '{description.Name}' is a {description.Backend} model, not a retrieval adapter this service serves");
        var baseEncoder = catalog.Get(description.BaseModel);
        if (baseEncoder.EmbeddingSpace != description.EmbeddingSpace)
            throw new FailedPreconditionException($"model '{description.Name}' was trained on {description.EmbeddingSpace}; {description.BaseModel} now serves {baseEncoder.EmbeddingSpace}");
        return new QueryAdapterModel(description, baseEncoder, QueryAdapterModel.ReadMatrix(description.Artifact, baseEncoder.Dimension));
    }
}
