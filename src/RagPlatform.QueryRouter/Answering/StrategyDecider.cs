using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Answering.Policy;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Answering;

/// <summary>How a question is answered, why (the rule that decided), and with which fine-tuned model, if any.</summary>
public sealed record StrategyDecision(Strategy Strategy, string Reason, string Rule, Model? FineTuned)
{
    public bool Retrieves => Strategy is Strategy.Rag or Strategy.Hybrid;
}

/// <summary>What AUTO's rules look at, besides the question.</summary>
/// <param name="LatencyBudget">The caller's budget; null when it gave none.</param>
/// <param name="SourceVolatilities">The volatilities of the sources the question was routed to.</param>
/// <param name="FineTuned">The fresh fine-tuned chat model AUTO may use, or null.</param>
public sealed record StrategyFacts(TimeSpan? LatencyBudget, IReadOnlyList<Volatility> SourceVolatilities, Model? FineTuned);

/// <summary>
/// Chooses how a question is answered. An explicit RAG, FINE_TUNED or HYBRID is honoured (the latter
/// two need a fine-tuned chat model, checked before); AUTO follows the declared <see cref="StrategyPolicy"/>:
/// the first rule whose conditions hold and whose strategy can run decides, so with no fresh fine-tuned
/// model AUTO never picks FINE_TUNED or HYBRID.
/// </summary>
public sealed class StrategyDecider(StrategyPolicy policy)
{
    private readonly QueryClassifier classifier = new(policy);
    private readonly TimeSpan[] budgetThresholds = [.. policy.Rules
        .SelectMany(r => new[] { r.When.LatencyBudgetBelow, r.When.LatencyBudgetAtLeast }).OfType<TimeSpan>().Distinct().Order()];

    public StrategyPolicy Policy => policy;

    public string Classify(string question) => classifier.Classify(question);

    /// <summary>
    /// Budgets the rules cannot tell apart share a class (how many of the rules' thresholds the budget
    /// reaches), so answers cached for AUTO are shared across them.
    /// </summary>
    public string BudgetClass(TimeSpan? budget) =>
        budget is { } given ? budgetThresholds.Count(t => given >= t).ToString() : "none";

    public StrategyDecision Decide(Strategy requested, string question, StrategyFacts facts, Model? requestedModel)
    {
        switch (requested)
        {
            case Strategy.Rag:
                return new(Strategy.Rag, "requested by the caller", "caller", null);
            case Strategy.FineTuned or Strategy.Hybrid:
                return new(requested, $"requested by the caller; fine-tuned model {requestedModel!.Name}", "caller", requestedModel);
            case Strategy.Unspecified or Strategy.Auto:
                return Auto(question, facts);
            default:
                throw new InvalidArgumentException("strategy", $"unknown value {(int)requested}");
        }
    }

    private StrategyDecision Auto(string question, StrategyFacts facts)
    {
        var type = classifier.Classify(question);
        foreach (var rule in policy.Rules)
        {
            if (rule.Target != Strategy.Rag && facts.FineTuned is null) continue; // cannot run: nothing to answer with
            if (Holds(rule.When, type, facts))
                return Decision(rule, type, facts);
        }
        return Decision(policy.Default, type, facts);
    }

    private static bool Holds(RuleConditions when, string type, StrategyFacts facts) =>
        (when.QueryTypes.Count == 0 || when.QueryTypes.Contains(type, StringComparer.Ordinal))
        && (when.Volatilities.Length == 0 || facts.SourceVolatilities.Any(when.Volatilities.Contains))
        && (when.LatencyBudgetBelow is not { } below || facts.LatencyBudget is { } tight && tight < below)
        && (when.LatencyBudgetAtLeast is not { } least || facts.LatencyBudget is not { } budget || budget >= least);

    private StrategyDecision Decision(StrategyRule rule, string type, StrategyFacts facts)
    {
        var model = rule.Target == Strategy.Rag ? null : facts.FineTuned;
        var sources = facts.SourceVolatilities.Count == 0 ? "none"
            : string.Join(", ", facts.SourceVolatilities.Distinct().Select(v => v.ToString().ToLowerInvariant()));
        var reason = $"AUTO ({policy.Version}), rule {rule.Name}: {rule.Reason} " +
            $"[query type {type}; source volatility {sources}; latency budget {(facts.LatencyBudget is { } b ? $"{b.TotalMilliseconds:0} ms" : "none")}; " +
            $"fine-tuned model {facts.FineTuned?.Name ?? "none fresh"}]";
        return new(rule.Target, reason, rule.Name, model);
    }
}
