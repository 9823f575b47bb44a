using RagPlatform.ServiceDefaults.Errors;
using StackExchange.Redis;

namespace RagPlatform.FineTuning.Storage.Redis;

/// <summary>
/// Redis that cannot be reached is UNAVAILABLE to a caller, and to the job worker a dependency that
/// is down: it sends the job back to the queue instead of failing it.
/// </summary>
public static class RedisCalls
{
    public static async Task<T> Guard<T>(Task<T> call)
    {
        try { return await call; }
        catch (Exception error) when (error is RedisConnectionException or RedisTimeoutException)
        {
            throw new UnavailableException("Redis, which holds fine-tune jobs and the model registry, is not reachable; try again shortly", error);
        }
    }
}
