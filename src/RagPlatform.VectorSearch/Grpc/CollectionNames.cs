using System.Text.RegularExpressions;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.VectorSearch.Grpc;

public static partial class CollectionNames
{
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex Pattern();

    public static string Validate(string name, string field)
    {
        Require.NotBlank(name, field);
        Require.That(Pattern().IsMatch(name), field, "must be 1-64 characters of letters, digits, '_' or '-'");
        return name;
    }
}
