using System.CommandLine;
using Google.Protobuf;
using RagPlatform.Cli.Client;
using RagPlatform.Contracts.FineTuning.V1;
using Spectre.Console;

namespace RagPlatform.Cli.Commands;

/// <summary>rag jobs create|list|watch|cancel: fine-tune jobs, followed live (loss and validation metric per epoch).</summary>
public static class JobsCommand
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static Command Create()
    {
        var command = new Command("jobs", "Fine-tune jobs: create, list, watch, cancel.");
        command.Subcommands.Add(CreateJob());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Watch());
        command.Subcommands.Add(Cancel());
        return command;
    }

    private static Command CreateJob()
    {
        var baseModel = new Option<string>("--base-model") { Description = "Model to fine-tune (e.g. use-lite).", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Training dataset id.", Required = true };
        var validation = new Option<string?>("--validation-dataset") { Description = "Validation dataset id; else a share of the training set is held out." };
        var fraction = new Option<double>("--validation-fraction") { Description = "Share held out when no validation dataset is given (0 means 0.1)." };
        var epochs = new Option<uint?>("--epochs") { Description = "Epochs (auto when omitted)." };
        var batchSize = new Option<uint?>("--batch-size") { Description = "Batch size (auto when omitted)." };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Learning rate (auto when omitted)." };
        var patience = new Option<uint?>("--patience") { Description = "Epochs without improvement before stopping (auto when omitted)." };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "Query adapters: L2 penalty on the map's distance from the identity (auto when omitted)." };
        var seed = new Option<long?>("--seed") { Description = "Seed; the same seed trains the same model." };
        var suffix = new Option<string?>("--suffix") { Description = "Names the result <base>+<suffix>." };
        var key = new Option<string?>("--idempotency-key") { Description = "Repeating a create with the same key returns the first job." };
        var watch = new Option<bool>("--watch") { Description = "Follow the job until it ends." };
        var endpoint = Endpoint();
        var tenant = CommonOptions.Tenant();
        var json = CommonOptions.Json();
        var command = new Command("create", "Create a fine-tune job.")
        {
            baseModel, dataset, validation, fraction, epochs, batchSize, learningRate, patience, weightDecay, seed, suffix, key, watch, endpoint, tenant, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var target = PlatformTarget.Connect(parse.GetValue(endpoint)!, parse.GetValue(tenant));
            var hyperparameters = new Hyperparameters();
            if (parse.GetValue(epochs) is { } e) hyperparameters.Epochs = e;
            if (parse.GetValue(batchSize) is { } b) hyperparameters.BatchSize = b;
            if (parse.GetValue(learningRate) is { } lr) hyperparameters.LearningRate = lr;
            if (parse.GetValue(patience) is { } p) hyperparameters.Patience = p;
            if (parse.GetValue(weightDecay) is { } wd) hyperparameters.WeightDecay = wd;
            var request = new CreateJobRequest
            {
                BaseModel = parse.GetValue(baseModel)!, TrainingDatasetId = parse.GetValue(dataset)!,
                ValidationDatasetId = parse.GetValue(validation) ?? "", ValidationFraction = parse.GetValue(fraction),
                Hyperparameters = hyperparameters, Suffix = parse.GetValue(suffix) ?? "", IdempotencyKey = parse.GetValue(key) ?? "",
            };
            if (parse.GetValue(seed) is { } s) request.Seed = s;
            var job = await target.FineTuning.CreateJobAsync(request, target.Headers, cancellationToken: cancellationToken);
            if (parse.GetValue(watch)) job = await FineTuningCalls.WatchAsync(target, job.Id, parse.GetValue(json), cancellationToken);
            Print(job, parse.GetValue(json));
            return job.State is JobState.Failed or JobState.Cancelled ? 1 : 0;
        });
        return command;
    }

    private static Command List()
    {
        var states = new Option<string[]>("--state") { Description = "Only jobs in these states (queued, running, succeeded, ...).", AllowMultipleArgumentsPerToken = true };
        var baseModel = new Option<string?>("--base-model") { Description = "Only jobs on this base model." };
        var endpoint = Endpoint();
        var tenant = CommonOptions.Tenant();
        var json = CommonOptions.Json();
        var command = new Command("list", "The tenant's jobs, newest first.") { states, baseModel, endpoint, tenant, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var target = PlatformTarget.Connect(parse.GetValue(endpoint)!, parse.GetValue(tenant));
            var request = new ListJobsRequest { PageSize = 100, BaseModel = parse.GetValue(baseModel) ?? "" };
            foreach (var state in parse.GetValue(states) ?? [])
                request.States.Add(Enum.TryParse<JobState>(state, ignoreCase: true, out var parsed) && parsed != JobState.Unspecified
                    ? parsed : throw new ArgumentException($"unknown state '{state}'"));
            var jobs = new List<Job>();
            do
            {
                var page = await target.FineTuning.ListJobsAsync(request, target.Headers, cancellationToken: cancellationToken);
                jobs.AddRange(page.Jobs);
                request.PageToken = page.NextPageToken;
            } while (request.PageToken.Length > 0);
            if (parse.GetValue(json))
            {
                Console.WriteLine("[" + string.Join(",", jobs.Select(j => Json.Format(j))) + "]");
                return 0;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumns("id", "base", "state", "model", "validation", "created");
            foreach (var j in jobs)
                table.AddRow(j.Id, Markup.Escape(j.BaseModel), j.State.ToString(), Markup.Escape(j.FineTunedModel),
                    ValidationFigure(j), j.CreatedAt.ToDateTime().ToString("u"));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Watch()
    {
        var id = new Argument<string>("job") { Description = "Job id." };
        var endpoint = Endpoint();
        var tenant = CommonOptions.Tenant();
        var command = new Command("watch", "Follow a job's events (state, loss, validation metric, checkpoints) until it ends.") { id, endpoint, tenant };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var target = PlatformTarget.Connect(parse.GetValue(endpoint)!, parse.GetValue(tenant));
            var job = await FineTuningCalls.WatchAsync(target, parse.GetValue(id)!, quiet: false, cancellationToken);
            Print(job, json: false);
            return job.State == JobState.Succeeded ? 0 : 1;
        });
        return command;
    }

    private static Command Cancel()
    {
        var id = new Argument<string>("job") { Description = "Job id." };
        var endpoint = Endpoint();
        var tenant = CommonOptions.Tenant();
        var command = new Command("cancel", "Cancel a queued or running job.") { id, endpoint, tenant };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var target = PlatformTarget.Connect(parse.GetValue(endpoint)!, parse.GetValue(tenant));
            Print(await target.FineTuning.CancelJobAsync(new CancelJobRequest { Id = parse.GetValue(id)! }, target.Headers, cancellationToken: cancellationToken), json: false);
            return 0;
        });
        return command;
    }

    /// <summary>Retrieval jobs report nDCG@10, generative ones perplexity (lower is better).</summary>
    private static string ValidationFigure(Job job) =>
        job.Metrics.TryGetValue("validation_ndcg_at_10", out var ndcg) ? $"nDCG@10 {ndcg:0.0000}"
        : job.Metrics.TryGetValue("validation_perplexity", out var perplexity) ? $"perplexity {perplexity:0.00}"
        : "";

    private static Option<string?> Endpoint()
    {
        var endpoint = CommonOptions.Endpoint("The platform's address.");
        endpoint.DefaultValueFactory = _ => Standalone.StandaloneHost.DefaultUrl;
        return endpoint;
    }

    private static void Print(Job job, bool json)
    {
        if (json)
        {
            Console.WriteLine(Json.Format(job));
            return;
        }
        AnsiConsole.MarkupLine($"[bold]{job.Id}[/] {Markup.Escape(job.BaseModel)} → {job.State}"
            + (job.FineTunedModel.Length > 0 ? $": model [green]{Markup.Escape(job.FineTunedModel)}[/]" : "")
            + (job.Error is { } error ? $": [red]{Markup.Escape(error.Message)}[/]" : ""));
        foreach (var (name, value) in job.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
            AnsiConsole.MarkupLine($"  {Markup.Escape(name)} {value:0.####}");
    }
}
