namespace RagPlatform.ServiceDefaults.Redis;

/// <summary>
/// Stops calling a dependency that is failing: after a failure the circuit opens and calls are
/// skipped outright for a cool-down, then one trial call is let through; success closes it. So a
/// dead Redis costs a request nothing but a check, not a connect timeout each time.
/// </summary>
public sealed class CircuitBreaker(TimeSpan coolDown, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private long openUntilTicks;          // 0 = closed
    private int trialInFlight;

    public bool IsOpen => Interlocked.Read(ref openUntilTicks) != 0;

    /// <summary>Whether to call the dependency now. While open, only one caller per cool-down gets a trial.</summary>
    public bool Allow()
    {
        long until = Interlocked.Read(ref openUntilTicks);
        if (until == 0) return true;
        if (clock.GetUtcNow().UtcTicks < until) return false;
        return Interlocked.CompareExchange(ref trialInFlight, 1, 0) == 0;
    }

    public void Success()
    {
        Interlocked.Exchange(ref openUntilTicks, 0);
        Interlocked.Exchange(ref trialInFlight, 0);
    }

    public void Failure()
    {
        Interlocked.Exchange(ref openUntilTicks, clock.GetUtcNow().Add(coolDown).UtcTicks);
        Interlocked.Exchange(ref trialInFlight, 0);
    }
}
