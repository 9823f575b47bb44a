using System.Collections.Concurrent;
using System.CommandLine;
using System.Text.Json;
using RagPlatform.Cli.Client;
using RagPlatform.Cli.Measurement;
using RagPlatform.Contracts.Query.V1;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag eval retrieval: ingests a BEIR corpus through the platform, retrieves for every query,
/// ranks documents by their best chunk, and prints nDCG@10, Recall@100 and MRR@10. A fine-tuned
/// query model is measured beside its base on the same ingest (its documents are the base's).
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var command = new Command("eval", "Quality figures measured through the platform.");
        command.Subcommands.Add(CreateRetrieval());
        command.Subcommands.Add(EvalAnswersCommand.Create());
        command.Subcommands.Add(EvalAdapterCommand.Create());
        return command;
    }

    private static Command CreateRetrieval()
    {
        var corpus = new Option<string>("--corpus") { Description = "corpus.jsonl (_id, title, text).", Required = true };
        var queries = new Option<string>("--queries") { Description = "queries.jsonl (_id, text).", Required = true };
        var qrels = new Option<string>("--qrels") { Description = "qrels TSV with a header (query-id, corpus-id, score).", Required = true };
        var mode = new Option<string[]>("--mode") { Description = "sparse, dense and/or hybrid (repeatable).", DefaultValueFactory = _ => ["sparse", "dense", "hybrid"], AllowMultipleArgumentsPerToken = true };
        var endpoint = CommonOptions.Endpoint("Evaluate a running deployment (its corpus is ingested into --source).");
        var source = new Option<string>("--source") { Description = "Source to ingest into and search.", DefaultValueFactory = _ => "eval" };
        var skipIngest = new Option<bool>("--skip-ingest") { Description = "Reuse what the source already holds." };
        var model = new Option<string?>("--model") { Description = "Dense retrieval model (e.g. use-lite, hashing-v1, or a fine-tuned use-lite+suffix, measured beside its base); the service's default when omitted." };
        var registry = new Option<string>("--fine-tuning-dir") { Description = "In-process only: the fine-tuning data folder whose registered models --model may name (by default where rag eval adapter trains).",
            DefaultValueFactory = _ => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ragplatform", "eval-adapter") };
        var whole = new Option<bool>("--whole-documents") { Description = "Embed each document whole as \"title. text\" (no chunking; the model may truncate)." };
        var denseWeights = new Option<float[]>("--dense-weight") { Description = "Hybrid only: dense weights of the min-max blend to try (repeatable, for tuning); the source's own fusion when omitted.", AllowMultipleArgumentsPerToken = true };
        var candidateLimits = new Option<uint[]>("--candidate-limit") { Description = "Hybrid only: candidates per list before fusion to try (repeatable); the source's own depth when omitted.", AllowMultipleArgumentsPerToken = true };
        var runOut = new Option<string?>("--run-out") { Description = "Write the ranking as a TREC run file (one per mode: FILE.<mode>)." };
        var json = CommonOptions.Json();
        var command = new Command("retrieval", "nDCG@10, Recall@100 and MRR@10 of the platform's retrieval on a BEIR dataset.")
        {
            corpus, queries, qrels, mode, endpoint, source, skipIngest, model, registry, whole, denseWeights, candidateLimits, runOut, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var endpointValue = parse.GetValue(endpoint);
            // A fine-tuned model (<base>+<suffix>) transforms queries only: the documents are ingested with its base.
            string[] settings = [.. parse.GetValue(model) is { } name ? new[] { "--Embedding:DefaultModel", name.Split('+')[0], "--Embedding:RegistryDirectory", parse.GetValue(registry)! } : [],
                .. parse.GetValue(whole) ? new[] { "--QueryRouter:ChunkWords", "0" } : []];
            await using var target = endpointValue is null ? await PlatformTarget.StartInProcessAsync(settings: settings) : PlatformTarget.Connect(endpointValue);
            var sourceName = parse.GetValue(source)!;
            var models = await QueryModelsAsync(target, parse.GetValue(model), cancellationToken);
            if (!parse.GetValue(skipIngest))
                await IngestCorpusAsync(target, parse.GetValue(corpus)!, sourceName, parse.GetValue(whole), cancellationToken);
            var judged = BeirDataset.Qrels(parse.GetValue(qrels)!);
            var questions = BeirDataset.Queries(parse.GetValue(queries)!).Where(q => judged.ContainsKey(q.Id)).ToList();
            var results = new List<object>();
            var table = new Table().Border(TableBorder.Rounded).Title($"rag eval retrieval ({questions.Count} queries)");
            table.AddColumns("mode", "nDCG@10", "Recall@100", "MRR@10");
            foreach (var (variant, variantRetrieval) in Variants(parse.GetValue(mode)!, parse.GetValue(denseWeights) ?? [], parse.GetValue(candidateLimits) ?? []))
            foreach (var queryModel in variantRetrieval.Mode == SearchMode.Sparse ? [""] : models)
            {
                var m = queryModel.Length == 0 ? variant : $"{variant} ({queryModel})";
                var retrieval = new RetrievalOptions(variantRetrieval) { RetrievalModel = queryModel };
                var rankings = await RankAsync(target, questions, sourceName, retrieval, cancellationToken);
                double ndcg = questions.Average(q => RetrievalMetrics.NdcgAt(10, rankings[q.Id], judged[q.Id]));
                double recall = questions.Average(q => RetrievalMetrics.RecallAt(100, rankings[q.Id], judged[q.Id]));
                double mrr = questions.Average(q => RetrievalMetrics.ReciprocalRankAt(10, rankings[q.Id], judged[q.Id]));
                table.AddRow(m, ndcg.ToString("0.0000"), recall.ToString("0.0000"), mrr.ToString("0.0000"));
                results.Add(new { mode = m, ndcg_at_10 = ndcg, recall_at_100 = recall, mrr_at_10 = mrr, queries = questions.Count });
                if (parse.GetValue(runOut) is { } run) WriteRun($"{run}.{m.Replace(' ', '_')}", rankings, m.Replace(' ', '_'));
            }
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new { machine = MachineInfo.Describe(), results }));
            else
            {
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine($"[grey]machine: {Markup.Escape(MachineInfo.Describe())}[/]");
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The query models to compare: a fine-tuned model's base first, then the model itself; otherwise
    /// just the sources' own model ("").
    /// </summary>
    private static async Task<string[]> QueryModelsAsync(PlatformTarget target, string? model, CancellationToken cancellationToken)
    {
        if (model is null) return [""];
        var info = await target.Embedding.GetModelInfoAsync(new Contracts.Embedding.V1.GetModelInfoRequest { Model = model }, target.Headers,
            cancellationToken: cancellationToken);
        return info.FineTuned && info.BaseModel.Length > 0 ? [info.BaseModel, model] : [""];
    }

    /// <summary>One labelled retrieval setting per mode, and per weight and depth asked for hybrid.</summary>
    private static IEnumerable<(string Label, RetrievalOptions Retrieval)> Variants(string[] modes, float[] weights, uint[] depths)
    {
        foreach (var m in modes)
        {
            var searchMode = ParseMode(m);
            if (searchMode != SearchMode.Hybrid || (weights.Length == 0 && depths.Length == 0))
            {
                yield return (m, new RetrievalOptions { Mode = searchMode });
                continue;
            }
            foreach (var weight in weights.Length == 0 ? [float.NaN] : weights)
                foreach (var depth in depths.Length == 0 ? [0u] : depths)
                {
                    var retrieval = new RetrievalOptions { Mode = searchMode, CandidateLimit = depth };
                    if (!float.IsNaN(weight)) retrieval.Fusion = new Contracts.Vectors.V1.Fusion { Weighted = new Contracts.Vectors.V1.WeightedBlend { DenseWeight = weight } };
                    yield return ($"{m}{(float.IsNaN(weight) ? "" : $" w={weight:0.##}")}{(depth == 0 ? "" : $" depth={depth}")}", retrieval);
                }
        }
    }

    private static SearchMode ParseMode(string mode) => mode switch
    {
        "sparse" => SearchMode.Sparse,
        "dense" => SearchMode.Dense,
        "hybrid" => SearchMode.Hybrid,
        _ => throw new ArgumentException($"unknown mode '{mode}': use sparse, dense or hybrid"),
    };

    internal static async Task IngestCorpusAsync(PlatformTarget target, string corpusPath, string source, bool whole, CancellationToken cancellationToken)
    {
        var documents = BeirDataset.Corpus(corpusPath).ToList();
        IngestResponse? response = null;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask($"Ingesting {documents.Count} documents", maxValue: documents.Count);
            response = await Ingestor.IngestAsync(target, documents.Select(d => BeirDataset.ToIngestRequest(d, source, whole)),
                _ => task.Increment(1), cancellationToken);
        });
        if (response!.Failed > 0)
            AnsiConsole.MarkupLine($"[yellow]{response.Failed} documents failed to ingest; first: {Markup.Escape(response.Results.First(r => r.Status == DocumentStatus.Failed).Error.Message)}[/]");
    }

    /// <summary>Each query's documents, best first, a document ranked by its best chunk.</summary>
    private static async Task<Dictionary<string, List<string>>> RankAsync(PlatformTarget target, List<BeirQuery> questions,
        string source, RetrievalOptions retrieval, CancellationToken cancellationToken)
    {
        var rankings = new ConcurrentDictionary<string, List<string>>();
        await Parallel.ForEachAsync(questions, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (query, token) =>
        {
            var response = await target.Router.RetrieveAsync(new RetrieveRequest
            {
                Question = query.Text,
                Sources = { source },
                Retrieval = new RetrievalOptions(retrieval) { TopK = 300 },
            }, target.Headers, cancellationToken: token);
            rankings[query.Id] = response.Passages.Select(p => p.DocumentId).Distinct().ToList();
        });
        return new Dictionary<string, List<string>>(rankings);
    }

    private static void WriteRun(string path, Dictionary<string, List<string>> rankings, string tag)
    {
        using var writer = new StreamWriter(path);
        foreach (var (query, documents) in rankings.OrderBy(r => r.Key, StringComparer.Ordinal))
            for (int i = 0; i < Math.Min(100, documents.Count); i++)
                writer.WriteLine($"{query} Q0 {documents[i]} {i + 1} {100 - i} ragplatform-{tag}");
    }
}
