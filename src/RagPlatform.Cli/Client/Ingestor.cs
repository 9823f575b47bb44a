using Grpc.Core;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.Cli.Client;

/// <summary>Streams documents to the router's Ingest, reporting each one sent.</summary>
public static class Ingestor
{
    public static async Task<IngestResponse> IngestAsync(PlatformTarget target, IEnumerable<IngestRequest> documents,
        Action<IngestRequest>? onSent = null, CancellationToken cancellationToken = default)
    {
        using var call = target.Router.Ingest(target.Headers, cancellationToken: cancellationToken);
        foreach (var document in documents)
        {
            await call.RequestStream.WriteAsync(document, cancellationToken);
            onSent?.Invoke(document);
        }
        await call.RequestStream.CompleteAsync();
        return await call;
    }
}
