using Microsoft.Extensions.Options;
using RagPlatform.Embedding.Encoders.UseLite;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Embedding.Encoders;

/// <summary>The dense encoders this service can serve, by name.</summary>
public sealed class EncoderCatalog
{
    private readonly Dictionary<string, IDenseEncoder> byName;

    public EncoderCatalog(IEnumerable<IDenseEncoder> encoders, IOptions<EmbeddingOptions> options)
    {
        byName = encoders.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var configured = options.Value.DefaultModel;
        DefaultModel = !string.IsNullOrEmpty(configured) ? configured
            : byName.ContainsKey(UseLiteEncoder.ModelName) ? UseLiteEncoder.ModelName
            : HashingEncoder.ModelName;
    }

    public IEnumerable<IDenseEncoder> All => byName.Values;

    /// <summary>The configured default, else use-lite when its weights are present, else hashing-v1.</summary>
    public string DefaultModel { get; }

    /// <summary>The named encoder, or the default for an empty name; NOT_FOUND for an unknown one.</summary>
    public IDenseEncoder Get(string? name)
    {
        var wanted = string.IsNullOrEmpty(name) ? DefaultModel : name;
        return byName.TryGetValue(wanted, out var encoder)
            ? encoder
            : throw new NotFoundException($"model '{wanted}' is not served here; known: {string.Join(", ", byName.Keys)}");
    }
}
