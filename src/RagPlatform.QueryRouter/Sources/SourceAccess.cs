using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>A source with access tags is visible only to callers holding at least one of them.</summary>
public static class SourceAccess
{
    public static bool CanSee(Source source, IReadOnlyCollection<string> callerTags) =>
        source.AccessTags.Count == 0 || source.AccessTags.Any(callerTags.Contains);
}
