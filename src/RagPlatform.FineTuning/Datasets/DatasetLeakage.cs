using System.Text;
using System.Text.Json;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Datasets;

/// <summary>
/// Validation examples that the training dataset holds too: a model trained on them would be measured
/// on what it learned by heart. Found at job create and refused with both datasets' line numbers.
/// </summary>
public static class DatasetLeakage
{
    private const int MaxListed = 5;

    /// <summary>One validation line found in training: its line, the training line, and what they share.</summary>
    public readonly record struct Overlap(long ValidationLine, long TrainingLine, string Shared);

    /// <summary>
    /// Retrieval pairs whose query (normalised: case and spacing aside) is in both files, and
    /// among them those whose positive is the same too (the very pair learned).
    /// </summary>
    public static List<Overlap> OfRetrievalPairs(string trainingFile, string validationFile)
    {
        var queries = new Dictionary<string, long>(StringComparer.Ordinal);
        var pairs = new Dictionary<(string, string), long>();
        foreach (var (line, query, positive) in ReadPairs(trainingFile))
        {
            queries.TryAdd(query, line);
            pairs.TryAdd((query, positive), line);
        }
        var overlaps = new List<Overlap>();
        foreach (var (line, query, positive) in ReadPairs(validationFile))
        {
            if (pairs.TryGetValue((query, positive), out var same)) overlaps.Add(new Overlap(line, same, "the same query and positive"));
            else if (queries.TryGetValue(query, out var asked)) overlaps.Add(new Overlap(line, asked, "the same query"));
        }
        return overlaps;
    }

    /// <summary>Identical examples (as rendered for training) in both, one per validation line; <paramref name="training"/>'s index + 1 is its line.</summary>
    public static List<Overlap> OfExamples(IReadOnlyList<string> training, IReadOnlyList<string> validation)
    {
        var first = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < training.Count; i++) first.TryAdd(training[i], i + 1);
        var overlaps = new List<Overlap>();
        for (int i = 0; i < validation.Count; i++)
            if (first.TryGetValue(validation[i], out var line)) overlaps.Add(new Overlap(i + 1, line, "the same example"));
        return overlaps;
    }

    /// <summary>Throws FAILED_PRECONDITION naming both datasets and the first overlapping lines, when there are any.</summary>
    public static void Refuse(IReadOnlyList<Overlap> overlaps, string trainingId, string validationId)
    {
        if (overlaps.Count == 0) return;
        var message = new StringBuilder($"validation_dataset_id: {overlaps.Count} lines of validation dataset '{validationId}' leak from training dataset '{trainingId}': ");
        message.AppendJoin("; ", overlaps.Take(MaxListed).Select(o => $"validation line {o.ValidationLine} has {o.Shared} as training line {o.TrainingLine}"));
        if (overlaps.Count > MaxListed) message.Append($"; and {overlaps.Count - MaxListed} more");
        throw new FailedPreconditionException(message.Append(". Remove them from one of the two and upload it again").ToString());
    }

    /// <summary>A query as people mean it: lower case (all scripts), runs of white space as one space, none at the ends.</summary>
    public static string Normalise(string text)
    {
        var folded = text.ToLowerInvariant();
        var result = new StringBuilder(folded.Length);
        foreach (var c in folded)
        {
            if (char.IsWhiteSpace(c))
            {
                if (result.Length > 0 && result[^1] != ' ') result.Append(' ');
            }
            else result.Append(c);
        }
        if (result.Length > 0 && result[^1] == ' ') result.Length--;
        return result.ToString();
    }

    /// <summary>The lines of a validated retrieval-pairs file: line number, normalised query, its positive (passage or id).</summary>
    private static IEnumerable<(long Line, string Query, string Positive)> ReadPairs(string path)
    {
        long lineNumber = 0;
        foreach (var text in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var positive = root.TryGetProperty("positive", out var passage) ? "p:" + Normalise(passage.GetString()!)
                : "id:" + root.GetProperty("positive_id").GetString();
            yield return (lineNumber, Normalise(root.GetProperty("query").GetString()!), positive);
        }
    }
}
