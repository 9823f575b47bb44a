using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>
/// Where source definitions live, per tenant: Redis when configured (every router replica agrees),
/// else a file under the router's data directory. Only the definition is stored; counts and
/// corpus versions are read live.
/// </summary>
public interface ISourceStore
{
    Task<Source?> GetAsync(string tenant, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Like <see cref="GetAsync"/>, but never answered from a remembered copy: for checking that a
    /// write landed where the source still points.
    /// </summary>
    Task<Source?> GetLatestAsync(string tenant, string name, CancellationToken cancellationToken);

    /// <summary>The tenant's sources, ordered by name.</summary>
    Task<IReadOnlyList<Source>> ListAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Adds the source and records its idempotency key (when given); false when the name or the key is taken.</summary>
    Task<bool> TryAddAsync(string tenant, Source source, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>The source name a create with this key made, if any.</summary>
    Task<string?> NameForKeyAsync(string tenant, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Replaces <paramref name="expected"/> by <paramref name="updated"/> only if it is still what is stored.</summary>
    Task<bool> TryReplaceAsync(string tenant, Source expected, Source updated, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(string tenant, string name, CancellationToken cancellationToken);
}
