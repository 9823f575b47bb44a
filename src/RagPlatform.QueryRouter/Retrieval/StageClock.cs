using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Retrieval;

/// <summary>Times the stages of one request, for the response's per-stage timings.</summary>
public sealed class StageClock
{
    public List<StageTiming> Timings { get; } = [];

    public async Task<T> TimeAsync<T>(string stage, Func<Task<T>> work)
    {
        var started = Stopwatch.GetTimestamp();
        try { return await work(); }
        finally { Record(stage, started); }
    }

    public T Time<T>(string stage, Func<T> work)
    {
        var started = Stopwatch.GetTimestamp();
        try { return work(); }
        finally { Record(stage, started); }
    }

    private void Record(string stage, long started) =>
        Timings.Add(new StageTiming { Stage = stage, Duration = Duration.FromTimeSpan(Stopwatch.GetElapsedTime(started)) });
}
