using System.Text.Json;
using System.Text.Json.Serialization;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Answering.Policy;

/// <summary>
/// How AUTO chooses a strategy, as declared in a policy file (JSON): query types recognised by
/// their wording, which fine-tuned chat models count, and rules tried in order; the first rule whose
/// conditions all hold and whose strategy can run decides. The shipped default is
/// <c>default-strategy-policy.json</c> beside this file; <see cref="QueryRouterOptions.StrategyPolicyFile"/> replaces it.
/// </summary>
public sealed class StrategyPolicy
{
    private const string DefaultResource = "RagPlatform.QueryRouter.Answering.Policy.default-strategy-policy.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Shown in reasons, so an answer says which policy decided it.</summary>
    public string Version { get; set; } = "";

    /// <summary>
    /// A hash of the file's bytes: answers cached under AUTO are keyed by it, so an edited policy never
    /// serves answers its old rules chose, even when its version was not changed.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string ContentHash { get; private set; } = "";

    /// <summary>Tried in order; a question no type matches is of type <see cref="QueryClassifier.Other"/>.</summary>
    public List<QueryType> QueryTypes { get; set; } = [];

    public FineTunedChoice FineTuned { get; set; } = new();

    public List<StrategyRule> Rules { get; set; } = [];

    /// <summary>When no rule decides; must be a strategy that always runs (RAG).</summary>
    public StrategyRule Default { get; set; } = new() { Name = "default", Strategy = "RAG", Reason = "no rule matched" };

    /// <summary>The file at <paramref name="path"/>, or the shipped default when none is given.</summary>
    public static StrategyPolicy Load(string? path)
    {
        try
        {
            using var stream = string.IsNullOrWhiteSpace(path)
                ? typeof(StrategyPolicy).Assembly.GetManifestResourceStream(DefaultResource)!
                : File.OpenRead(path);
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            var policy = JsonSerializer.Deserialize<StrategyPolicy>(bytes.ToArray(), Json) ?? throw new InvalidDataException("the file is empty");
            policy.Validate();
            policy.ContentHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.ToArray()))[..16];
            return policy;
        }
        catch (Exception error) when (error is JsonException or InvalidDataException or IOException)
        {
            throw new InvalidDataException($"strategy policy {(string.IsNullOrWhiteSpace(path) ? "(shipped default)" : path)}: {error.Message}", error);
        }
    }

    private void Validate()
    {
        var types = QueryTypes.Select(t => t.Name).Append(QueryClassifier.Other).ToHashSet(StringComparer.Ordinal);
        foreach (var rule in Rules.Append(Default))
        {
            if (string.IsNullOrWhiteSpace(rule.Name)) throw new InvalidDataException("every rule needs a name");
            rule.Target = StrategyNames.Parse(rule.Strategy, $"rule '{rule.Name}'");
            if (rule.When.QueryTypes.FirstOrDefault(t => !types.Contains(t)) is { } unknown)
                throw new InvalidDataException($"rule '{rule.Name}' names query type '{unknown}', which is not declared");
            rule.When.Volatilities = [.. rule.When.SourceVolatility.Select(v => StrategyNames.ParseVolatility(v, $"rule '{rule.Name}'"))];
        }
        if (Default.Target != Strategy.Rag || Default.When.IsConditional)
            throw new InvalidDataException("the default must be RAG without conditions: it has to be able to answer every question");
    }
}

/// <summary>A kind of question, recognised by its first words or by words anywhere in it (whole words, any case).</summary>
public sealed class QueryType
{
    public string Name { get; set; } = "";
    public List<string> StartsWith { get; set; } = [];
    public List<string> Contains { get; set; } = [];
}

/// <summary>Which registered fine-tuned chat models AUTO may use.</summary>
public sealed class FineTunedChoice
{
    /// <summary>Only models fine-tuned from this base; empty allows any.</summary>
    public string BaseModel { get; set; } = "";

    /// <summary>Models registered longer ago than this are not fresh: AUTO leaves them alone.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);
}

public sealed class StrategyRule
{
    public string Name { get; set; } = "";
    public RuleConditions When { get; set; } = new();
    /// <summary>RAG, FINE_TUNED or HYBRID.</summary>
    public string Strategy { get; set; } = "";
    public string Reason { get; set; } = "";

    [JsonIgnore]
    public Strategy Target { get; internal set; }
}

/// <summary>All given conditions must hold; an empty list or an unset bound is no condition.</summary>
public sealed class RuleConditions
{
    /// <summary>The question is of one of these types.</summary>
    public List<string> QueryTypes { get; set; } = [];

    /// <summary>Some routed source has one of these volatilities (STATIC, DAILY, HOURLY, REALTIME, UNSPECIFIED).</summary>
    public List<string> SourceVolatility { get; set; } = [];

    /// <summary>The caller gave a latency budget and it is below this.</summary>
    public TimeSpan? LatencyBudgetBelow { get; set; }

    /// <summary>The caller gave no budget, or one of at least this.</summary>
    public TimeSpan? LatencyBudgetAtLeast { get; set; }

    [JsonIgnore]
    public Volatility[] Volatilities { get; internal set; } = [];

    [JsonIgnore]
    public bool IsConditional => QueryTypes.Count > 0 || SourceVolatility.Count > 0 || LatencyBudgetBelow is not null || LatencyBudgetAtLeast is not null;
}
