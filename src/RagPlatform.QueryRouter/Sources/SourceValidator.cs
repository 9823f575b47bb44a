using System.Text.RegularExpressions;
using RagPlatform.Contracts.Query.V1;
using RagPlatform.Contracts.Vectors.V1;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Sources;

/// <summary>Checks a source definition field by field, naming the field at fault.</summary>
public static partial class SourceValidator
{
    public const int MaxDescriptionLength = 4_096, MaxAccessTags = 32, MaxIdempotencyKeyLength = 128;

    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,64}$")]
    private static partial Regex TagPattern();

    public static void Validate(Source? source, string field)
    {
        Require.That(source is not null, field, "is required");
        SourceNames.Validate(source!.Name, $"{field}.name");
        Require.MaxLength(source.Description, MaxDescriptionLength, $"{field}.description");
        Require.That(Enum.IsDefined(source.Volatility), $"{field}.volatility", $"unknown value {(int)source.Volatility}");
        ValidateTags(source.AccessTags, $"{field}.access_tags");
        ValidateFusion(source.Fusion, $"{field}.fusion");
        Require.That(source.CandidateLimit <= 1000, $"{field}.candidate_limit", "must be at most 1000");
    }

    public static void ValidateTags(IReadOnlyList<string> tags, string field)
    {
        Require.That(tags.Count <= MaxAccessTags, field, $"has {tags.Count} tags; at most {MaxAccessTags} are allowed");
        for (int i = 0; i < tags.Count; i++)
            Require.That(TagPattern().IsMatch(tags[i]), $"{field}[{i}]", "must be 1-64 characters of letters, digits, '_', '.', ':' or '-'");
    }

    public static void ValidateFusion(Fusion? fusion, string field)
    {
        switch (fusion?.MethodCase)
        {
            case Fusion.MethodOneofCase.Weighted:
                Require.That(fusion.Weighted.DenseWeight is >= 0 and <= 1, $"{field}.weighted.dense_weight", "must be between 0 and 1");
                break;
            case Fusion.MethodOneofCase.Rrf:
                Require.That(fusion.Rrf.DenseWeight >= 0 && fusion.Rrf.SparseWeight >= 0, $"{field}.rrf", "weights must not be negative");
                break;
        }
    }
}
