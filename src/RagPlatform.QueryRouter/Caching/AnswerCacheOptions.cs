using System.ComponentModel.DataAnnotations;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>
/// Configuration section "QueryRouter:Cache". Answers are cached in Redis when ConnectionStrings:redis
/// is set, else in this process's memory.
/// </summary>
public sealed class AnswerCacheOptions
{
    public const string Section = "QueryRouter:Cache";

    public bool Enabled { get; set; } = true;

    /// <summary>Also serve close rephrasings of a question answered before.</summary>
    public bool SemanticEnabled { get; set; } = true;

    /// <summary>
    /// Least cosine similarity between two questions' embeddings for a semantic hit; their content
    /// terms must also be the same (see <see cref="QuestionText.ContentTerms"/>).
    /// </summary>
    [Range(0.5, 1.0)]
    public float SemanticThreshold { get; set; } = 0.85f;

    /// <summary>Changing it retires every cached answer (for a new prompt or answering behaviour).</summary>
    [Required]
    public string PromptVersion { get; set; } = "1";

    /// <summary>How long an answer lives, by the volatility of the sources it came from; the shortest wins.</summary>
    public VolatilityTimeToLive TimeToLive { get; set; } = new();

    /// <summary>Longest wait for Redis on the request path before answering without it.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>After a Redis failure, skip Redis this long before trying again.</summary>
    public TimeSpan CoolDown { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Answers kept in memory when there is no Redis (least recently used go first).</summary>
    [Range(1, 10_000_000)]
    public int MaxMemoryEntries { get; set; } = 10_000;
}

/// <summary>Answer lifetimes per source volatility; zero means answers over such a source are never cached.</summary>
public sealed class VolatilityTimeToLive
{
    public TimeSpan Unspecified { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan Static { get; set; } = TimeSpan.FromDays(1);
    public TimeSpan Daily { get; set; } = TimeSpan.FromHours(1);
    public TimeSpan Hourly { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan Realtime { get; set; } = TimeSpan.Zero;

    public TimeSpan Of(Volatility volatility) => volatility switch
    {
        Volatility.Static => Static,
        Volatility.Daily => Daily,
        Volatility.Hourly => Hourly,
        Volatility.Realtime => Realtime,
        _ => Unspecified,
    };
}
