using Google.Protobuf.WellKnownTypes;
using RagPlatform.Contracts.Common.V1;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.QueryRouter.Answering;
using RagPlatform.QueryRouter.Answering.Policy;

namespace RagPlatform.Tests.Unit;

/// <summary>AUTO under the shipped policy, on a labelled table of questions and circumstances.</summary>
public sealed class StrategyPolicyTests
{
    private static readonly StrategyDecider Decider = new(StrategyPolicy.Load(null));

    private static readonly Model Registered = new()
    {
        Name = "random-llama+style", Kind = ModelKind.Chat, FineTuned = true, BaseModel = "random-llama",
        CreatedAt = Timestamp.FromDateTime(DateTime.UtcNow.AddDays(-1)),
    };

    private const Volatility S = Volatility.Static, D = Volatility.Daily, H = Volatility.Hourly, R = Volatility.Realtime;

    /// <summary>(question, latency budget in ms or null, routed sources' volatility, a fresh fine-tuned model registered) → strategy, rule.</summary>
    public static TheoryData<string, int?, Volatility[], bool, Strategy, string> Labelled => new()
    {
        // Volatile facts: retrieval, whatever else holds.
        { "What is the latest price of copper?", null, [S], true, Strategy.Rag, "volatile-question" },
        { "Who won the match today?", 5_000, [S], true, Strategy.Rag, "volatile-question" },
        { "Is the bridge still closed?", null, [D], true, Strategy.Rag, "volatile-question" },
        { "What is the current status of the launch?", null, [], true, Strategy.Rag, "volatile-question" },
        // Sources that change hourly or faster: retrieval.
        { "Explain how vaccines work", null, [H], true, Strategy.Rag, "volatile-sources" },
        { "Why do bees dance?", null, [S, R], true, Strategy.Rag, "volatile-sources" },
        { "Who discovered penicillin?", null, [R], true, Strategy.Rag, "volatile-sources" },
        // A tight budget: the base answering model.
        { "Why is the sky blue?", 200, [S], true, Strategy.Rag, "tight-budget" },
        { "Who discovered penicillin?", 999, [S], true, Strategy.Rag, "tight-budget" },
        // Open-ended questions: the fine-tuned model alone.
        { "Why do bees dance?", null, [S], true, Strategy.FineTuned, "open-ended" },
        { "Describe the museum's collection", 5_000, [D], true, Strategy.FineTuned, "open-ended" },
        { "How does photosynthesis work?", 1_000, [S], true, Strategy.FineTuned, "open-ended" },
        { "Compare the two treatments", null, [], true, Strategy.FineTuned, "open-ended" },
        // Factual questions with time to spare: retrieval and the fine-tuned model.
        { "Who discovered penicillin?", null, [S], true, Strategy.Hybrid, "factoid-grounded" },
        { "How many moons does Mars have?", 3_000, [], true, Strategy.Hybrid, "factoid-grounded" },
        { "Where is the Rosetta Stone kept?", 2_000, [D, S], true, Strategy.Hybrid, "factoid-grounded" },
        // Factual with too little time for retrieval and a chat model; or no rule matches.
        { "Who discovered penicillin?", 1_500, [S], true, Strategy.Rag, "default" },
        { "Bees and pollination", null, [S], true, Strategy.Rag, "default" },
        // Nothing registered (or nothing fresh): AUTO never picks FINE_TUNED or HYBRID.
        { "Why do bees dance?", null, [S], false, Strategy.Rag, "default" },
        { "Who discovered penicillin?", null, [S], false, Strategy.Rag, "default" },
        { "What is the latest price of copper?", null, [S], false, Strategy.Rag, "volatile-question" },
    };

    [Theory]
    [MemberData(nameof(Labelled))]
    public void Auto_picks_the_labelled_strategy_under_the_shipped_policy(string question, int? budgetMs, Volatility[] sources,
        bool registered, Strategy expected, string rule)
    {
        var facts = new StrategyFacts(budgetMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, sources, registered ? Registered : null);
        var decision = Decider.Decide(Strategy.Auto, question, facts, null);

        Assert.Equal(expected, decision.Strategy);
        Assert.Equal(rule, decision.Rule);
        Assert.StartsWith($"AUTO (auto-v1), rule {rule}: ", decision.Reason);
        Assert.Contains(registered ? "fine-tuned model random-llama+style" : "fine-tuned model none fresh", decision.Reason);
        Assert.Equal(expected == Strategy.Rag ? null : Registered, decision.FineTuned);
        Assert.Equal(expected != Strategy.FineTuned, decision.Retrieves);
    }

    [Fact]
    public void Unspecified_is_auto_and_explicit_strategies_are_honoured()
    {
        var facts = new StrategyFacts(null, [S], Registered);
        Assert.Equal("open-ended", Decider.Decide(Strategy.Unspecified, "Why do bees dance?", facts, null).Rule);
        Assert.Equal(Strategy.Rag, Decider.Decide(Strategy.Rag, "Why do bees dance?", facts, null).Strategy);
        var hybrid = Decider.Decide(Strategy.Hybrid, "Why do bees dance?", facts, Registered);
        Assert.Equal((Strategy.Hybrid, Registered), (hybrid.Strategy, hybrid.FineTuned));
        Assert.Contains("requested by the caller", hybrid.Reason);
    }

    [Fact]
    public void Budgets_the_rules_cannot_tell_apart_share_a_cache_class()
    {
        Assert.Equal("none", Decider.BudgetClass(null));
        Assert.Equal(Decider.BudgetClass(TimeSpan.FromMilliseconds(100)), Decider.BudgetClass(TimeSpan.FromMilliseconds(900)));
        Assert.Equal(Decider.BudgetClass(TimeSpan.FromSeconds(1)), Decider.BudgetClass(TimeSpan.FromMilliseconds(1_999)));
        Assert.Equal(Decider.BudgetClass(TimeSpan.FromSeconds(2)), Decider.BudgetClass(TimeSpan.FromMinutes(5)));
        Assert.NotEqual(Decider.BudgetClass(TimeSpan.FromMilliseconds(999)), Decider.BudgetClass(TimeSpan.FromSeconds(1)));
        Assert.NotEqual(Decider.BudgetClass(TimeSpan.FromMilliseconds(1_999)), Decider.BudgetClass(TimeSpan.FromSeconds(2)));
    }

    [Theory]
    [InlineData("""{"version":"x","rules":[{"name":"a","strategy":"FAST"}]}""", "strategy 'FAST'")]
    [InlineData("""{"version":"x","rules":[{"name":"a","strategy":"RAG","when":{"queryTypes":["poem"]}}]}""", "query type 'poem'")]
    [InlineData("""{"version":"x","rules":[{"name":"a","strategy":"RAG","when":{"sourceVolatility":["WEEKLY"]}}]}""", "volatility 'WEEKLY'")]
    [InlineData("""{"version":"x","default":{"name":"d","strategy":"HYBRID"}}""", "the default must be RAG")]
    [InlineData("""{"version":"x","rulez":[]}""", "rulez")]
    public void A_policy_file_with_mistakes_is_refused_saying_what_is_wrong(string json, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"policy-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => StrategyPolicy.Load(path));
            Assert.Contains(path, error.Message);
            Assert.Contains(expected, error.Message);
        }
        finally { File.Delete(path); }
    }
}
