using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using RagPlatform.Cli.Client;
using RagPlatform.Cli.Measurement;
using RagPlatform.Contracts.Query.V1;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>
/// rag eval answers: ingests a corpus, asks every question through the whole platform (per
/// strategy), and scores the answers: exact match and token F1 against gold answers, whether a
/// citation points at a relevant (gold) passage, the share of citations that do, and latency.
/// </summary>
public static class EvalAnswersCommand
{
    public static Command Create()
    {
        var corpus = new Option<string>("--corpus") { Description = "corpus.jsonl (_id, title, text).", Required = true };
        var questions = new Option<string>("--questions") { Description = "queries.jsonl (_id, text).", Required = true };
        var answers = new Option<string?>("--answers") { Description = "answers.jsonl (_id, answers: [...]); without it, only citations are scored." };
        var qrels = new Option<string?>("--qrels") { Description = "qrels TSV: the relevant (gold) passages of each question; questions not in it are skipped." };
        var strategy = new Option<string[]>("--strategy") { Description = "rag, auto, fine-tuned and/or hybrid (repeatable).", DefaultValueFactory = _ => ["rag"], AllowMultipleArgumentsPerToken = true };
        var model = new Option<string?>("--generation-model") { Description = "Chat model that answers; the strategy's default when omitted." };
        var retrievalModel = new Option<string?>("--model") { Description = "Dense retrieval model for ingestion and search (e.g. use-lite, hashing-v1)." };
        var limit = new Option<int>("--limit") { Description = "Ask only the first N questions (0: all).", DefaultValueFactory = _ => 0 };
        var endpoint = CommonOptions.Endpoint("Evaluate a running deployment (its corpus is ingested into --source).");
        var source = new Option<string>("--source") { Description = "Source to ingest into and ask.", DefaultValueFactory = _ => "eval-answers" };
        var skipIngest = new Option<bool>("--skip-ingest") { Description = "Reuse what the source already holds." };
        var json = CommonOptions.Json();
        var command = new Command("answers", "Exact match, token F1 and citation accuracy of the platform's answers.")
        {
            corpus, questions, answers, qrels, strategy, model, retrievalModel, limit, endpoint, source, skipIngest, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string[] settings = parse.GetValue(retrievalModel) is { } name ? ["--Embedding:DefaultModel", name] : [];
            var endpointValue = parse.GetValue(endpoint);
            await using var target = endpointValue is null ? await PlatformTarget.StartInProcessAsync(settings: settings) : PlatformTarget.Connect(endpointValue);
            var sourceName = parse.GetValue(source)!;
            if (!parse.GetValue(skipIngest))
                await EvalCommand.IngestCorpusAsync(target, parse.GetValue(corpus)!, sourceName, whole: false, cancellationToken);

            var gold = parse.GetValue(answers) is { } answersPath ? ReadAnswers(answersPath) : null;
            var relevant = parse.GetValue(qrels) is { } qrelsPath ? BeirDataset.Qrels(qrelsPath) : null;
            var asked = BeirDataset.Queries(parse.GetValue(questions)!)
                .Where(q => (relevant is null || relevant.ContainsKey(q.Id)) && (gold is null || gold.ContainsKey(q.Id)))
                .ToList();
            if (parse.GetValue(limit) is > 0 and var n)
                asked = asked.Take(n).ToList();

            var results = new List<StrategyScore>();
            foreach (var s in parse.GetValue(strategy)!)
                results.Add(await ScoreAsync(target, asked, s, sourceName, parse.GetValue(model), gold, relevant, cancellationToken));
            Print(results, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private sealed record StrategyScore(string Strategy, int Questions, int Failed, double? ExactMatch, double? F1,
        double? CitedGold, double? CitationPrecision, double Answered, double Extractive, LatencyStats Latency);

    private sealed record Scored(double? ExactMatch, double? F1, bool? CitedGold, int Citations, int RelevantCitations,
        bool Answered, bool Extractive, double Milliseconds);

    private static async Task<StrategyScore> ScoreAsync(PlatformTarget target, List<BeirQuery> asked, string strategy, string source,
        string? model, Dictionary<string, List<string>>? gold, Dictionary<string, Dictionary<string, int>>? relevant, CancellationToken cancellationToken)
    {
        var scored = new ConcurrentBag<Scored>();
        int failed = 0;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask($"Asking {asked.Count} questions ({strategy})", maxValue: asked.Count);
            await Parallel.ForEachAsync(asked, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (question, token) =>
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    var response = await target.Router.AskAsync(new AskRequest
                    {
                        Question = question.Text,
                        Sources = { source },
                        Strategy = ParseStrategy(strategy),
                        GenerationModel = model ?? "",
                        Cache = CachePolicy.Bypass,
                    }, target.Headers, cancellationToken: token);
                    scored.Add(Score(question.Id, response, clock.Elapsed.TotalMilliseconds, gold, relevant));
                }
                catch (Grpc.Core.RpcException) when (!token.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failed);
                }
                task.Increment(1);
            });
        });
        var all = scored.ToList();
        double? Mean(Func<Scored, double?> pick) => all.Select(pick).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(double.NaN).Average() is var m && double.IsNaN(m) ? null : m;
        int citations = all.Sum(s => s.Citations);
        return new StrategyScore(strategy, all.Count, failed,
            Mean(s => s.ExactMatch), Mean(s => s.F1), Mean(s => s.CitedGold is { } hit ? (hit ? 1 : 0) : null),
            relevant is null || citations == 0 ? null : (double)all.Sum(s => s.RelevantCitations) / citations,
            all.Count == 0 ? 0 : all.Average(s => s.Answered ? 1.0 : 0),
            all.Count == 0 ? 0 : all.Average(s => s.Extractive ? 1.0 : 0),
            LatencyStats.Of(all.Select(s => s.Milliseconds).ToList()));
    }

    private static Scored Score(string id, AskResponse response, double milliseconds,
        Dictionary<string, List<string>>? gold, Dictionary<string, Dictionary<string, int>>? relevant)
    {
        var goldAnswers = gold?.GetValueOrDefault(id);
        var judged = relevant?.GetValueOrDefault(id);
        bool IsRelevant(Citation c) => judged is not null && judged.TryGetValue(c.DocumentId, out int grade) && grade > 0;
        return new Scored(
            goldAnswers is null ? null : AnswerMetrics.ExactMatch(response.Answer, goldAnswers),
            goldAnswers is null ? null : AnswerMetrics.TokenF1(response.Answer, goldAnswers),
            judged is null ? null : response.Citations.Any(IsRelevant),
            response.Citations.Count,
            response.Citations.Count(IsRelevant),
            response.Citations.Count > 0,
            response.Extractive,
            milliseconds);
    }

    private static Strategy ParseStrategy(string strategy) => strategy switch
    {
        "rag" => Strategy.Rag,
        "auto" => Strategy.Auto,
        "fine-tuned" => Strategy.FineTuned,
        "hybrid" => Strategy.Hybrid,
        _ => throw new ArgumentException($"unknown strategy '{strategy}': use rag, auto, fine-tuned or hybrid"),
    };

    /// <summary>answers.jsonl: question id → its gold answer strings.</summary>
    private static Dictionary<string, List<string>> ReadAnswers(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return (Id: root.GetProperty("_id").GetString()!, Answers: root.GetProperty("answers").EnumerateArray().Select(a => a.GetString()!).ToList());
        }).ToDictionary(x => x.Id, x => x.Answers);

    private static void Print(List<StrategyScore> results, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { machine = MachineInfo.Describe(), results }));
            return;
        }
        static string Figure(double? value) => value is { } v ? v.ToString("0.0000") : "—";
        var table = new Table().Border(TableBorder.Rounded).Title("rag eval answers");
        table.AddColumns("strategy", "asked", "failed", "EM", "F1", "cites gold", "cit. prec.", "cited", "p50 ms", "p99 ms");
        foreach (var r in results)
            table.AddRow(r.Strategy, r.Questions.ToString(), r.Failed.ToString(), Figure(r.ExactMatch), Figure(r.F1), Figure(r.CitedGold),
                Figure(r.CitationPrecision), Figure(r.Answered), r.Latency.P50.ToString("0"), r.Latency.P99.ToString("0"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]EM, F1: exact match and token F1 against the gold answers (SQuAD normalisation, citation markers removed); " +
            "cites gold: share of answers citing at least one relevant passage; cit. prec.: share of all citations that point at one; " +
            $"cited: share of answers with a citation; {results.FirstOrDefault()?.Extractive:0.##} of answers were extractive.[/]");
        AnsiConsole.MarkupLine($"[grey]machine: {Markup.Escape(MachineInfo.Describe())}[/]");
    }
}
