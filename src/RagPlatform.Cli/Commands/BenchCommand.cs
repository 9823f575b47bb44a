using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using RagPlatform.Cli.Client;
using RagPlatform.Cli.Measurement;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Launcher;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag bench hop|ask: latency percentiles of one unary loopback hop (Embed of one short text) and
/// of a whole Ask, in the standalone host and in the distributed launch, with the machine.
/// </summary>
public static class BenchCommand
{
    private const string ShortText = "how do vaccines train the immune system";
    private const string BenchSource = "bench-samples";

    public static Command Create()
    {
        var command = new Command("bench", "Speed figures: p50 and p99 latencies, printed with the machine they ran on.");
        command.Subcommands.Add(Create("hop", "One unary gRPC hop: Embed of one short text.", 2000, HopAsync));
        command.Subcommands.Add(Create("ask", "A whole Ask over the sample corpus (retrieval and extractive answer).", 500, AskAsync));
        command.Subcommands.Add(BenchAnnCommand.Create());
        command.Subcommands.Add(BenchEmbedCommand.Create());
        command.Subcommands.Add(BenchIngestCommand.Create());
        return command;
    }

    private static Command Create(string name, string description, int defaultIterations,
        Func<BenchTargets.Target, int, CancellationToken, Task<LatencyStats>> run)
    {
        var target = new Option<string>("--target") { Description = "standalone, distributed or both.", DefaultValueFactory = _ => "both" };
        target.AcceptOnlyFromAmong("standalone", "distributed", "both");
        var endpoint = CommonOptions.Endpoint("Measure a running deployment at this address instead.");
        var iterations = new Option<int>("--iterations") { Description = "Timed calls (after a warm-up).", DefaultValueFactory = _ => defaultIterations };
        var json = CommonOptions.Json();
        var command = new Command(name, description) { target, endpoint, iterations, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var rows = new List<(string Target, LatencyStats Stats)>();
            await foreach (var deployment in BenchTargets.OpenAsync(parse.GetValue(target)!, parse.GetValue(endpoint)))
            {
                await using (deployment.Owner)
                    rows.Add((deployment.Name, await run(deployment, parse.GetValue(iterations), cancellationToken)));
            }
            Report(name, rows, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static async Task<LatencyStats> HopAsync(BenchTargets.Target target, int iterations, CancellationToken cancellationToken)
    {
        var request = new EmbedRequest { Texts = { ShortText }, InputType = InputType.Query };
        var client = target.Embedding.Embedding;
        return await TimeAsync(iterations, () => client.EmbedAsync(request, target.Embedding.Headers, cancellationToken: cancellationToken).ResponseAsync);
    }

    private static async Task<LatencyStats> AskAsync(BenchTargets.Target target, int iterations, CancellationToken cancellationToken)
    {
        var samples = Path.Combine(RepositoryRoot.Find(), "samples");
        await Ingestor.IngestAsync(target.Router, DocumentFiles.Find([samples]).Select(f => DocumentFiles.ToRequest(f, samples, BenchSource)), cancellationToken: cancellationToken);
        var request = new AskRequest { Question = QuickstartCommand.DefaultQuestion, Sources = { BenchSource } };
        return await TimeAsync(iterations, () => target.Router.Router.AskAsync(request, target.Router.Headers, cancellationToken: cancellationToken).ResponseAsync);
    }

    private static async Task<LatencyStats> TimeAsync<T>(int iterations, Func<Task<T>> call)
    {
        for (int i = 0; i < Math.Max(20, iterations / 10); i++) await call();
        var samples = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call();
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        return LatencyStats.Of(samples);
    }

    private static void Report(string benchmark, List<(string Target, LatencyStats Stats)> rows, bool json)
    {
        var machine = MachineInfo.Describe();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark,
                machine,
                results = rows.Select(r => new { target = r.Target, calls = r.Stats.Count, p50_ms = r.Stats.P50, p99_ms = r.Stats.P99, mean_ms = r.Stats.Mean }),
            }));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title($"rag bench {benchmark}");
        table.AddColumns("target", "calls", "p50 ms", "p99 ms", "mean ms");
        foreach (var (target, stats) in rows)
            table.AddRow(target, stats.Count.ToString(), stats.P50.ToString("0.000"), stats.P99.ToString("0.000"), stats.Mean.ToString("0.000"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]machine: {Markup.Escape(machine)}[/]");
    }
}
