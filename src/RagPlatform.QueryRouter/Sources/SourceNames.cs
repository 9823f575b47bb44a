using System.Text.RegularExpressions;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>A source's documents live in the VectorSearch collection "src-&lt;name&gt;" of the tenant.</summary>
public static partial class SourceNames
{
    public const string CollectionPrefix = "src-";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,60}$")]
    private static partial Regex Pattern();

    public static string Validate(string name, string field)
    {
        Require.That(Pattern().IsMatch(name), field, "must be 1-60 characters of letters, digits, '_' or '-'");
        return name;
    }

    public static string Collection(string source) => CollectionPrefix + source;

    public static string? SourceOf(string collection) =>
        collection.StartsWith(CollectionPrefix, StringComparison.Ordinal) ? collection[CollectionPrefix.Length..] : null;
}
