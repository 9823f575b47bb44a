using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using RagPlatform.Cli.Client;
using RagPlatform.Cli.Measurement;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Launcher;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag bench ingest: ingestion throughput (documents and chunks per second) of the SciFact corpus
/// streamed through one Ingest call into a fresh source of the standalone host (or --endpoint);
/// then the same documents again, which are all unchanged, to time the skip path.
/// </summary>
public static class BenchIngestCommand
{
    public static Command Create()
    {
        var corpus = new Option<string?>("--corpus") { Description = "corpus.jsonl (_id, title, text); default ../shared/data/scifact/corpus.jsonl beside the repository." };
        var limit = new Option<int>("--limit") { Description = "Documents to ingest (0: all).", DefaultValueFactory = _ => 0 };
        var model = new Option<string?>("--model") { Description = "Dense retrieval model (e.g. use-lite, hashing-v1); the service's default when omitted." };
        var endpoint = CommonOptions.Endpoint("Measure a running deployment at this address instead.");
        var json = CommonOptions.Json();
        var command = new Command("ingest", "Ingestion throughput: documents/s and chunks/s of the SciFact corpus.") { corpus, limit, model, endpoint, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(corpus) ?? Path.Combine(RepositoryRoot.Find(), "..", "shared", "data", "scifact", "corpus.jsonl");
            var documents = BeirDataset.Corpus(path).ToList();
            if (parse.GetValue(limit) > 0) documents = documents.Take(parse.GetValue(limit)).ToList();
            string[] settings = parse.GetValue(model) is { } name ? ["--Embedding:DefaultModel", name] : [];
            await using var target = parse.GetValue(endpoint) is { } address
                ? PlatformTarget.Connect(address)
                : await PlatformTarget.StartInProcessAsync(settings: settings);
            // A fresh source per run, so a deployment that kept an earlier run's documents measures ingestion, not skips.
            var source = "bench-ingest-" + Guid.NewGuid().ToString("N")[..8];
            var modelName = (await target.Embedding.GetModelInfoAsync(new() { Model = parse.GetValue(model) ?? "" }, target.Headers)).Name;

            string[] passes = ["first ingest", "again, unchanged"];
            var rows = new List<Row>();
            if (parse.GetValue(json))
            {
                // Nothing but the JSON on stdout.
                foreach (var pass in passes)
                    rows.Add(await RunAsync(pass, target, documents, source, () => { }, cancellationToken));
            }
            else
            {
                await AnsiConsole.Progress().StartAsync(async progress =>
                {
                    foreach (var pass in passes)
                    {
                        var task = progress.AddTask($"{pass}: {documents.Count} documents", maxValue: documents.Count);
                        rows.Add(await RunAsync(pass, target, documents, source, () => task.Increment(1), cancellationToken));
                    }
                });
            }
            Report(rows, documents.Count, modelName, parse.GetValue(json));
            return rows.All(r => r.Failed == 0) ? 0 : 1;
        });
        return command;
    }

    private sealed record Row(string Pass, int Documents, long Chunks, uint Indexed, uint Unchanged, uint Failed, double Seconds)
    {
        public double DocumentsPerSecond => Documents / Seconds;
        public double ChunksPerSecond => Chunks / Seconds;
    }

    private static async Task<Row> RunAsync(string pass, PlatformTarget target, List<BeirDocument> documents, string source,
        Action sent, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var response = await Ingestor.IngestAsync(target, documents.Select(d => BeirDataset.ToIngestRequest(d, source, whole: false)),
            _ => sent(), cancellationToken);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new Row(pass, documents.Count, response.Results.Sum(r => (long)r.Chunks), response.Indexed, response.Unchanged, response.Failed, seconds);
    }

    private static void Report(List<Row> rows, int documents, string model, bool json)
    {
        var machine = MachineInfo.Describe();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "ingest",
                machine,
                model,
                documents,
                results = rows.Select(r => new
                {
                    pass = r.Pass, seconds = r.Seconds, documents_per_s = r.DocumentsPerSecond, chunks = r.Chunks, chunks_per_s = r.ChunksPerSecond,
                    indexed = r.Indexed, unchanged = r.Unchanged, failed = r.Failed,
                }),
            }));
            return;
        }
        var table = new Table().Border(TableBorder.Rounded).Title($"rag bench ingest ({documents} SciFact abstracts, model {Markup.Escape(model)})");
        table.AddColumns("pass", "seconds", "documents/s", "chunks", "chunks/s", "indexed", "unchanged", "failed");
        foreach (var r in rows)
            table.AddRow(r.Pass, r.Seconds.ToString("0.00"), r.DocumentsPerSecond.ToString("0.0"), r.Chunks.ToString(), r.ChunksPerSecond.ToString("0.0"),
                r.Indexed.ToString(), r.Unchanged.ToString(), r.Failed.ToString());
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]machine: {Markup.Escape(machine)}[/]");
    }
}
