using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Generation.Extractive;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.ServiceDefaults.Tenancy;

namespace RagPlatform.Generation.Models;

/// <summary>
/// Every chat model the service can answer with, per tenant (fine-tuned models are a tenant's own):
/// the extractive answerer, then what each <see cref="IModelSource"/> lists. Sources are read at most
/// once per refresh interval, and again when a caller names a model the last list lacked (it may just
/// have been registered); a source that fails keeps its last good list (a registry outage must not
/// hide models that still work).
/// </summary>
public sealed class ModelCatalog(IEnumerable<IModelSource> sources, IOptions<GenerationOptions> options, ILogger<ModelCatalog> logger)
{
    public static readonly ChatModel Extractive = new(
        new Model { Name = ExtractiveAnswerer.ModelName, Kind = ModelKind.Chat, Backend = ChatProviders.Extractive }, null);

    private readonly ConcurrentDictionary<string, TenantModels> tenants = new(StringComparer.Ordinal);

    public ValueTask<IReadOnlyList<ChatModel>> ListAsync(CancellationToken cancellationToken) =>
        ListAsync(readAfter: null, cancellationToken);

    public async ValueTask<ChatModel> GetAsync(string name, CancellationToken cancellationToken)
    {
        var asked = DateTime.UtcNow;
        return Find(await ListAsync(cancellationToken), name)
            // Unknown: read the sources once more (a list read since this call began will do) before saying so.
            ?? Find(await ListAsync(asked, cancellationToken), name)
            ?? throw new NotFoundException($"chat model '{name}' is not known; see ListModels");
    }

    private static ChatModel? Find(IReadOnlyList<ChatModel> models, string name) => models.FirstOrDefault(m => m.Name == name);

    /// <param name="readAfter">When set, a list read before this moment is read again whatever its age.</param>
    private async ValueTask<IReadOnlyList<ChatModel>> ListAsync(DateTime? readAfter, CancellationToken cancellationToken)
    {
        var state = tenants.GetOrAdd(TenantContext.Current ?? "", _ => new TenantModels());
        if (state.Models is { } current && state.IsFresh(options.Value.ModelRefreshInterval, readAfter))
            return current;
        await state.Refresh.WaitAsync(cancellationToken);
        try
        {
            if (state.Models is { } fresh && state.IsFresh(options.Value.ModelRefreshInterval, readAfter))
                return fresh;
            var all = new List<ChatModel> { Extractive };
            var names = new HashSet<string>(StringComparer.Ordinal) { Extractive.Name };
            foreach (var source in sources)
            {
                foreach (var model in await ReadAsync(state, source, cancellationToken))
                {
                    if (names.Add(model.Name))
                        all.Add(model);
                    else
                        logger.LogWarning("Chat model {Model} from {Source} is ignored: an earlier source has that name", model.Name, source.Name);
                }
            }
            state.RefreshedAt = DateTime.UtcNow;
            return state.Models = all;
        }
        finally
        {
            state.Refresh.Release();
        }
    }

    private async ValueTask<IReadOnlyList<ChatModel>> ReadAsync(TenantModels state, IModelSource source, CancellationToken cancellationToken)
    {
        try
        {
            return state.LastGood[source] = await source.ListAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Chat models from {Source} could not be read ({Error}); using the last list it gave", source.Name, error.Message);
            return state.LastGood.GetValueOrDefault(source) ?? [];
        }
    }

    private sealed class TenantModels
    {
        public readonly SemaphoreSlim Refresh = new(1, 1);
        public readonly Dictionary<IModelSource, IReadOnlyList<ChatModel>> LastGood = [];
        public volatile IReadOnlyList<ChatModel>? Models;
        public DateTime RefreshedAt;

        public bool IsFresh(TimeSpan interval, DateTime? readAfter) =>
            DateTime.UtcNow - RefreshedAt < interval && (readAfter is null || RefreshedAt >= readAfter);
    }
}
