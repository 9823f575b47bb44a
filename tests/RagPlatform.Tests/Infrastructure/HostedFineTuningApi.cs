using System.Text.Json;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>
/// A local server that answers as OpenAI's documented files and fine-tuning API does (and its chat
/// completions, for the model it produced), so the requests the hosted executor sends can be read
/// and the remote job driven through states the test scripts, and answers lost. Each read of the job moves it one
/// <see cref="Phase"/> on (a phase marked Hold waits for <see cref="Release"/>); a phase's events and
/// checkpoints appear when the job reaches it. Requests can be refused (401, 429, 5xx) by a rule.
/// </summary>
public sealed class HostedFineTuningApi : IAsyncDisposable
{
    /// <summary>A remote state, and the events and checkpoints that appear with it.</summary>
    public sealed record Phase(string Status, IReadOnlyList<object>? Events = null, IReadOnlyList<object>? Checkpoints = null, bool Hold = false)
    {
        public object? Error { get; init; }
    }

    private readonly object gate = new();
    private readonly List<Phase> phases;
    private readonly List<object> events = [];
    private readonly List<object> checkpoints = [];
    private readonly List<string> files = [];
    private ScriptedHttpServer server = null!;
    private string? jobId;
    private string? suffix;
    private int phase = -1;
    private bool released;
    private bool cancelled;
    private string? validationFile;
    private string? trainingFile;
    private Dictionary<string, string> metadata = [];

    private HostedFineTuningApi(IEnumerable<Phase> phases) => this.phases = [.. phases];

    public const string BaseModel = "gpt-test-mini";

    /// <summary>Refuses a request with this reply instead of answering it, when it returns one.</summary>
    public Func<RecordedRequest, ScriptedReply?>? Refuse { get; set; }

    /// <summary>Handles a request (its effect happens) but loses the answer: the client sees a 502.</summary>
    public Func<RecordedRequest, bool>? LoseAnswer { get; set; }

    /// <summary>How long the answer to a request takes to come.</summary>
    public Func<RecordedRequest, TimeSpan>? DelayAnswer { get; set; }

    public Uri Endpoint => new(server.Address, "v1/");
    public IReadOnlyList<RecordedRequest> Requests => server.Requests;
    public string FineTunedModel => $"ft:{BaseModel}:acme:{suffix}:7xq";

    public static async Task<HostedFineTuningApi> StartAsync(params Phase[] phases)
    {
        var api = new HostedFineTuningApi(phases);
        api.server = await ScriptedHttpServer.StartAsync((request, _) => api.Refuse?.Invoke(request) ?? api.AnswerOrLose(request));
        return api;
    }

    public void Release()
    {
        lock (gate) released = true;
    }

    public IEnumerable<RecordedRequest> To(string method, string path) =>
        Requests.Where(r => r.Method == method && r.PathAndQuery.Split('?')[0] == path);

    /// <summary>A metrics event as the API writes one.</summary>
    public static object Metrics(int id, int step, double trainLoss, double? validLoss = null) => new
    {
        @object = "fine_tuning.job.event", id = $"ftevent-m{id}", created_at = 1_700_000_000 + id, level = "info",
        message = $"Step {step}: training loss={trainLoss}", type = "metrics",
        data = validLoss is { } v ? (object)new { step, train_loss = trainLoss, valid_loss = v, total_steps = 40 } : new { step, train_loss = trainLoss, total_steps = 40 },
    };

    public static object Message(int id, string text) => new
    {
        @object = "fine_tuning.job.event", id = $"ftevent-t{id}", created_at = 1_700_000_000 + id, level = "info", message = text, type = "message",
    };

    public static object Checkpoint(int step, double trainLoss, double validLoss) => new
    {
        @object = "fine_tuning.job.checkpoint", id = $"ftckpt-{step}", created_at = 1_700_000_000 + step,
        fine_tuned_model_checkpoint = $"ft:{BaseModel}:acme::ckpt-step-{step}", step_number = step, fine_tuning_job_id = "ftjob-remote1",
        metrics = new { step, train_loss = trainLoss, valid_loss = validLoss, train_mean_token_accuracy = 0.5, valid_mean_token_accuracy = 0.4 },
    };

    private ScriptedReply AnswerOrLose(RecordedRequest request)
    {
        var answer = Answer(request);
        answer = LoseAnswer?.Invoke(request) == true ? OpenAIChatReplies.Error(502, "Bad gateway") : answer;
        return answer with { Delay = DelayAnswer?.Invoke(request) ?? TimeSpan.Zero };
    }

    private ScriptedReply Answer(RecordedRequest request)
    {
        var path = request.PathAndQuery.Split('?')[0];
        lock (gate)
        {
            if (request.Method == "POST" && path == "/v1/files")
            {
                var id = $"file-{files.Count + 1}";
                files.Add(id);
                return Json(new { id, @object = "file", bytes = request.Body.Length, created_at = 1_700_000_000, filename = "upload.jsonl", purpose = "fine-tune", status = "processed" });
            }
            if (request.Method == "POST" && path == "/v1/fine_tuning/jobs")
            {
                using var body = JsonDocument.Parse(request.Body);
                jobId = "ftjob-remote1";
                suffix = body.RootElement.TryGetProperty("suffix", out var s) ? s.GetString() : null;
                trainingFile = body.RootElement.GetProperty("training_file").GetString();
                validationFile = body.RootElement.TryGetProperty("validation_file", out var v) ? v.GetString() : null;
                metadata = body.RootElement.TryGetProperty("metadata", out var m) ? m.Deserialize<Dictionary<string, string>>()! : [];
                return Json(Job("validating_files"));
            }
            if (request.Method == "GET" && path == "/v1/fine_tuning/jobs")
                return Json(new { @object = "list", data = jobId is null ? Array.Empty<object>() : [Job(Current.Status)], has_more = false });
            if (jobId is not null && request.Method == "GET" && path == $"/v1/fine_tuning/jobs/{jobId}")
            {
                Advance();
                return Json(Job(Current.Status));
            }
            if (jobId is not null && request.Method == "GET" && path == $"/v1/fine_tuning/jobs/{jobId}/events")
                return Json(new { @object = "list", data = Enumerable.Reverse(events).ToArray(), has_more = false });
            if (jobId is not null && request.Method == "GET" && path == $"/v1/fine_tuning/jobs/{jobId}/checkpoints")
            {
                var newestFirst = Enumerable.Reverse(checkpoints).ToArray();
                return Json(new { @object = "list", data = newestFirst, has_more = false, first_id = newestFirst.Length > 0 ? "first" : null, last_id = (string?)null });
            }
            if (jobId is not null && request.Method == "POST" && path == $"/v1/fine_tuning/jobs/{jobId}/cancel")
            {
                cancelled = true;
                return Json(Job("cancelled"));
            }
            if (request.Method == "POST" && path == "/v1/chat/completions")
                return OpenAIChatReplies.Stream(["Bed 7", " [1]."]);
        }
        return OpenAIChatReplies.Error(404, $"no route for {request.Method} {path}");
    }

    private Phase Current => cancelled ? new Phase("cancelled") : phase < 0 ? new Phase("validating_files") : phases[phase];

    private void Advance()
    {
        if (cancelled || phase == phases.Count - 1 || (phase >= 0 && phases[phase].Hold && !released)) return;
        phase++;
        events.AddRange(phases[phase].Events ?? []);
        checkpoints.AddRange(phases[phase].Checkpoints ?? []);
    }

    private object Job(string status) => new
    {
        @object = "fine_tuning.job", id = jobId, model = BaseModel, created_at = 1_700_000_000,
        finished_at = status is "succeeded" or "failed" or "cancelled" ? 1_700_000_900 : (int?)null,
        fine_tuned_model = status == "succeeded" ? FineTunedModel : null,
        organization_id = "org-test", result_files = Array.Empty<string>(), status,
        validation_file = validationFile, training_file = trainingFile,
        hyperparameters = new { n_epochs = 3, batch_size = 1, learning_rate_multiplier = 2.0 },
        method = new { type = "supervised", supervised = new { hyperparameters = new { n_epochs = 3, batch_size = 1, learning_rate_multiplier = 2.0 } } },
        trained_tokens = status == "succeeded" ? 1234 : (int?)null,
        error = status == "failed" ? Current.Error : null,
        integrations = Array.Empty<object>(), seed = 7, estimated_finish = (int?)null, metadata,
        user_provided_suffix = suffix,
    };

    private static ScriptedReply Json(object body) => new(200, JsonSerializer.Serialize(body));

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
