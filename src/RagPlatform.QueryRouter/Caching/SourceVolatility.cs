using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>How often a source's data changes, which sets how long answers over it are cached.</summary>
public interface ISourceVolatility
{
    ValueTask<Volatility> OfAsync(string source, CancellationToken cancellationToken);
}

/// <summary>Until sources carry a profile, every source's volatility is unspecified (its own configured lifetime).</summary>
public sealed class UnspecifiedSourceVolatility : ISourceVolatility
{
    public ValueTask<Volatility> OfAsync(string source, CancellationToken cancellationToken) => ValueTask.FromResult(Volatility.Unspecified);
}
