using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Retrieval;
using RagPlatform.QueryRouter.Sources;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>
/// The adaptive answer cache around Ask: an exact cache (same scope, same normalised question), then
/// a semantic cache (same scope and content terms, embedding within a strict threshold) that reuses
/// the question's embedding retrieval needs anyway. Entries remember the corpus versions they were
/// computed over; an entry over an older corpus is never served (STALE). Any Redis trouble makes
/// the call BYPASSED, never slower by more than the configured timeout.
/// </summary>
public sealed class AnswerCache(
    AnswerStore store,
    SemanticIndex semantic,
    CorpusVersions versions,
    ISourceVolatility volatility,
    IOptions<AnswerCacheOptions> options,
    ILogger<AnswerCache> logger)
{
    /// <summary>What a lookup found, and what storing the fresh answer needs.</summary>
    public sealed class Lookup
    {
        public CacheStatus Status { get; internal set; } = CacheStatus.Bypassed;
        /// <summary>Kind of hit or entry found: "exact", "semantic", or "" for none.</summary>
        public string Kind { get; internal set; } = "";
        /// <summary>The cached response, ready to return, on a hit.</summary>
        public AskResponse? Hit { get; internal set; }
        /// <summary>The question's embedding when the lookup computed it: retrieval reuses it.</summary>
        public EmbedResponse? Query { get; internal set; }
        internal CacheScope? Scope { get; init; }
        internal string Key { get; init; } = "";
        internal string Terms { get; init; } = "";
        internal string Sequence { get; init; } = "";
        internal long[]? Versions { get; init; }
    }

    /// <param name="embed">Embeds the question as retrieval would; called at most once, and only past an exact miss.</param>
    /// <param name="models">What of the model registry decides the answer, part of the key.</param>
    public async Task<Lookup> LookupAsync(AskRequest request, string models, StageClock clock, Func<Task<EmbedResponse>> embed,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        Require.That(System.Enum.IsDefined(request.Cache), "cache", $"unknown value {(int)request.Cache}");
        if (!settings.Enabled || request.Cache == CachePolicy.Bypass)
            return Record(new Lookup());
        using var activity = QueryRouterTelemetry.Source.StartActivity("answer cache lookup");
        var scope = CacheScope.Of(TenantContext.Require(), request, settings.PromptVersion, models);
        var key = scope.KeyOf(QuestionText.Normalize(request.Question));
        bool refresh = request.Cache == CachePolicy.Refresh;
        // The entry and the current versions are read together: one round trip's wait, not two.
        var (current, (available, bytes)) = await clock.TimeAsync("cache", async () =>
        {
            var reading = versions.ReadAsync(scope.VersionKeys);
            var entry = refresh ? (true, null) : await store.GetAsync(key);
            return (await reading, entry);
        });
        if (current is null || !available)
            return Record(new Lookup()); // Redis unreachable: no entry can be trusted, none can be stored
        var lookup = new Lookup
        {
            Scope = scope, Key = key, Terms = QuestionText.ContentTerms(request.Question),
            Sequence = QuestionText.ContentSequence(request.Question), Versions = current,
            Status = CacheStatus.Miss,
        };
        if (refresh)
            return Record(lookup);

        if (Judge(lookup, CachedAnswer.Deserialize(bytes), current, "exact", request))
            return Record(lookup);

        if (settings.SemanticEnabled && request.Retrieval?.Mode != SearchMode.Sparse)
        {
            lookup.Query = await embed();
            var match = await clock.TimeAsync("cache.semantic", () => semantic.FindAsync(lookup.Query.EmbeddingSpace,
                lookup.Query.Embeddings[0].Dense, scope.Hash, lookup.Terms, settings.SemanticThreshold, cancellationToken));
            if (match is not null && match.Key != lookup.Key && !QuestionText.SwapsRoles(match.Sequence, lookup.Sequence))
            {
                activity?.SetTag("ragplatform.cache.similarity", match.Similarity);
                var (found, other) = await clock.TimeAsync("cache.semantic", () => store.GetAsync(match.Key));
                if (found) Judge(lookup, CachedAnswer.Deserialize(other), current, "semantic", request);
            }
        }
        return Record(lookup);
    }

    /// <summary>Serves a current entry; marks an outdated one STALE (a later current one may still serve).</summary>
    private static bool Judge(Lookup lookup, CachedAnswer? entry, long[] current, string kind, AskRequest request)
    {
        if (entry is null) return false;
        if (!entry.IsCurrent(current))
        {
            lookup.Status = CacheStatus.Stale;
            lookup.Kind = kind;
            return false;
        }
        var response = entry.Response;
        response.CacheStatus = kind == "exact" ? CacheStatus.HitExact : CacheStatus.HitSemantic;
        response.ConversationId = request.ConversationId;
        response.Route.StandaloneQuestion = request.Question;
        response.TraceId = Activity.Current?.TraceId.ToString() ?? "";
        response.Usage = null; // no model ran for this answer
        lookup.Status = response.CacheStatus;
        lookup.Kind = kind;
        lookup.Hit = response;
        return true;
    }

    /// <summary>Caches a freshly computed answer; returns the status the response reports.</summary>
    public async Task<CacheStatus> StoreAsync(Lookup lookup, AskResponse response, CancellationToken cancellationToken)
    {
        if (lookup.Status == CacheStatus.Bypassed || lookup.Scope is null || lookup.Versions is null)
            return CacheStatus.Bypassed;
        var lifetime = await TimeToLiveAsync(response.Route, cancellationToken);
        if (lifetime <= TimeSpan.Zero)
            return CacheStatus.Bypassed; // a realtime source: never cached

        var entry = response.Clone();
        entry.Timings.Clear();
        entry.TraceId = "";
        entry.ConversationId = "";
        store.Set(lookup.Key, new CachedAnswer(lookup.Versions, entry).Serialize(), lifetime);
        if (lookup.Query is { } query && query.Embeddings[0].Dense.Count > 0)
            await IndexAsync(lookup, query, DateTimeOffset.UtcNow + lifetime, cancellationToken);
        return lookup.Status;
    }

    /// <summary>The shortest lifetime among the volatilities of the sources the answer came from.</summary>
    private async Task<TimeSpan> TimeToLiveAsync(Contracts.Query.V1.Route route, CancellationToken cancellationToken)
    {
        var lifetimes = options.Value.TimeToLive;
        var shortest = route.Sources.Count == 0 ? lifetimes.Unspecified : TimeSpan.MaxValue;
        foreach (var source in route.Sources)
        {
            var lifetime = lifetimes.Of(await volatility.OfAsync(source.Source, cancellationToken));
            if (lifetime < shortest) shortest = lifetime;
        }
        return shortest;
    }

    /// <summary>
    /// Adds the question to the semantic index within the request, under the caller's deadline like
    /// every other downstream call; a failure costs only a later semantic miss.
    /// </summary>
    private async Task IndexAsync(Lookup lookup, EmbedResponse query, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        try
        {
            await semantic.AddAsync(query.EmbeddingSpace, query.Dimension, query.Embeddings[0].Dense, lookup.Scope!.Hash,
                lookup.Terms, lookup.Sequence, lookup.Key, expires, cancellationToken);
        }
        catch (global::Grpc.Core.RpcException error) when (error.StatusCode != global::Grpc.Core.StatusCode.Cancelled)
        {
            logger.LogWarning("Could not index a cached question for semantic lookup: {Status}", error.Status.StatusCode);
        }
    }

    private static Lookup Record(Lookup lookup)
    {
        var status = lookup.Status switch
        {
            CacheStatus.HitExact or CacheStatus.HitSemantic => "hit",
            CacheStatus.Stale => "stale",
            CacheStatus.Miss => "miss",
            _ => "bypassed",
        };
        QueryRouterTelemetry.CacheLookups.Add(1, new KeyValuePair<string, object?>("status", status),
            new KeyValuePair<string, object?>("kind", lookup.Kind));
        Activity.Current?.SetTag("ragplatform.cache.lookup", lookup.Status.ToString());
        Activity.Current?.SetTag("ragplatform.cache.kind", lookup.Kind);
        return lookup;
    }

    /// <summary>Puts what the cache did for this request on its span.</summary>
    public static void Tag(Activity? span, CacheStatus status, Lookup lookup)
    {
        span?.SetTag("ragplatform.cache.status", status.ToString());
        span?.SetTag("ragplatform.cache.kind", lookup.Kind);
    }
}
