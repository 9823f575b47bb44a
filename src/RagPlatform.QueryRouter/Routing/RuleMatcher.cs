using System.Text.RegularExpressions;

namespace RagPlatform.QueryRouter.Routing;

/// <summary>The declared routing rules, compiled once: which sources a question names by keyword or pattern, and why.</summary>
public sealed class RuleMatcher
{
    private readonly List<(string Source, Regex Test, string Why)> rules = [];

    public RuleMatcher(IEnumerable<RoutingRule> declared)
    {
        foreach (var rule in declared)
        {
            foreach (var keyword in rule.Keywords.Where(k => !string.IsNullOrWhiteSpace(k)))
                rules.Add((rule.Source, Compile($@"(?<!\w){Regex.Escape(keyword.Trim())}(?!\w)"), $"rule: the question mentions '{keyword.Trim()}'"));
            if (!string.IsNullOrEmpty(rule.Pattern))
                rules.Add((rule.Source, Compile(rule.Pattern), $"rule: the question matches /{rule.Pattern}/"));
        }
    }

    /// <summary>Each source a rule picks for the question, with the first reason that picked it, in rule order.</summary>
    public List<(string Source, string Why)> Match(string question)
    {
        var picked = new List<(string, string)>();
        foreach (var (source, test, why) in rules)
            if (!picked.Exists(p => p.Item1 == source) && Matches(test, question))
                picked.Add((source, why));
        return picked;
    }

    /// <summary>A declared pattern that backtracks without end must not hold a question up: it then does not match.</summary>
    private static bool Matches(Regex test, string question)
    {
        try { return test.IsMatch(question); }
        catch (RegexMatchTimeoutException) { return false; }
    }

    private static Regex Compile(string pattern) =>
        new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
