using System.Text.RegularExpressions;

namespace RagPlatform.FineTuning.Registry;

/// <summary>A fine-tuned model is named "&lt;base&gt;+&lt;suffix&gt;", e.g. "use-lite+scifact".</summary>
public static partial class ModelNames
{
    public const int MaxSuffixLength = 40;

    public static string For(string baseModel, string suffix) => $"{baseModel}+{suffix}";

    /// <summary>Lower-case letters, digits, '-' and '_', starting with a letter or digit.</summary>
    public static bool IsValidSuffix(string suffix) => suffix.Length <= MaxSuffixLength && Suffix().IsMatch(suffix);

    /// <summary>Safe as a file name: no path separators, no dot segments.</summary>
    public static bool IsWellFormed(string name) => name.Length is > 0 and <= 200 && Name().IsMatch(name);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex Suffix();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@+-]*$")]
    private static partial Regex Name();
}
