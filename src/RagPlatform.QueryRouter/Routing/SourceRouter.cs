using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Retrieval;
using RagPlatform.QueryRouter.Sources;
using RagPlatform.ServiceDefaults.Errors;
using Route = RagPlatform.Contracts.Query.V1.Route;

namespace RagPlatform.QueryRouter.Routing;

/// <summary>A routed source and the retrieval model its search uses.</summary>
public sealed record SearchTarget(Source Source, string Model);

/// <summary>Where a question goes: the route as the caller sees it, the sources to search, and the question's vectors.</summary>
public sealed record RoutePlan(Route Route, List<SearchTarget> Targets, IReadOnlyDictionary<string, QueryVectors> Queries);

/// <summary>
/// Chooses the sources a question is searched in, among those the caller may see: the ones the
/// caller names; else the only one; else those the declared rules pick; else those whose profile
/// is closest to the question (above a threshold, within a margin of the best, at most a few);
/// else all of them. Every choice carries its reason and, for similarity, its score.
/// </summary>
public sealed class SourceRouter(SourceRegistry registry, SourceProfiles profiles, QueryEmbedder embedder, IOptions<QueryRouterOptions> options)
{
    private readonly RuleMatcher rules = new(options.Value.Routing.Rules);

    private sealed record Candidate(Source Source, string Reason, float Score = 0);

    public async Task<RoutePlan> RouteAsync(string question, IReadOnlyList<string> requested, IReadOnlyList<string> callerTags,
        RetrievalOptions? retrieval, StageClock clock, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, QueryVectors>? known = null)
    {
        SourceValidator.ValidateTags(callerTags, "access_tags");
        SourceValidator.ValidateFusion(retrieval?.Fusion, "retrieval.fusion");
        Require.That(retrieval is null || retrieval.CandidateLimit <= 1000, "retrieval.candidate_limit", "must be at most 1000");
        var tags = callerTags.ToHashSet(StringComparer.Ordinal);
        var (candidates, decided) = await clock.TimeAsync("route", () => ChooseExplicitlyAsync(question, requested, tags, cancellationToken));

        var overrideModel = retrieval?.RetrievalModel ?? "";
        string ModelOf(Source s) => overrideModel.Length > 0 ? overrideModel : s.RetrievalModel;
        var mode = retrieval?.Mode ?? SearchMode.Unspecified;
        var models = candidates.Select(c => ModelOf(c.Source)).ToList();
        bool dense = mode != SearchMode.Sparse || !decided, sparse = mode != SearchMode.Dense;
        var queries = QueryEmbedder.AllKnown(known, models, dense, sparse)
            ?? await clock.TimeAsync("embed", () => embedder.EmbedAsync(question, models, dense, sparse, cancellationToken, known));
        if (!decided)
            candidates = await clock.TimeAsync("profile", () => ByProfileAsync(candidates, queries, ModelOf, cancellationToken));

        var route = new Route { StandaloneQuestion = question, RetrievalModel = string.Join(",", candidates.Select(c => ModelOf(c.Source)).Distinct()) };
        route.Sources.Add(candidates.Select(c => new SourceChoice { Source = c.Source.Name, Reason = c.Reason, Score = c.Score }));
        Activity.Current?.SetTag("ragplatform.route.sources", string.Join(",", candidates.Select(c => c.Source.Name)));
        return new RoutePlan(route, candidates.Select(c => new SearchTarget(c.Source, ModelOf(c.Source))).ToList(), queries);
    }

    private async Task<(List<Candidate>, bool Decided)> ChooseExplicitlyAsync(string question, IReadOnlyList<string> requested,
        HashSet<string> tags, CancellationToken cancellationToken)
    {
        if (requested.Count > 0)
        {
            var named = new List<Candidate>();
            for (int i = 0; i < requested.Count; i++)
                if (!named.Exists(c => c.Source.Name == requested[i]))
                    named.Add(new(await registry.FindVisibleAsync(requested[i], tags, $"sources[{i}]", cancellationToken), "named by the caller"));
            return (named, true);
        }
        var visible = await registry.VisibleAsync(tags, cancellationToken);
        if (visible.Count == 0)
            throw new FailedPreconditionException("there are no sources to search yet: ingest documents first");
        if (visible.Count == 1)
            return ([new(visible[0], "the only source the caller may see")], true);
        var byRule = rules.Match(question)
            .Select(m => (Source: visible.Find(s => s.Name == m.Source), m.Why))
            .Where(m => m.Source is not null)
            .Select(m => new Candidate(m.Source!, m.Why))
            .ToList();
        return byRule.Count > 0 ? (byRule, true) : (visible.Select(s => new Candidate(s, "")).ToList(), false);
    }

    private async Task<List<Candidate>> ByProfileAsync(List<Candidate> candidates, IReadOnlyDictionary<string, QueryVectors> queries,
        Func<Source, string> modelOf, CancellationToken cancellationToken)
    {
        var settings = options.Value.Routing;
        var scored = new List<Candidate>(candidates.Count);
        foreach (var candidate in candidates)
        {
            var model = modelOf(candidate.Source);
            var profile = await profiles.GetAsync(candidate.Source, model, cancellationToken);
            var query = queries[model].Dense;
            float score = profile is null || profile.Length != query.Length ? 0f : TensorPrimitives.CosineSimilarity(query, profile);
            scored.Add(candidate with { Score = score });
        }
        scored.Sort((a, b) => b.Score.CompareTo(a.Score));
        var best = scored[0];
        var chosen = scored
            .Where(c => c.Score >= settings.MinScore && c.Score >= best.Score - settings.Margin)
            .Take(settings.MaxSources)
            .Select(c => c with { Reason = $"profile similarity {c.Score:0.000} (best {best.Score:0.000}; threshold {settings.MinScore:0.00}, margin {settings.Margin:0.00})" })
            .ToList();
        if (chosen.Count > 0)
            return chosen;
        var why = $"no source's profile is close enough (best '{best.Source.Name}' at {best.Score:0.000} < {settings.MinScore:0.00}): all {scored.Count} sources the caller may see";
        return scored.Select(c => c with { Reason = why }).ToList();
    }
}
