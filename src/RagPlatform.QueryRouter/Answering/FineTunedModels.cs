using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Generation.V1;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.QueryRouter.Answering;

/// <summary>
/// The fine-tuned chat models the caller's tenant can answer with, as the Generation service lists
/// them: Generation is the one that must serve them, so a model it lists is a model that can answer
/// (the registry alone would also list models Generation cannot reach). Kept per tenant for
/// <see cref="QueryRouterOptions.ModelRefreshInterval"/>; read again once when a caller names one the
/// list lacks; when Generation cannot be asked, the last list stands.
/// </summary>
public sealed class FineTunedModels(GenerationService.GenerationServiceClient generation, IOptions<QueryRouterOptions> options,
    ILogger<FineTunedModels> logger)
{
    private const uint PageSize = 1000;
    private readonly ConcurrentDictionary<string, Snapshot> tenants = new(StringComparer.Ordinal);

    /// <summary>The backend of the one chat model that answers by quoting, and so reads passages' sentence vectors.</summary>
    public const string ExtractiveBackend = "extractive";

    /// <param name="Generative">Names of the chat models that write their answers (every backend but the extractive one).</param>
    private sealed record Snapshot(IReadOnlyList<Model> Models, IReadOnlySet<string> Generative, DateTime ReadAt);

    /// <summary>What identifies a registration, so that a model registered again under the same name is another.</summary>
    public static string IdentityOf(Model model) =>
        $"{model.Name}\u001f{model.JobId}\u001f{model.CreatedAt?.Seconds}.{model.CreatedAt?.Nanos}\u001f{model.Artifact}\u001f{model.Endpoint}";

    public async ValueTask<IReadOnlyList<Model>> ListAsync(CancellationToken cancellationToken) =>
        (await ReadAsync(readAfter: null, cancellationToken)).Models;

    /// <summary>
    /// The registered fine-tuned chat model of that name, or null. With <paramref name="readAgainIfMissing"/>
    /// a name the kept list lacks reads the list again (it may have been registered since).
    /// </summary>
    public async ValueTask<Model?> FindAsync(string name, bool readAgainIfMissing, CancellationToken cancellationToken)
    {
        var asked = DateTime.UtcNow;
        return Find((await ReadAsync(null, cancellationToken)).Models, name)
            ?? (readAgainIfMissing ? Find((await ReadAsync(asked, cancellationToken)).Models, name) : null);
    }

    /// <summary>
    /// True when Generation lists the model as one that writes its answers: it never reads sentence vectors.
    /// False for its default (no name), the extractive answerer and a name it does not list.
    /// </summary>
    public async ValueTask<bool> IsGenerativeAsync(string name, CancellationToken cancellationToken) =>
        name.Length > 0 && (await ReadAsync(readAfter: null, cancellationToken)).Generative.Contains(name);

    private static Model? Find(IReadOnlyList<Model> models, string name) => models.FirstOrDefault(m => m.Name == name);

    private async ValueTask<Snapshot> ReadAsync(DateTime? readAfter, CancellationToken cancellationToken)
    {
        var tenant = TenantContext.Current ?? "";
        if (tenants.TryGetValue(tenant, out var known) && DateTime.UtcNow - known.ReadAt < options.Value.ModelRefreshInterval
            && (readAfter is null || known.ReadAt >= readAfter))
            return known;
        try
        {
            var models = new List<Model>();
            var generative = new HashSet<string>(StringComparer.Ordinal);
            var request = new ListModelsRequest { PageSize = PageSize };
            do
            {
                var page = await generation.ListModelsAsync(request, cancellationToken: cancellationToken);
                var chat = page.Models.Where(m => m.Kind == ModelKind.Chat).ToList();
                models.AddRange(chat.Where(m => m.FineTuned));
                generative.UnionWith(chat.Where(m => m.Backend != ExtractiveBackend).Select(m => m.Name));
                request.PageToken = page.NextPageToken;
            } while (request.PageToken.Length > 0);
            return tenants[tenant] = new Snapshot(models, generative, DateTime.UtcNow);
        }
        catch (global::Grpc.Core.RpcException error) when (error.StatusCode != global::Grpc.Core.StatusCode.Cancelled)
        {
            logger.LogWarning("Fine-tuned chat models could not be listed ({Status}: {Detail}); using the last list", error.StatusCode, error.Status.Detail);
            return known ?? new Snapshot([], new HashSet<string>(), DateTime.MinValue);
        }
    }
}
