using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Generation.Extractive;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.Generation.Models;

/// <summary>
/// Every chat model the service can answer with: the extractive answerer, then what each
/// <see cref="IModelSource"/> lists. Sources are read at most once per refresh interval; a source
/// that fails keeps its last good list (a registry outage must not hide models that still work).
/// </summary>
public sealed class ModelCatalog(IEnumerable<IModelSource> sources, IOptions<GenerationOptions> options, ILogger<ModelCatalog> logger)
{
    public static readonly ChatModel Extractive = new(
        new Model { Name = ExtractiveAnswerer.ModelName, Kind = ModelKind.Chat, Backend = ChatProviders.Extractive }, null);

    private readonly SemaphoreSlim refresh = new(1, 1);
    private readonly Dictionary<IModelSource, IReadOnlyList<ChatModel>> lastGood = [];
    private IReadOnlyList<ChatModel>? models;
    private DateTime refreshedAt;

    /// <summary>Forgets what the sources said, e.g. after the registry announced a new model.</summary>
    public void Invalidate() => models = null;

    public async ValueTask<IReadOnlyList<ChatModel>> ListAsync(CancellationToken cancellationToken)
    {
        var current = models;
        if (current is not null && DateTime.UtcNow - refreshedAt < options.Value.ModelRefreshInterval)
            return current;
        await refresh.WaitAsync(cancellationToken);
        try
        {
            if (models is { } fresh && DateTime.UtcNow - refreshedAt < options.Value.ModelRefreshInterval)
                return fresh;
            var all = new List<ChatModel> { Extractive };
            var names = new HashSet<string>(StringComparer.Ordinal) { Extractive.Name };
            foreach (var source in sources)
            {
                foreach (var model in await ReadAsync(source, cancellationToken))
                {
                    if (names.Add(model.Name))
                        all.Add(model);
                    else
                        logger.LogWarning("Chat model {Model} from {Source} is ignored: an earlier source has that name", model.Name, source.Name);
                }
            }
            refreshedAt = DateTime.UtcNow;
            return models = all;
        }
        finally
        {
            refresh.Release();
        }
    }

    public async ValueTask<ChatModel> GetAsync(string name, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(m => m.Name == name)
        ?? throw new NotFoundException($"chat model '{name}' is not known; see ListModels");

    private async ValueTask<IReadOnlyList<ChatModel>> ReadAsync(IModelSource source, CancellationToken cancellationToken)
    {
        try
        {
            return lastGood[source] = await source.ListAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Chat models from {Source} could not be read ({Error}); using the last list it gave", source.Name, error.Message);
            return lastGood.GetValueOrDefault(source) ?? [];
        }
    }
}
