using System.CommandLine;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using RagPlatform.Cli.Client;
using RagPlatform.Cli.Measurement;
using RagPlatform.Contracts.Embedding.V1;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Adapters;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag eval adapter: builds a retrieval-pairs dataset from a BEIR split (each judged document a
/// positive, the base model's best-ranked unjudged documents as hard negatives), fine-tunes a
/// query adapter through the FineTuning service once per seed, and prints dense nDCG@10 on the
/// report split, each document embedded whole, for the base model and every adapter.
/// </summary>
public static class EvalAdapterCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "BEIR folder with corpus.jsonl, queries-tune.jsonl, qrels/tune.tsv, queries-report.jsonl, qrels/report.tsv.", Required = true };
        var baseModel = new Option<string>("--base") { Description = "Retrieval model to adapt.", DefaultValueFactory = _ => "use-lite" };
        var seeds = new Option<long[]>("--seeds") { Description = "One job per seed.", DefaultValueFactory = _ => [1, 2, 3], AllowMultipleArgumentsPerToken = true };
        var negatives = new Option<int>("--negatives") { Description = "Hard negatives per pair, mined from the base model's ranking.", DefaultValueFactory = _ => 3 };
        var holdout = new Option<double>("--validation-fraction") { Description = "Share of tune queries held out for early stopping.", DefaultValueFactory = _ => 0.15 };
        var epochs = new Option<uint?>("--epochs") { Description = "Epochs (auto when omitted)." };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Learning rate (auto when omitted)." };
        var batchSize = new Option<uint?>("--batch-size") { Description = "Pairs per batch (auto when omitted)." };
        var work = new Option<string>("--work-dir") { Description = "Keeps the in-process host's fine-tuning data (and its embedding cache) between runs.",
            DefaultValueFactory = _ => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ragplatform", "eval-adapter") };
        var endpoint = CommonOptions.Endpoint("Run against a deployment instead of an in-process host.");
        var json = CommonOptions.Json();
        var command = new Command("adapter", "Fine-tune a query adapter on a BEIR tune split and compare dense nDCG@10 on the report split with the base model.")
        {
            data, baseModel, seeds, negatives, holdout, epochs, learningRate, batchSize, work, endpoint, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetValue(data)!;
            var workDir = parse.GetValue(work)!;
            var endpointValue = parse.GetValue(endpoint);
            var baseName = parse.GetValue(baseModel)!;
            await using var target = endpointValue is null
                ? await PlatformTarget.StartInProcessAsync(settings: ["--FineTuning:DataDirectory", workDir, "--Embedding:DefaultModel", baseName])
                : PlatformTarget.Connect(endpointValue);
            var vectors = new BaseVectors(target.Embedding, Path.Combine(workDir, "vector-cache", "default"));

            var corpus = BeirDataset.Corpus(Path.Combine(folder, "corpus.jsonl")).ToList();
            var texts = corpus.Select(d => string.IsNullOrEmpty(d.Title) ? d.Text : $"{d.Title}. {d.Text}").ToList();
            var info = await target.Embedding.GetModelInfoAsync(new GetModelInfoRequest { Model = baseName }, target.Headers, cancellationToken: cancellationToken);
            int dimension = (int)info.Dimension;
            float[][] documents = [];
            await AnsiConsole.Progress().StartAsync(async progress =>
            {
                var task = progress.AddTask($"Embedding {corpus.Count} documents with {baseName}", maxValue: corpus.Count);
                documents = await vectors.GetAsync(baseName, dimension, texts, isQuery: false, new Progress<int>(n => task.Value = n), cancellationToken);
            });

            var tuneQueries = BeirDataset.Queries(Path.Combine(folder, "queries-tune.jsonl"));
            var tuneQrels = BeirDataset.Qrels(Path.Combine(folder, "qrels", "tune.tsv"));
            tuneQueries = tuneQueries.Where(q => tuneQrels.ContainsKey(q.Id)).ToList();
            var tuneVectors = await vectors.GetAsync(baseName, dimension, tuneQueries.Select(q => q.Text).ToList(), isQuery: true, null, cancellationToken);
            var pairs = BuildPairs(tuneQueries, tuneVectors, tuneQrels, corpus, texts, documents, parse.GetValue(negatives));
            var dataset = await FineTuningCalls.UploadAsync(target, new MemoryStream(Encoding.UTF8.GetBytes(pairs)), "beir tune pairs",
                DatasetKind.RetrievalPairs, baseName, cancellationToken);
            AnsiConsole.MarkupLine($"dataset {dataset.Id}: {dataset.LineCount} pairs, {dataset.Status}");
            if (dataset.Status != DatasetStatus.Valid)
            {
                AnsiConsole.MarkupLine($"[red]the pairs did not validate: {Markup.Escape(string.Join("; ", dataset.Errors.Take(3).Select(e => $"line {e.Line}: {e.Reason}")))}[/]");
                return 1;
            }

            var reportQueries = BeirDataset.Queries(Path.Combine(folder, "queries-report.jsonl"));
            var reportQrels = BeirDataset.Qrels(Path.Combine(folder, "qrels", "report.tsv"));
            reportQueries = reportQueries.Where(q => reportQrels.ContainsKey(q.Id)).ToList();
            async Task<double[]> Score(string model)
            {
                var request = new EmbedRequest { Model = model, InputType = InputType.Query, Dense = true };
                request.Texts.Add(reportQueries.Select(q => q.Text));
                var response = await target.Embedding.EmbedAsync(request, target.Headers, cancellationToken: cancellationToken);
                return reportQueries.Select((q, i) => RetrievalMetrics.NdcgAt(10,
                    Rank(response.Embeddings[i].Dense.ToArray(), documents, corpus, 10), reportQrels[q.Id])).ToArray();
            }
            var baseline = await Score(baseName);

            var run = Guid.NewGuid().ToString("N")[..6];
            var results = new List<(long Seed, string Model, double Ndcg, IReadOnlyDictionary<string, double> Metrics)>();
            var perQuery = new List<double[]>();
            foreach (var seed in parse.GetValue(seeds)!)
            {
                var hyperparameters = new Hyperparameters();
                if (parse.GetValue(epochs) is { } e) hyperparameters.Epochs = e;
                if (parse.GetValue(learningRate) is { } lr) hyperparameters.LearningRate = lr;
                if (parse.GetValue(batchSize) is { } b) hyperparameters.BatchSize = b;
                var job = await target.FineTuning.CreateJobAsync(new CreateJobRequest
                {
                    BaseModel = baseName, TrainingDatasetId = dataset.Id, ValidationFraction = parse.GetValue(holdout), Seed = seed,
                    Suffix = $"beir-{run}-s{seed}", Hyperparameters = hyperparameters,
                }, target.Headers, cancellationToken: cancellationToken);
                var ended = await FineTuningCalls.WatchAsync(target, job.Id, parse.GetValue(json), cancellationToken);
                if (ended.State != JobState.Succeeded)
                {
                    AnsiConsole.MarkupLine($"[red]job {job.Id} ended {ended.State}: {Markup.Escape(ended.Error?.Message ?? "")}[/]");
                    return 1;
                }
                var scores = await Score(ended.FineTunedModel);
                perQuery.Add(scores);
                results.Add((seed, ended.FineTunedModel, scores.Average(), ended.Metrics));
            }

            double mean = results.Average(r => r.Ndcg), gain = mean - baseline.Average();
            // Per query, the adapters' mean against the base: a paired bootstrap over queries.
            var differences = reportQueries.Select((_, i) => perQuery.Average(s => s[i]) - baseline[i]).ToArray();
            var (low, high) = PairedBootstrap.Interval(differences, resamples: 10_000, seed: 1);
            // Claims whose judged documents no tune claim names: the gain that is not memorised documents.
            var trainedDocuments = tuneQrels.Values.SelectMany(j => j.Keys).ToHashSet(StringComparer.Ordinal);
            var unseen = reportQueries.Select((q, i) => (q, i)).Where(x => !reportQrels[x.q.Id].Keys.Any(trainedDocuments.Contains)).Select(x => x.i).ToList();
            double unseenBase = unseen.Count == 0 ? 0 : unseen.Average(i => baseline[i]);
            double unseenAdapted = unseen.Count == 0 ? 0 : unseen.Average(i => perQuery.Average(s => s[i]));
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    machine = MachineInfo.Describe(), dataset = dataset.Id, queries = reportQueries.Count, base_model = baseName,
                    base_ndcg_at_10 = baseline.Average(), adapters = results.Select(r => new { r.Seed, model = r.Model, ndcg_at_10 = r.Ndcg, job_metrics = r.Metrics }),
                    mean_ndcg_at_10 = mean, mean_gain = gain, gain_interval_95 = new[] { low, high },
                    unseen_documents = new { queries = unseen.Count, base_ndcg_at_10 = unseenBase, adapters_ndcg_at_10 = unseenAdapted },
                }));
            else
            {
                var table = new Table().Border(TableBorder.Rounded).Title($"dense nDCG@10 on the report split ({reportQueries.Count} queries, whole documents)");
                table.AddColumns("model", "seed", "validation nDCG@10 before → after", "report nDCG@10", "gain");
                table.AddRow(baseName, "", "", baseline.Average().ToString("0.0000"), "");
                foreach (var r in results)
                    table.AddRow(Markup.Escape(r.Model), r.Seed.ToString(),
                        $"{r.Metrics.GetValueOrDefault("validation_ndcg_at_10_before"):0.0000} → {r.Metrics.GetValueOrDefault("validation_ndcg_at_10"):0.0000}",
                        r.Ndcg.ToString("0.0000"), (r.Ndcg - baseline.Average()).ToString("+0.0000;-0.0000"));
                table.AddRow("[bold]mean of adapters[/]", "", "", mean.ToString("0.0000"), gain.ToString("+0.0000;-0.0000"));
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine($"mean gain {gain:+0.0000;-0.0000}, paired bootstrap 95% interval over queries [[{low:+0.0000;-0.0000}, {high:+0.0000;-0.0000}]]");
                AnsiConsole.MarkupLine($"{unseen.Count} report queries whose documents no tune query names: {unseenBase:0.0000} → {unseenAdapted:0.0000} ({unseenAdapted - unseenBase:+0.0000;-0.0000})");
                AnsiConsole.MarkupLine($"[grey]machine: {Markup.Escape(MachineInfo.Describe())}[/]");
            }
            return 0;
        });
        return command;
    }

    /// <summary>One pair per judged (query, document); negatives are the base model's best unjudged documents for the query.</summary>
    private static string BuildPairs(List<BeirQuery> queries, float[][] queryVectors, Dictionary<string, Dictionary<string, int>> qrels,
        List<BeirDocument> corpus, List<string> texts, float[][] documents, int negatives)
    {
        var index = corpus.Select((d, i) => (d.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var lines = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal); // a claim may appear under two ids
        for (int q = 0; q < queries.Count; q++)
        {
            var judged = qrels[queries[q].Id];
            var hard = Rank(queryVectors[q], documents, corpus, negatives + judged.Count).Where(id => !judged.ContainsKey(id)).Take(negatives)
                .Select(id => texts[index[id]]).ToList();
            foreach (var (documentId, grade) in judged)
                if (grade > 0 && index.TryGetValue(documentId, out var d))
                {
                    var line = JsonSerializer.Serialize(new { query = queries[q].Text, positive = texts[d], negatives = hard });
                    if (seen.Add(line)) lines.AppendLine(line);
                }
        }
        return lines.ToString();
    }

    /// <summary>Document ids by cosine (vectors are unit length), best first.</summary>
    private static List<string> Rank(float[] query, float[][] documents, List<BeirDocument> corpus, int k)
    {
        var scores = new float[documents.Length];
        for (int d = 0; d < documents.Length; d++) scores[d] = TensorPrimitives.Dot(query, documents[d]);
        return Enumerable.Range(0, documents.Length).OrderByDescending(d => scores[d]).ThenBy(d => d).Take(k).Select(d => corpus[d].Id).ToList();
    }
}
