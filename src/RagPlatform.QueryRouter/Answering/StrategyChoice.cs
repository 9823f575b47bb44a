using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Answering;

/// <summary>
/// The part of the strategy choice known before the answer cache is asked: the fine-tuned chat model
/// the request would answer with (named by the caller, or the policy's: the freshest registered one
/// of the policy's base), refusing FINE_TUNED or HYBRID when there is none; and what of it goes into
/// the cache key, so that a newly registered model never gets an answer cached for another.
/// </summary>
public sealed class StrategyChoice(StrategyDecider decider, FineTunedModels models)
{
    public StrategyDecider Decider => decider;

    /// <summary>Whether the answering model writes its answers rather than quoting them (see <see cref="FineTunedModels.IsGenerativeAsync"/>).</summary>
    public ValueTask<bool> IsGenerativeAsync(string model, CancellationToken cancellationToken) => models.IsGenerativeAsync(model, cancellationToken);

    public async Task<Model?> FineTunedModelAsync(AskRequest request, CancellationToken cancellationToken)
    {
        if (request.Strategy == Strategy.Rag) return null;
        bool required = request.Strategy is Strategy.FineTuned or Strategy.Hybrid;
        var choice = decider.Policy.FineTuned;
        if (request.GenerationModel.Length > 0)
        {
            // Only a strategy that needs the model reads the registry again for a name it does not know yet:
            // AUTO naming a base model would otherwise cost a registry read on every Ask.
            if (await models.FindAsync(request.GenerationModel, readAgainIfMissing: required, cancellationToken) is { } named) return named;
            if (!required) return null; // AUTO with a base model named: it answers whatever AUTO picks
            if ((await models.ListAsync(cancellationToken)).Count == 0) throw NoneRegistered(request.Strategy);
            throw new InvalidArgumentException("generation_model",
                $"'{request.GenerationModel}' is not a registered fine-tuned chat model, which strategy {request.Strategy} needs; see ListModels");
        }
        var now = DateTimeOffset.UtcNow;
        var pick = (await models.ListAsync(cancellationToken))
            .Where(m => choice.BaseModel.Length == 0 || m.BaseModel == choice.BaseModel)
            // AUTO uses only fresh models; an explicit request takes the freshest there is.
            .Where(m => required || m.CreatedAt is { } created && now - created.ToDateTimeOffset() <= choice.MaxAge)
            .OrderByDescending(m => m.CreatedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue)
            .ThenBy(m => m.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return pick ?? (required ? throw NoneRegistered(request.Strategy) : null);
    }

    /// <summary>
    /// What besides the request decides the answer's model: for AUTO the policy, the latency budget
    /// and the model it may pick; for FINE_TUNED and HYBRID the model's registration. RAG needs none.
    /// </summary>
    public string CacheIdentity(AskRequest request, Model? fineTuned)
    {
        if (request.Strategy == Strategy.Rag) return "";
        var model = fineTuned is null ? "none" : FineTunedModels.IdentityOf(fineTuned);
        return request.Strategy is Strategy.FineTuned or Strategy.Hybrid
            ? $"fine-tuned={model}"
            : $"policy={decider.Policy.Version}#{decider.Policy.ContentHash}\u001fbudget={decider.BudgetClass(LatencyBudget(request))}\u001ffine-tuned={model}";
    }

    /// <summary>The caller's latency budget; none when unset or zero.</summary>
    public static TimeSpan? LatencyBudget(AskRequest request) =>
        request.LatencyBudget?.ToTimeSpan() is { } budget && budget > TimeSpan.Zero ? budget : null;

    private FailedPreconditionException NoneRegistered(Strategy strategy) => new(
        $"strategy {strategy} needs a registered fine-tuned chat model" +
        (decider.Policy.FineTuned.BaseModel.Length > 0 ? $" of base '{decider.Policy.FineTuned.BaseModel}'" : "") +
        " and none is registered; use RAG or AUTO");
}
