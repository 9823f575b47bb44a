using Grpc.Core;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Caching;

/// <summary>A cached answer sent as AskStream sends a fresh one: passages, the answer, citations, the summary.</summary>
public static class CachedReplay
{
    public static async Task WriteAsync(AskResponse cached, IServerStreamWriter<AskStreamEvent> stream, CancellationToken cancellationToken)
    {
        var passages = new Passages();
        passages.Passages_.Add(cached.Citations.Select(c => new RetrievedPassage { Number = c.Number, Passage = c }));
        await stream.WriteAsync(new AskStreamEvent { Passages = passages }, cancellationToken);
        await stream.WriteAsync(new AskStreamEvent { AnswerDelta = cached.Answer }, cancellationToken);
        var citations = new Citations();
        citations.Citations_.Add(cached.Citations);
        await stream.WriteAsync(new AskStreamEvent { Citations = citations }, cancellationToken);
        await stream.WriteAsync(new AskStreamEvent { Summary = cached }, cancellationToken);
    }
}
