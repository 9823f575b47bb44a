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
/// rag eval adapter: builds retrieval-pairs datasets from a BEIR split (each judged document a
/// positive, the base model's best-ranked unjudged documents as hard negatives) and fine-tunes
/// query adapters through the FineTuning service, once per seed: on the whole tune split, scored
/// on the report split, and, with --folds, on all but one fold of the tune split, scored on that
/// fold. So every train claim (tune and report) gets an out-of-fold dense nDCG@10, each document
/// embedded whole, for the base model and the adapters; gains come with paired bootstrap intervals,
/// split by whether training named any of the claim's judged documents.
/// </summary>
public static class EvalAdapterCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "BEIR folder with corpus.jsonl, queries-tune.jsonl, qrels/tune.tsv, queries-report.jsonl, qrels/report.tsv.", Required = true };
        var baseModel = new Option<string>("--base") { Description = "Retrieval model to adapt.", DefaultValueFactory = _ => "use-lite" };
        var seeds = new Option<long[]>("--seeds") { Description = "One job per seed (and fold).", DefaultValueFactory = _ => [1, 2, 3], AllowMultipleArgumentsPerToken = true };
        var folds = new Option<int>("--folds") { Description = "Cross-fitting folds over the tune split (0: the report split only).", DefaultValueFactory = _ => 5 };
        var negatives = new Option<int>("--negatives") { Description = "Hard negatives per pair, mined from the base model's ranking.", DefaultValueFactory = _ => 3 };
        var holdout = new Option<double>("--validation-fraction") { Description = "Share of training queries held out for early stopping.", DefaultValueFactory = _ => 0.15 };
        var epochs = new Option<uint?>("--epochs") { Description = "Epochs (auto when omitted)." };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Learning rate (auto when omitted)." };
        var batchSize = new Option<uint?>("--batch-size") { Description = "Pairs per batch (auto when omitted)." };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "L2 penalty on the adapter's distance from the identity (auto when omitted)." };
        var work = new Option<string>("--work-dir") { Description = "Keeps the in-process host's fine-tuning data (and its embedding cache) between runs.",
            DefaultValueFactory = _ => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ragplatform", "eval-adapter") };
        var endpoint = CommonOptions.Endpoint("Run against a deployment instead of an in-process host.");
        var json = CommonOptions.Json();
        var command = new Command("adapter", "Fine-tune query adapters on a BEIR tune split and compare dense nDCG@10 with the base model: on the report split, and out of fold on every train claim.")
        {
            data, baseModel, seeds, folds, negatives, holdout, epochs, learningRate, batchSize, weightDecay, work, endpoint, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetValue(data)!;
            var workDir = parse.GetValue(work)!;
            var endpointValue = parse.GetValue(endpoint);
            var baseName = parse.GetValue(baseModel)!;
            int foldCount = parse.GetValue(folds);
            if (foldCount is 1 or < 0) throw new ArgumentException("--folds must be 0 or at least 2");
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

            (List<BeirQuery> Queries, Dictionary<string, Dictionary<string, int>> Qrels) Split(string name)
            {
                var qrels = BeirDataset.Qrels(Path.Combine(folder, "qrels", $"{name}.tsv"));
                return (BeirDataset.Queries(Path.Combine(folder, $"queries-{name}.jsonl")).Where(q => qrels.ContainsKey(q.Id)).ToList(), qrels);
            }
            var (tuneQueries, tuneQrels) = Split("tune");
            var (reportQueries, reportQrels) = Split("report");
            var tuneVectors = await vectors.GetAsync(baseName, dimension, tuneQueries.Select(q => q.Text).ToList(), isQuery: true, null, cancellationToken);

            // Every claim scored once per model: tune claims first, then report claims.
            var claims = tuneQueries.Concat(reportQueries).ToList();
            var judged = tuneQueries.Select(q => tuneQrels[q.Id]).Concat(reportQueries.Select(q => reportQrels[q.Id])).ToList();
            async Task<double[]> Score(string model, IReadOnlyList<int> which)
            {
                var scores = new List<double>(which.Count);
                foreach (var chunk in which.Chunk(256)) // within Embed's batch limit
                {
                    var request = new EmbedRequest { Model = model, InputType = InputType.Query, Dense = true };
                    request.Texts.Add(chunk.Select(i => claims[i].Text));
                    var response = await target.Embedding.EmbedAsync(request, target.Headers, cancellationToken: cancellationToken);
                    scores.AddRange(chunk.Select((c, j) => RetrievalMetrics.NdcgAt(10, Rank(response.Embeddings[j].Dense.ToArray(), documents, corpus, 10), judged[c])));
                }
                return scores.ToArray();
            }
            var everyClaim = Enumerable.Range(0, claims.Count).ToList();
            var baseScores = await Score(baseName, everyClaim);

            // Training sets: fold f trains on the tune claims outside f and scores those in it; the last trains on all tune claims and scores the report split.
            var foldOf = foldCount == 0 ? new int[tuneQueries.Count] : CrossFitting.Folds(tuneQueries.Select(q => q.Id).ToList(), foldCount);
            var trainings = Enumerable.Range(0, foldCount).Select(f => (Name: $"f{f}",
                    Train: Enumerable.Range(0, tuneQueries.Count).Where(i => foldOf[i] != f).ToList(),
                    Scored: Enumerable.Range(0, tuneQueries.Count).Where(i => foldOf[i] == f).ToList()))
                .Append((Name: "all", Train: Enumerable.Range(0, tuneQueries.Count).ToList(),
                    Scored: Enumerable.Range(tuneQueries.Count, reportQueries.Count).ToList()))
                .ToList();
            // A claim's documents are seen when a pair it was not scored out of named one of them as a positive.
            var seen = new bool[claims.Count];
            foreach (var training in trainings)
            {
                var trained = training.Train.SelectMany(i => judged[i].Where(j => j.Value > 0).Select(j => j.Key)).ToHashSet(StringComparer.Ordinal);
                foreach (var c in training.Scored) seen[c] = judged[c].Keys.Any(trained.Contains);
            }
            var datasets = new List<string>();
            foreach (var training in trainings)
            {
                var pairs = BuildPairs(training.Train.Select(i => tuneQueries[i]).ToList(), training.Train.Select(i => tuneVectors[i]).ToArray(),
                    tuneQrels, corpus, texts, documents, parse.GetValue(negatives));
                var dataset = await FineTuningCalls.UploadAsync(target, new MemoryStream(Encoding.UTF8.GetBytes(pairs)), $"beir tune pairs ({training.Name})",
                    DatasetKind.RetrievalPairs, baseName, cancellationToken);
                AnsiConsole.MarkupLine($"dataset {dataset.Id} ({training.Name}): {dataset.LineCount} pairs, {dataset.Status}");
                if (dataset.Status != DatasetStatus.Valid)
                {
                    AnsiConsole.MarkupLine($"[red]the pairs did not validate: {Markup.Escape(string.Join("; ", dataset.Errors.Take(3).Select(e => $"line {e.Line}: {e.Reason}")))}[/]");
                    return 1;
                }
                datasets.Add(dataset.Id);
            }

            var hyperparameters = new Hyperparameters();
            if (parse.GetValue(epochs) is { } e) hyperparameters.Epochs = e;
            if (parse.GetValue(learningRate) is { } lr) hyperparameters.LearningRate = lr;
            if (parse.GetValue(batchSize) is { } b) hyperparameters.BatchSize = b;
            if (parse.GetValue(weightDecay) is { } wd) hyperparameters.WeightDecay = wd;
            var run = Guid.NewGuid().ToString("N")[..6];
            var reported = new List<(long Seed, string Model, double Ndcg, IReadOnlyDictionary<string, double> Metrics)>();
            var adaptedBySeed = new List<double[]>();
            foreach (var seed in parse.GetValue(seeds)!)
            {
                var adapted = new double[claims.Count];
                for (int t = 0; t < trainings.Count; t++)
                {
                    var job = await target.FineTuning.CreateJobAsync(new CreateJobRequest
                    {
                        BaseModel = baseName, TrainingDatasetId = datasets[t], ValidationFraction = parse.GetValue(holdout), Seed = seed,
                        Suffix = $"beir-{run}-s{seed}-{trainings[t].Name}", Hyperparameters = hyperparameters,
                    }, target.Headers, cancellationToken: cancellationToken);
                    var ended = await FineTuningCalls.WatchAsync(target, job.Id, parse.GetValue(json), cancellationToken);
                    if (ended.State != JobState.Succeeded)
                    {
                        AnsiConsole.MarkupLine($"[red]job {job.Id} ended {ended.State}: {Markup.Escape(ended.Error?.Message ?? "")}[/]");
                        return 1;
                    }
                    var scores = await Score(ended.FineTunedModel, trainings[t].Scored);
                    for (int j = 0; j < scores.Length; j++) adapted[trainings[t].Scored[j]] = scores[j];
                    if (trainings[t].Name == "all") reported.Add((seed, ended.FineTunedModel, scores.Average(), ended.Metrics));
                }
                adaptedBySeed.Add(adapted);
            }

            // Per claim, the adapters' mean over seeds against the base: paired bootstraps over claims.
            var meanAdapted = everyClaim.Select(c => adaptedBySeed.Average(s => s[c])).ToArray();
            var report = Enumerable.Range(tuneQueries.Count, reportQueries.Count).ToList();
            var outOfFold = foldCount == 0 ? report : everyClaim;
            var summaries = new List<GainSummary>
            {
                GainSummary.Of("report split", baseScores, meanAdapted, report),
                GainSummary.Of("report, documents unseen", baseScores, meanAdapted, report.Where(c => !seen[c])),
                GainSummary.Of("report, documents seen", baseScores, meanAdapted, report.Where(c => seen[c])),
            };
            if (foldCount > 0)
            {
                var tune = Enumerable.Range(0, tuneQueries.Count).ToList();
                summaries.AddRange([
                    GainSummary.Of("tune, out of fold", baseScores, meanAdapted, tune),
                    GainSummary.Of("tune, documents unseen", baseScores, meanAdapted, tune.Where(c => !seen[c])),
                    GainSummary.Of("all train claims, out of fold", baseScores, meanAdapted, outOfFold),
                    GainSummary.Of("all, documents unseen", baseScores, meanAdapted, outOfFold.Where(c => !seen[c])),
                    GainSummary.Of("all, documents seen", baseScores, meanAdapted, outOfFold.Where(c => seen[c])),
                ]);
            }
            double baseReport = report.Average(c => baseScores[c]);
            if (parse.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    machine = MachineInfo.Describe(), datasets, base_model = baseName, folds = foldCount, seeds = parse.GetValue(seeds),
                    weight_decay = parse.GetValue(weightDecay), report_queries = reportQueries.Count, base_ndcg_at_10 = baseReport,
                    adapters = reported.Select(r => new { r.Seed, model = r.Model, ndcg_at_10 = r.Ndcg, job_metrics = r.Metrics }),
                    gains = summaries.Select(g => new { label = g.Label, queries = g.Queries, base_ndcg_at_10 = g.Base, adapted_ndcg_at_10 = g.Adapted,
                        mean_gain = g.Gain, gain_interval_95 = new[] { g.Low, g.High } }),
                }));
            else
            {
                var table = new Table().Border(TableBorder.Rounded).Title($"dense nDCG@10 on the report split ({reportQueries.Count} queries, whole documents), adapters trained on all tune claims");
                table.AddColumns("model", "seed", "validation nDCG@10 before → after", "best epoch", "report nDCG@10", "gain");
                table.AddRow(baseName, "", "", "", baseReport.ToString("0.0000"), "");
                foreach (var r in reported)
                    table.AddRow(Markup.Escape(r.Model), r.Seed.ToString(),
                        $"{r.Metrics.GetValueOrDefault("validation_ndcg_at_10_before"):0.0000} → {r.Metrics.GetValueOrDefault("validation_ndcg_at_10"):0.0000}",
                        r.Metrics.GetValueOrDefault("best_epoch").ToString("0"), r.Ndcg.ToString("0.0000"), (r.Ndcg - baseReport).ToString("+0.0000;-0.0000"));
                table.AddRow("[bold]mean of adapters[/]", "", "", "", reported.Average(r => r.Ndcg).ToString("0.0000"),
                    (reported.Average(r => r.Ndcg) - baseReport).ToString("+0.0000;-0.0000"));
                AnsiConsole.Write(table);
                var gains = new Table().Border(TableBorder.Rounded)
                    .Title($"gain of the adapters (mean over {adaptedBySeed.Count} seeds per claim) over {baseName}; documents seen = training named one of the claim's judged documents");
                gains.AddColumns("claims", "n", "base", "adapted", "gain", "paired bootstrap 95%");
                foreach (var g in summaries)
                    gains.AddRow(g.Label, g.Queries.ToString(), g.Base.ToString("0.0000"), g.Adapted.ToString("0.0000"), g.Gain.ToString("+0.0000;-0.0000"),
                        $"[[{g.Low:+0.0000;-0.0000}, {g.High:+0.0000;-0.0000}]]");
                AnsiConsole.Write(gains);
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
