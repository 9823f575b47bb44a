using Microsoft.Extensions.AI;
using RagPlatform.Embedding.Core;

namespace RagPlatform.Embedding.Encoders.Remote;

public static class RemoteEncoderFactory
{
    /// <summary>The provider's client wrapped in telemetry and our retry policy, as an encoder named <paramref name="name"/>.</summary>
    public static RemoteDenseEncoder Create(string name, RemoteModelOptions options, ILoggerFactory loggers)
    {
        // Outermost first: one gen_ai span per batch, around all of its attempts.
        var generator = new EmbeddingGeneratorBuilder<string, Embedding<float>>(ProviderClients.CreateEmbeddingGenerator(options))
            .UseOpenTelemetry(loggers, EmbeddingTelemetry.Name)
            .Use(inner => new RetryingEmbeddingGenerator(inner, options, loggers.CreateLogger<RetryingEmbeddingGenerator>()))
            .Build();
        return new RemoteDenseEncoder(name, options, generator);
    }
}
