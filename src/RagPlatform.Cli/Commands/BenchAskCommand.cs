using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using RagPlatform.Cli.Client;
using RagPlatform.Cli.Measurement;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.Launcher;
using RagPlatform.QueryRouter.Caching;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag bench ask: Ask latency over the ingested SciFact corpus with the extractive answerer, by what
/// the answer cache did: a miss (each claim asked for the first time), an exact hit (asked again),
/// a semantic hit (a rephrasing); and, where the bench owns the Redis (the distributed launch),
/// Asks while Redis is down, beside the misses, for the latency an outage adds.
/// </summary>
public static class BenchAskCommand
{
    private const string Source = "bench-scifact";
    private const string Rephrasing = "Please tell me: ";

    private sealed record Row(string Target, string Case, LatencyStats Stats, string Outcome);

    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "standalone, distributed or both.", DefaultValueFactory = _ => "both" };
        target.AcceptOnlyFromAmong("standalone", "distributed", "both");
        var endpoint = CommonOptions.Endpoint("Measure a running deployment at this address instead (SciFact is ingested into it; unchanged abstracts are skipped).");
        var iterations = new Option<int>("--iterations") { Description = "Timed calls per case (distinct claims; at most the claims there are).", DefaultValueFactory = _ => 300 };
        var documents = new Option<int>("--documents") { Description = "Ingest only the first N abstracts (0: the whole corpus).", DefaultValueFactory = _ => 0 };
        var data = new Option<string>("--data") { Description = "SciFact in BEIR layout.", DefaultValueFactory = _ => Path.Combine(RepositoryRoot.Find(), "..", "shared", "data", "scifact") };
        var json = CommonOptions.Json();
        var command = new Command("ask", "Ask latency over SciFact: cache miss, exact hit, semantic hit, and with Redis down.")
        {
            target, endpoint, iterations, documents, data, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetValue(data)!;
            var claims = BeirDataset.Queries(Path.Combine(folder, "queries.jsonl")).Select(q => q.Text).Distinct().ToList();
            var rows = new List<Row>();
            await foreach (var deployment in BenchTargets.OpenAsync(parse.GetValue(target)!, parse.GetValue(endpoint)))
            {
                await using (deployment.Owner)
                {
                    await IngestAsync(deployment.Router, Path.Combine(folder, "corpus.jsonl"), parse.GetValue(documents), cancellationToken);
                    rows.AddRange(await MeasureAsync(deployment, claims, parse.GetValue(iterations), cancellationToken));
                }
            }
            Report(rows, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static async Task IngestAsync(PlatformTarget router, string corpus, int limit, CancellationToken cancellationToken)
    {
        var documents = BeirDataset.Corpus(corpus);
        if (limit > 0) documents = documents.Take(limit);
        var started = Stopwatch.GetTimestamp();
        var response = await Ingestor.IngestAsync(router, documents.Select(d => new IngestRequest
        {
            Source = Source, DocumentId = d.Id, Title = d.Title, ContentType = "text/plain",
            Content = ByteString.CopyFromUtf8(string.IsNullOrEmpty(d.Title) ? d.Text : $"{d.Title}\n\n{d.Text}"),
        }), cancellationToken: cancellationToken);
        AnsiConsole.MarkupLine($"[grey]ingested {response.Indexed + response.Unchanged} abstracts ({response.Failed} failed) in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s[/]");
    }

    private static async Task<List<Row>> MeasureAsync(BenchTargets.Target target, List<string> claims, int iterations, CancellationToken cancellationToken)
    {
        const int warmUp = 20;
        if (claims.Count < warmUp + 1) throw new InvalidOperationException("too few claims to measure");
        var measured = claims.Skip(warmUp).Take(iterations).ToList();
        var rows = new List<Row>();
        Task<AskResponse> AskAsync(string question) => target.Router.Router.AskAsync(
            new AskRequest { Question = question, Sources = { Source } }, target.Router.Headers, cancellationToken: cancellationToken).ResponseAsync;

        foreach (var claim in claims.Take(warmUp)) await AskAsync(claim);
        rows.Add(await TimeAsync(target.Name, "miss", measured, AskAsync, CacheStatus.Miss));
        rows.Add(await TimeAsync(target.Name, "exact hit", measured, AskAsync, CacheStatus.HitExact));
        await WaitUntilIndexedAsync(target, warmUp + measured.Count, cancellationToken);
        rows.Add(await TimeAsync(target.Name, "semantic hit", measured.Select(c => Rephrasing + c).ToList(), AskAsync, CacheStatus.HitSemantic));

        if (target.Redis is { } redis)
        {
            // Fresh claims, so that both sides compute the answer: the difference is what the outage adds.
            var fresh = claims.Skip(warmUp + measured.Count).Take(iterations).ToList();
            if (fresh.Count > 0)
            {
                var half = fresh.Count / 2;
                rows.Add(await TimeAsync(target.Name, "miss, Redis up", fresh.Take(half).ToList(), AskAsync, CacheStatus.Miss));
                await redis.StopAsync();
                foreach (var claim in fresh.Take(5)) await AskAsync("warm " + claim); // let the breaker open
                rows.Add(await TimeAsync(target.Name, "Redis down", fresh.Skip(half).ToList(), AskAsync, CacheStatus.Bypassed));
                await redis.StartAsync(cancellationToken);
            }
        }
        return rows;
    }

    private static async Task<Row> TimeAsync(string target, string name, List<string> questions, Func<string, Task<AskResponse>> ask, CacheStatus expected)
    {
        var samples = new double[questions.Count];
        int asExpected = 0;
        for (int i = 0; i < questions.Count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await ask(questions[i]);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.CacheStatus == expected) asExpected++;
        }
        return new Row(target, name, LatencyStats.Of(samples), $"{asExpected}/{questions.Count} {expected}");
    }

    /// <summary>Questions enter the semantic index off the request path: wait until they are all there.</summary>
    private static async Task WaitUntilIndexedAsync(BenchTargets.Target target, int count, CancellationToken cancellationToken)
    {
        var space = (await target.Embedding.Embedding.GetModelInfoAsync(new GetModelInfoRequest(), target.Embedding.Headers, cancellationToken: cancellationToken)).EmbeddingSpace;
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(target.VectorSearch ?? target.Router.Address);
        var vectors = new VectorSearchService.VectorSearchServiceClient(channel);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var points = await vectors.CountAsync(new CountRequest { Collection = SemanticIndex.CollectionOf(space) }, target.Router.Headers, cancellationToken: cancellationToken);
                if (points.Count >= (ulong)count) return;
            }
            catch (Grpc.Core.RpcException error) when (error.StatusCode == Grpc.Core.StatusCode.NotFound) { }
            await Task.Delay(100, cancellationToken);
        }
    }

    private static void Report(List<Row> rows, bool json)
    {
        var machine = MachineInfo.Describe();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "ask",
                machine,
                results = rows.Select(r => new { target = r.Target, @case = r.Case, calls = r.Stats.Count, p50_ms = r.Stats.P50, p99_ms = r.Stats.P99, mean_ms = r.Stats.Mean, cache = r.Outcome }),
            }));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title("rag bench ask (SciFact, extractive answers)");
        table.AddColumns("target", "case", "calls", "p50 ms", "p99 ms", "mean ms", "cache status");
        foreach (var row in rows)
            table.AddRow(row.Target, row.Case, row.Stats.Count.ToString(), row.Stats.P50.ToString("0.000"), row.Stats.P99.ToString("0.000"), row.Stats.Mean.ToString("0.000"), row.Outcome);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]machine: {Markup.Escape(machine)}[/]");
        AnsiConsole.MarkupLine("[grey]goals (p50): miss ≤ 20 ms standalone, ≤ 30 ms distributed; exact hit ≤ 2 ms. Figures from a shared, busy machine are noisy.[/]");
    }
}
