using global::OpenAI.FineTuning;

namespace RagPlatform.FineTuning.Executors.OpenAI;

/// <summary>
/// A remote job's progress as the job's own: its events and metrics as job events, its checkpoints
/// as job checkpoints, each reported once (the state remembers the last event and checkpoint seen).
/// </summary>
public static class RemoteProgress
{
    /// <summary>Remote events newer than the last one reported (the API lists newest first), oldest first, as job events.</summary>
    public static async Task<RemoteJobState> ReportEventsAsync(JobRun run, FineTuningJob job, RemoteCalls calls, RemoteJobState state,
        CancellationToken cancellationToken)
    {
        var fresh = await calls.RunAsync("read the fine-tuning job's events", async token =>
        {
            var newer = new List<FineTuningEvent>();
            await foreach (var e in job.GetEventsAsync(new GetEventsOptions { PageSize = 100 }, token))
            {
                if (e.Id == state.LastEventId) break;
                newer.Add(e);
            }
            return newer;
        }, cancellationToken);
        for (int i = fresh.Count - 1; i >= 0; i--)
        {
            var e = fresh[i];
            if (e.Kind == FineTuningJobEventKind.Metrics && RemoteMetrics.Parse(e.Data) is { } metrics)
                await run.ReportAsync(metrics.Step, state.Epochs + 1, metrics.TrainLoss, metrics.Validation, cancellationToken);
            else
                await run.MessageAsync("hosted: " + e.Message, cancellationToken);
        }
        return fresh.Count > 0 ? state with { LastEventId = fresh[0].Id } : state;
    }

    /// <summary>Remote checkpoints past the last one recorded, each recorded as the job's checkpoint of the next epoch.</summary>
    public static async Task<RemoteJobState> ReportCheckpointsAsync(JobRun run, FineTuningJob job, RemoteCalls calls, RemoteJobState state,
        CancellationToken cancellationToken)
    {
        var checkpoints = await calls.RunAsync("read the fine-tuning job's checkpoints", async token =>
        {
            var all = new List<FineTuningCheckpoint>();
            await foreach (var c in job.GetCheckpointsAsync(new GetCheckpointsOptions { PageSize = 100 }, token)) all.Add(c);
            return all;
        }, cancellationToken);
        foreach (var checkpoint in checkpoints.Where(c => c.StepNumber > state.LastCheckpointStep).OrderBy(c => c.StepNumber))
        {
            var figures = new Dictionary<string, double>();
            if (checkpoint.Metrics?.TrainLoss is { } train) figures["train_loss"] = train;
            if (checkpoint.Metrics?.ValidLoss is { } valid) figures["validation_loss"] = valid;
            if (checkpoint.Metrics?.FullValidLoss is { } full) figures["full_validation_loss"] = full;
            state = state with { LastCheckpointStep = checkpoint.StepNumber, Epochs = state.Epochs + 1 };
            await run.MessageAsync($"hosted checkpoint {checkpoint.ModelId} at step {checkpoint.StepNumber}", cancellationToken);
            await run.SaveCheckpointAsync(state.Epochs, (ulong)checkpoint.StepNumber, figures, state.Serialize(), cancellationToken);
        }
        return state;
    }
}
