using System.ComponentModel.DataAnnotations;

namespace RagPlatform.QueryRouter.Routing;

/// <summary>Configuration section "QueryRouter:Routing".</summary>
public sealed class RoutingOptions
{
    /// <summary>Explicit rules, tried in order before any similarity: the first rules that match choose the sources.</summary>
    public List<RoutingRule> Rules { get; set; } = [];

    /// <summary>Least cosine between the question and a source's profile for the source to be chosen.</summary>
    [Range(-1.0, 1.0)]
    public double MinScore { get; set; } = 0.15;

    /// <summary>Sources scoring within this of the best one are searched too (a question may span sources).</summary>
    [Range(0.0, 2.0)]
    public double Margin { get; set; } = 0.05;

    /// <summary>Most sources one question is routed to by similarity.</summary>
    [Range(1, 100)]
    public int MaxSources { get; set; } = 3;

    /// <summary>Weight of the description's embedding in a profile; the rest is the centroid of the source's chunks.</summary>
    [Range(0.0, 1.0)]
    public double DescriptionWeight { get; set; } = 0.3;

    /// <summary>Chunks read (one per document, the first) to compute a source's centroid.</summary>
    [Range(1, 100_000)]
    public int ProfileSampleChunks { get; set; } = 2_000;

    /// <summary>A profile whose source changed is recomputed at most this often, so ingest storms stay cheap.</summary>
    public TimeSpan ProfileRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>A declared rule: a question matching any keyword (whole word, any case) or the pattern goes to the source.</summary>
public sealed class RoutingRule
{
    [Required]
    public string Source { get; set; } = "";

    public List<string> Keywords { get; set; } = [];

    /// <summary>A .NET regular expression, matched case-insensitively.</summary>
    public string? Pattern { get; set; }
}
