using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using RagPlatform.Cli.Client;
using RagPlatform.Cli.Measurement;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Launcher;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag bench embed: the local sentence encoder through gRPC (sentences per second at batch 1 and
/// 32, short queries and SciFact abstracts; one short query's p50 and p99; a cache hit's latency),
/// beside the same sentences through the encoder package's own JS runtime in Node, in the same run.
/// </summary>
public static class BenchEmbedCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "SciFact folder (corpus.jsonl, queries.jsonl); default ../shared/data/scifact beside the repository." };
        var queries = new Option<int>("--queries") { Description = "Short queries to embed.", DefaultValueFactory = _ => 320 };
        var abstracts = new Option<int>("--abstracts") { Description = "Abstracts to embed.", DefaultValueFactory = _ => 96 };
        var model = new Option<string>("--model") { Description = "Model to measure.", DefaultValueFactory = _ => "use-lite" };
        var noPeer = new Option<bool>("--no-peer") { Description = "Skip the JS runtime." };
        var json = CommonOptions.Json();
        var command = new Command("embed", "Encoder throughput and latency beside the encoder package's own JS runtime.") { data, queries, abstracts, model, noPeer, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var root = RepositoryRoot.Find();
            var folder = parse.GetValue(data) ?? Path.Combine(root, "..", "shared", "data", "scifact");
            var sets = new Dictionary<string, List<string>>
            {
                ["short queries"] = BeirDataset.Queries(Path.Combine(folder, "queries.jsonl")).Take(parse.GetValue(queries)).Select(q => q.Text).ToList(),
                ["abstracts"] = BeirDataset.Corpus(Path.Combine(folder, "corpus.jsonl")).Take(parse.GetValue(abstracts)).Select(d => $"{d.Title}. {d.Text}").ToList(),
            };
            await using var redis = await RedisServer.StartAsync(Path.Combine(Path.GetTempPath(), "ragplatform-bench-" + Guid.NewGuid().ToString("N")[..8]));
            await using var target = await PlatformTarget.StartInProcessAsync(settings: ["--ConnectionStrings:redis", redis.ConnectionString]);
            var modelName = parse.GetValue(model)!;

            var rows = new List<Row>();
            foreach (var (name, texts) in sets)
            {
                var peer = parse.GetValue(noPeer) ? null : await JsPeerAsync(root, texts, cancellationToken);
                foreach (var batch in new[] { 1, 32 })
                {
                    double ours = await ThroughputAsync(target, modelName, texts, batch, cancellationToken);
                    double? theirs = peer?.GetValueOrDefault(batch);
                    rows.Add(new Row(name, batch, ours, theirs));
                }
            }
            var single = await LatencyAsync(target, modelName, () => $"{sets["short queries"][Random.Shared.Next(sets["short queries"].Count)]} {Guid.NewGuid():N}", cancellationToken);
            var hit = await LatencyAsync(target, modelName, () => sets["short queries"][0], cancellationToken);
            Report(rows, single, hit, modelName, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private sealed record Row(string Texts, int Batch, double Ours, double? Peer);

    private static async Task<double> ThroughputAsync(PlatformTarget target, string model, List<string> texts, int batch, CancellationToken cancellationToken)
    {
        // A fresh suffix per run keeps the cache out of the throughput figures.
        var salt = Guid.NewGuid().ToString("N")[..6];
        await EmbedAsync(target, model, texts.Take(Math.Min(8, texts.Count)).Select(t => t + " warmup" + salt).ToList(), cancellationToken);
        var started = Stopwatch.GetTimestamp();
        for (int i = 0; i < texts.Count; i += batch)
            await EmbedAsync(target, model, texts.Skip(i).Take(batch).Select(t => $"{t} {salt}").ToList(), cancellationToken);
        return texts.Count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<LatencyStats> LatencyAsync(PlatformTarget target, string model, Func<string> text, CancellationToken cancellationToken)
    {
        for (int i = 0; i < 20; i++) await EmbedAsync(target, model, [text()], cancellationToken);
        var samples = new double[300];
        for (int i = 0; i < samples.Length; i++)
        {
            var request = text();
            var started = Stopwatch.GetTimestamp();
            await EmbedAsync(target, model, [request], cancellationToken);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        return LatencyStats.Of(samples);
    }

    private static Task<EmbedResponse> EmbedAsync(PlatformTarget target, string model, List<string> texts, CancellationToken cancellationToken) =>
        target.Embedding.EmbedAsync(new EmbedRequest { Texts = { texts }, InputType = InputType.Query, Model = model, Dense = true },
            target.Headers, cancellationToken: cancellationToken).ResponseAsync;

    /// <summary>The package's own JS runtime on the same texts: sentences per second by batch size.</summary>
    private static async Task<Dictionary<int, double>?> JsPeerAsync(string root, List<string> texts, CancellationToken cancellationToken)
    {
        var tools = Path.Combine(root, "tools", "parity");
        if (!Directory.Exists(Path.Combine(tools, "node_modules")))
            await ExternalProcess.RunAsync("npm", ["install", "--no-audit", "--no-fund", "--silent"], tools, cancellationToken: cancellationToken);
        var input = Path.GetTempFileName();
        await File.WriteAllTextAsync(input, JsonSerializer.Serialize(texts), cancellationToken);
        var output = await ExternalProcess.RunAsync("node", ["bench-js-peer.mjs", "--input", input, "--batch", "1,32"], tools, cancellationToken: cancellationToken);
        File.Delete(input);
        using var document = JsonDocument.Parse(output);
        return document.RootElement.GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("batch").GetInt32(), r => r.GetProperty("sentencesPerSecond").GetDouble());
    }


    private static void Report(List<Row> rows, LatencyStats single, LatencyStats hit, string model, bool json)
    {
        var machine = MachineInfo.Describe();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                machine, model,
                throughput = rows.Select(r => new { texts = r.Texts, batch = r.Batch, ours_per_second = r.Ours, js_per_second = r.Peer }),
                short_query_ms = new { p50 = single.P50, p99 = single.P99 },
                cache_hit_ms = new { p50 = hit.P50, p99 = hit.P99 },
            }));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title($"rag bench embed ({model} through gRPC vs the package's JS runtime)");
        table.AddColumns("texts", "batch", "ours / s", "JS / s", "ours ÷ JS");
        foreach (var r in rows)
            table.AddRow(r.Texts, r.Batch.ToString(), r.Ours.ToString("0.0"), r.Peer?.ToString("0.0") ?? "-", r.Peer is { } p ? (r.Ours / p).ToString("0.0") + "×" : "-");
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"one short query through gRPC: p50 {single.P50:0.00} ms, p99 {single.P99:0.00} ms; cache hit: p50 {hit.P50:0.00} ms, p99 {hit.P99:0.00} ms");
        AnsiConsole.MarkupLine($"[grey]machine: {Markup.Escape(machine)}[/]");
    }
}
