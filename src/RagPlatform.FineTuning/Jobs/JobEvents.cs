using RagPlatform.Contracts.FineTuning.V1;

namespace RagPlatform.FineTuning.Jobs;

/// <summary>Builders for the events a job's watchers see.</summary>
public static class JobEvents
{
    public static JobEvent StateChanged(JobState state) => new() { StateChanged = state };

    public static JobEvent Message(string text) => new() { Message = text };

    public static JobEvent Metrics(ulong step, uint epoch, double? trainLoss, IReadOnlyDictionary<string, double>? validation = null)
    {
        var metrics = new StepMetrics { Step = step, Epoch = epoch };
        if (trainLoss is { } loss) metrics.TrainLoss = loss;
        foreach (var (name, value) in validation ?? new Dictionary<string, double>()) metrics.Validation[name] = value;
        return new JobEvent { Metrics = metrics };
    }
}
