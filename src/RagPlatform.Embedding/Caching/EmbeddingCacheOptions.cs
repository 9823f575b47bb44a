using System.ComponentModel.DataAnnotations;

namespace RagPlatform.Embedding.Caching;

/// <summary>Configuration section "Embedding:Cache". The cache is on whenever ConnectionStrings:redis is set.</summary>
public sealed class EmbeddingCacheOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How long a cached vector lives.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Longest wait for Redis on the request path before answering without the cache.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>After a Redis failure, skip the cache this long before trying again.</summary>
    public TimeSpan CoolDown { get; set; } = TimeSpan.FromSeconds(5);
}
