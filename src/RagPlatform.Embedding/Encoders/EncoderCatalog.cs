using Microsoft.Extensions.Options;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Embedding.Encoders;

/// <summary>The dense encoders this service can serve, by name.</summary>
public sealed class EncoderCatalog(IEnumerable<IDenseEncoder> encoders, IOptions<EmbeddingOptions> options)
{
    private readonly Dictionary<string, IDenseEncoder> byName = encoders.ToDictionary(e => e.Name, StringComparer.Ordinal);

    public IEnumerable<IDenseEncoder> All => byName.Values;

    /// <summary>The named encoder, or the default for an empty name; NOT_FOUND for an unknown one.</summary>
    public IDenseEncoder Get(string? name)
    {
        var wanted = string.IsNullOrEmpty(name) ? options.Value.DefaultModel : name;
        return byName.TryGetValue(wanted, out var encoder)
            ? encoder
            : throw new NotFoundException($"model '{wanted}' is not served here; known: {string.Join(", ", byName.Keys)}");
    }
}
