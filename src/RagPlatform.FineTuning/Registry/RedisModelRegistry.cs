using Google.Protobuf;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.FineTuning.Jobs;
using RagPlatform.FineTuning.Storage.Redis;
using RagPlatform.ServiceDefaults.Errors;
using StackExchange.Redis;
using static RagPlatform.FineTuning.Storage.Redis.RedisCalls;

namespace RagPlatform.FineTuning.Registry;

/// <summary>
/// The registry in Redis (one hash per tenant, name → model), written in one script with the
/// check that the registering claim is still current, so a model is registered once and never
/// by a worker that lost its job. Each registration is then mirrored to the shared registry folder,
/// which the Embedding service reads; a registration repeated by the same job (a worker that took
/// the job over after a crash) mirrors it again, so the folder is never left without it. A mirror
/// that cannot be written is UNAVAILABLE, not a failure: the job goes back to the queue, runs again
/// from its last checkpoint, finds itself registered, and mirrors again.
/// </summary>
public sealed class RedisModelRegistry(IConnectionMultiplexer redis, RegistryFolder folder) : IModelRegistry
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public async Task<Model> RegisterAsync(JobClaim claim, Model model, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await Guard(redis.GetDatabase().ScriptEvaluateAsync(RedisJobScripts.Register,
            [RedisJobKeys.Job(claim.Tenant, claim.JobId), RedisJobKeys.Models(claim.Tenant)],
            [claim.Fence, model.Name, Formatter.Format(model)])))!;
        var registered = (int)result[0] switch
        {
            1 => model,
            0 => Model.Parser.ParseJson((string)result[1]!),
            _ => throw new LostClaimException(claim),
        };
        if (registered.JobId != claim.JobId)
            throw new AlreadyExistsException($"model '{model.Name}' is already registered by job {registered.JobId}");
        try { folder.Write(claim.Tenant, registered); }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new UnavailableException($"model '{registered.Name}' is registered, but the shared registry folder could not be written ({error.Message})", error);
        }
        return registered;
    }

    public async Task<Model?> GetAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        var json = await Guard(redis.GetDatabase().HashGetAsync(RedisJobKeys.Models(tenant), name));
        return json.IsNull ? null : Model.Parser.ParseJson(json!);
    }

    public async Task<IReadOnlyList<Model>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        var entries = await Guard(redis.GetDatabase().HashGetAllAsync(RedisJobKeys.Models(tenant)));
        return entries.OrderBy(e => (string)e.Name!, StringComparer.Ordinal).Select(e => Model.Parser.ParseJson(e.Value!)).ToList();
    }
}
