using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Caching;
using RagPlatform.QueryRouter.Conversations;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.QueryRouter.Retrieval;
using RagPlatform.QueryRouter.Routing;
using RagPlatform.ServiceDefaults.Errors;
using Route = RagPlatform.Contracts.Query.V1.Route;

namespace RagPlatform.QueryRouter.Answering;

/// <summary>
/// The request path of Ask: route to sources, decide the strategy, retrieve and aggregate (unless a
/// fine-tuned model answers alone), generate the answer, and map its citations back to documents and character ranges.
/// </summary>
public sealed class AskPipeline(
    SourceRouter router,
    Retriever retriever,
    QueryEmbedder embedder,
    GenerationService.GenerationServiceClient generation,
    AnswerCache cache,
    ConversationMemory conversations,
    StrategyChoice strategies,
    IOptions<QueryRouterOptions> options)
{
    /// <summary>Everything before generation: the strategy, the route and the numbered passages (none without retrieval).</summary>
    public sealed record Prepared(AskRequest Request, Route Route, List<RetrievedChunk> Chunks, StageClock Clock, GenerateRequest Generate);

    /// <param name="fineTuned">The fine-tuned chat model the request may use (<see cref="StrategyChoice.FineTunedModelAsync"/>).</param>
    public async Task<Prepared> PrepareAsync(AskRequest request, Model? fineTuned, CancellationToken cancellationToken,
        StageClock? clock = null, EmbedResponse? embedded = null)
    {
        Require.That(request.Retrieval is null || request.Retrieval.TopK <= 100, "retrieval.top_k", "must be at most 100");
        clock ??= new StageClock();
        // A fine-tuned model alone needs no sources; every other choice (AUTO's too) looks at where the question goes.
        var plan = request.Strategy == Strategy.FineTuned ? null
            : await RouteAsync(request.Question, request.Sources, request.AccessTags, request.Retrieval, clock, cancellationToken, embedded);
        var facts = new StrategyFacts(StrategyChoice.LatencyBudget(request),
            plan?.Targets.Select(t => t.Source.Volatility).ToList() ?? [], fineTuned);
        var decision = strategies.Decider.Decide(request.Strategy, request.Question, facts, fineTuned);
        Tag(Activity.Current, decision);

        var model = decision.FineTuned?.Name ?? request.GenerationModel;
        var retrieved = decision.Retrieves ? await retriever.RetrieveAsync(plan!, request.Retrieval, clock, cancellationToken) : [];
        var chunks = PassageBudget.Pack(retrieved, c => ChunkPayload.GetString(c.Payload, ChunkPayload.Text), PassageTokenBudget(model));
        var route = plan?.Route ?? new Route { StandaloneQuestion = request.Question };
        route.Strategy = decision.Strategy;
        route.Reason = decision.Reason;
        route.GenerationModel = model;
        var generate = new GenerateRequest { Question = request.Question, Model = model };
        // Sentence vectors serve the extractive answerer; a fine-tuned or other generative chat model never reads them.
        bool withVectors = decision.FineTuned is null && !await strategies.IsGenerativeAsync(model, cancellationToken);
        generate.Passages.Add(chunks.Select(c => ToPassage(c, withVectors)));
        var queries = withVectors ? plan?.Queries ?? new Dictionary<string, QueryVectors>() : new Dictionary<string, QueryVectors>();
        generate.QueryEmbeddings.Add(queries.Where(q => q.Value.Dense.Length > 0).Select(q =>
            new QueryEmbedding { Model = q.Key, EmbeddingSpace = q.Value.EmbeddingSpace, Dense = { q.Value.Dense } }));
        return new Prepared(request, route, chunks, clock, generate);
    }

    /// <summary>The decision and its reason on the request's span.</summary>
    private static void Tag(Activity? span, StrategyDecision decision)
    {
        span?.SetTag("ragplatform.strategy", decision.Strategy.ToString());
        span?.SetTag("ragplatform.strategy.reason", decision.Reason);
        span?.SetTag("ragplatform.strategy.rule", decision.Rule);
        if (decision.FineTuned is { } model) span?.SetTag("ragplatform.strategy.model", model.Name);
    }

    /// <summary>Retrieve: the passages alone, whole, best first.</summary>
    public async Task<RetrieveResponse> RetrieveAsync(RetrieveRequest request, CancellationToken cancellationToken)
    {
        Require.That(request.Retrieval is null || request.Retrieval.TopK <= 1000, "retrieval.top_k", "must be at most 1000");
        var clock = new StageClock();
        var (route, chunks) = await RouteAndRetrieveAsync(request.Question, request.Sources, request.AccessTags, request.Retrieval, clock, cancellationToken);
        var response = new RetrieveResponse { Route = route };
        response.Passages.Add(chunks.Select((c, i) => ToCitation(i + 1, c, null)));
        response.Timings.Add(clock.Timings);
        return response;
    }

    private async Task<(Route Route, List<RetrievedChunk> Chunks)> RouteAndRetrieveAsync(string question,
        IReadOnlyList<string> requestedSources, IReadOnlyList<string> accessTags, RetrievalOptions? retrieval, StageClock clock,
        CancellationToken cancellationToken)
    {
        var plan = await RouteAsync(question, requestedSources, accessTags, retrieval, clock, cancellationToken);
        var chunks = await retriever.RetrieveAsync(plan, retrieval, clock, cancellationToken);
        return (plan.Route, chunks);
    }

    private async Task<RoutePlan> RouteAsync(string question, IReadOnlyList<string> requestedSources, IReadOnlyList<string> accessTags,
        RetrievalOptions? retrieval, StageClock clock, CancellationToken cancellationToken, EmbedResponse? embedded = null)
    {
        Require.NotBlank(question, "question");
        Require.MaxLength(question, options.Value.MaxQuestionCharacters, "question");
        // The answer cache has already embedded the question with the request's model: reuse it.
        var known = embedded is null ? null
            : new Dictionary<string, QueryVectors>(StringComparer.Ordinal)
            {
                [retrieval?.RetrievalModel ?? ""] = QueryEmbedder.ToVectors(embedded),
                [embedded.Model] = QueryEmbedder.ToVectors(embedded),
            };
        return await router.RouteAsync(question, requestedSources, accessTags, retrieval, clock, cancellationToken, known);
    }

    /// <summary>Estimated tokens of passages the answering model is given: its own budget if configured, else the default.</summary>
    private int PassageTokenBudget(string model) =>
        options.Value.ModelTokenBudgets.TryGetValue(model, out var budget) ? budget : options.Value.PassageTokenBudget;

    public async Task<AskResponse> AskAsync(AskRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (turn, clock, fineTuned, cached) = await BeginAsync(request, cancellationToken);
        var response = cached.Hit;
        if (response is null)
        {
            var prepared = await PrepareAsync(turn.Request, fineTuned, cancellationToken, clock, cached.Query);
            var answer = await prepared.Clock.TimeAsync("generate",
                () => generation.GenerateAsync(prepared.Generate, cancellationToken: cancellationToken).ResponseAsync);
            response = Complete(prepared, answer);
            response.CacheStatus = await cache.StoreAsync(cached, response, cancellationToken);
        }
        End(turn, cached, clock, response);
        QueryRouterTelemetry.AskDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return response;
    }

    /// <summary>AskStream: passages first, then answer deltas, then citations, then the summary.</summary>
    public async Task AskStreamAsync(AskRequest request, IServerStreamWriter<AskStreamEvent> stream, CancellationToken cancellationToken)
    {
        var (turn, clock, fineTuned, cached) = await BeginAsync(request, cancellationToken);
        if (cached.Hit is { } hit)
        {
            End(turn, cached, clock, hit);
            await CachedReplay.WriteAsync(hit, stream, cancellationToken);
            return;
        }
        var prepared = await PrepareAsync(turn.Request, fineTuned, cancellationToken, clock, cached.Query);
        var passages = new Passages();
        passages.Passages_.Add(prepared.Chunks.Select((c, i) => new RetrievedPassage { Number = (uint)i + 1, Passage = ToCitation(i + 1, c, null) }));
        await stream.WriteAsync(new AskStreamEvent { Passages = passages }, cancellationToken);

        GenerateResponse? final = null;
        await prepared.Clock.TimeAsync("generate", async () =>
        {
            using var call = generation.GenerateStream(prepared.Generate, cancellationToken: cancellationToken);
            await foreach (var update in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (update.EventCase == GenerateStreamEvent.EventOneofCase.Delta)
                    await stream.WriteAsync(new AskStreamEvent { AnswerDelta = update.Delta }, cancellationToken);
                else if (update.EventCase == GenerateStreamEvent.EventOneofCase.Final)
                    final = update.Final;
            }
            return 0;
        });
        if (final is null)
            throw new UnavailableException("the generation service ended its stream without a final answer");
        var summary = Complete(prepared, final);
        summary.CacheStatus = await cache.StoreAsync(cached, summary, cancellationToken);
        End(turn, cached, clock, summary);
        var citations = new Citations();
        citations.Citations_.Add(summary.Citations);
        await stream.WriteAsync(new AskStreamEvent { Citations = citations }, cancellationToken);
        await stream.WriteAsync(new AskStreamEvent { Summary = summary }, cancellationToken);
    }

    /// <summary>
    /// Before answering: the question made standalone, the fine-tuned model it may use found (or the
    /// request refused for want of one), then the answer cache asked under that model's registration.
    /// </summary>
    private async Task<(ConversationMemory.Turn Turn, StageClock Clock, Model? FineTuned, AnswerCache.Lookup Cached)> BeginAsync(
        AskRequest request, CancellationToken cancellationToken)
    {
        Require.That(System.Enum.IsDefined(request.Strategy), "strategy", $"unknown value {(int)request.Strategy}");
        Require.That(request.LatencyBudget is null || request.LatencyBudget.Seconds >= 0 && request.LatencyBudget.Nanos is >= 0 and < 1_000_000_000,
            "latency_budget", "must be a non-negative duration");
        var turn = await conversations.BeginAsync(request, cancellationToken);
        var clock = new StageClock();
        var fineTuned = await strategies.FineTunedModelAsync(turn.Request, cancellationToken);
        var cached = await cache.LookupAsync(turn.Request, strategies.CacheIdentity(turn.Request, fineTuned), clock,
            () => clock.TimeAsync("embed", () => embedder.EmbedOneAsync(turn.Request.Question, turn.Request.Retrieval?.RetrievalModel ?? "",
                dense: turn.Request.Retrieval?.Mode != SearchMode.Sparse, sparse: turn.Request.Retrieval?.Mode != SearchMode.Dense, cancellationToken)),
            cancellationToken);
        return (turn, clock, fineTuned, cached);
    }

    /// <summary>After answering: a cached answer gets this call's timings; the turn is remembered.</summary>
    private void End(ConversationMemory.Turn turn, AnswerCache.Lookup cached, StageClock clock, AskResponse response)
    {
        if (cached.Hit is not null) response.Timings.Add(clock.Timings);
        AnswerCache.Tag(Activity.Current, response.CacheStatus, cached);
        conversations.End(turn, response);
    }

    private static AskResponse Complete(Prepared prepared, GenerateResponse answer)
    {
        prepared.Route.GenerationModel = answer.Model;
        var response = new AskResponse
        {
            Answer = answer.Answer,
            Route = prepared.Route,
            CacheStatus = CacheStatus.Bypassed,
            TraceId = Activity.Current?.TraceId.ToString() ?? "",
            Usage = answer.Usage,
            Extractive = answer.Kind == AnswerKind.Extractive,
            ConversationId = prepared.Request.ConversationId,
        };
        foreach (var group in answer.Citations.GroupBy(c => c.PassageNumber).OrderBy(g => g.Key))
        {
            int number = (int)group.Key;
            if (number < 1 || number > prepared.Chunks.Count) continue;
            response.Citations.Add(ToCitation(number, prepared.Chunks[number - 1], group.First().Span));
        }
        response.Timings.Add(prepared.Clock.Timings);
        return response;
    }

    /// <summary>A citation of a chunk, narrowed to the cited sentence when there is one.</summary>
    private static Citation ToCitation(int number, RetrievedChunk chunk, Contracts.Generation.V1.Span? span)
    {
        var text = ChunkPayload.GetString(chunk.Payload, ChunkPayload.Text);
        int chunkStart = ChunkPayload.GetInt(chunk.Payload, ChunkPayload.StartChar);
        int start = (int)(span?.Start ?? 0), end = (int)(span?.End ?? (uint)text.Length);
        return new Citation
        {
            Number = (uint)number,
            Source = chunk.Source,
            DocumentId = ChunkPayload.GetString(chunk.Payload, ChunkPayload.DocumentId),
            ChunkId = chunk.PointId,
            Title = ChunkPayload.GetString(chunk.Payload, ChunkPayload.Title),
            StartChar = (uint)(chunkStart + start),
            EndChar = (uint)(chunkStart + end),
            Text = text[start..end],
            Score = chunk.Score,
        };
    }

    private static Passage ToPassage(RetrievedChunk chunk, bool withVectors)
    {
        var passage = new Passage
        {
            Id = chunk.PointId,
            DocumentId = ChunkPayload.GetString(chunk.Payload, ChunkPayload.DocumentId),
            Title = ChunkPayload.GetString(chunk.Payload, ChunkPayload.Title),
            Text = ChunkPayload.GetString(chunk.Payload, ChunkPayload.Text),
            Score = chunk.Score,
            Source = chunk.Source,
            SentenceVectors = withVectors ? SentenceVectorPayload.Read(chunk.Payload) : null,
        };
        passage.Sentences.Add(ChunkPayload.GetSentences(chunk.Payload)
            .Select(s => new Contracts.Generation.V1.Span { Start = (uint)s.Start, End = (uint)s.End }));
        return passage;
    }
}
