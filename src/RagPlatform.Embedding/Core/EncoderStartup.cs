using RagPlatform.Embedding.Encoders;
using RagPlatform.Embedding.Encoders.UseLite;

namespace RagPlatform.Embedding.Core;

/// <summary>
/// At start: says which dense model answers requests that name none, warns when the local sentence
/// encoder's weights are missing, and loads them before the first request rather than during it.
/// </summary>
public sealed class EncoderStartup(EncoderCatalog catalog, UseLiteModelLocation location, ILogger<EncoderStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var useLite = catalog.All.OfType<UseLiteEncoder>().FirstOrDefault();
        if (useLite is null)
            logger.LogWarning(
                "USE-lite weights not found in {Directory}; serving {Model} as the default dense model. Run deploy/models/fetch-use-lite.sh to fetch them.",
                location.Directory, catalog.DefaultModel);
        else
            _ = useLite.Model;
        logger.LogInformation("Default dense model: {Model}", catalog.DefaultModel);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
