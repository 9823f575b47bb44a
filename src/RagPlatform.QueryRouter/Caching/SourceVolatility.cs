using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Sources;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>How often a source's data changes, which sets how long answers over it are cached.</summary>
public interface ISourceVolatility
{
    ValueTask<Volatility> OfAsync(string source, CancellationToken cancellationToken);
}

/// <summary>The volatility each source was created with (unspecified for one created by its first ingest).</summary>
public sealed class RegistrySourceVolatility(SourceRegistry registry) : ISourceVolatility
{
    public async ValueTask<Volatility> OfAsync(string source, CancellationToken cancellationToken) =>
        (await registry.FindOrNullAsync(source, cancellationToken))?.Volatility ?? Volatility.Unspecified;
}
