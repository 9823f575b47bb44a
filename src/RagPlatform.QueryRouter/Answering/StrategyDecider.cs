using RagPlatform.Contracts.Query.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Answering;

public sealed record StrategyDecision(Strategy Strategy, string Reason);

/// <summary>
/// Chooses how a question is answered. Until fine-tuned chat models can be registered, retrieval
/// with the base model (RAG) is the only strategy that can run: AUTO picks it and says why, and an
/// explicit FINE_TUNED or HYBRID is refused rather than silently downgraded.
/// </summary>
public static class StrategyDecider
{
    public static StrategyDecision Decide(Strategy requested) => requested switch
    {
        Strategy.Rag => new(Strategy.Rag, "requested by the caller"),
        Strategy.Unspecified or Strategy.Auto => new(Strategy.Rag, "AUTO: no fine-tuned chat model is registered, so retrieval with the base model answers"),
        Strategy.FineTuned or Strategy.Hybrid => throw new FailedPreconditionException(
            $"strategy {requested} needs a registered fine-tuned chat model and none is registered; use RAG or AUTO"),
        _ => throw new InvalidArgumentException("strategy", $"unknown value {(int)requested}"),
    };
}
