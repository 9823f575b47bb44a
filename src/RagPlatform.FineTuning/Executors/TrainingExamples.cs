using System.Text.Json;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Executors;

/// <summary>
/// The chat and prompt/completion examples a generative job trains and validates on, each line
/// rendered in the form its trainer reads (ChatML text for llama-finetune, chat JSONL for a hosted API).
/// </summary>
public static class TrainingExamples
{
    public delegate string Renderer(JsonElement line, DatasetKind kind);

    /// <summary>
    /// The training and validation examples: the validation dataset when one is given (none of its
    /// examples may also be a training example), else a seeded split of the training dataset.
    /// </summary>
    public static (List<string> Train, List<string> Validation) Load(JobInputs inputs, Func<string, DatasetKind> kindOf, long seed, Renderer render)
    {
        var request = inputs.Request;
        var train = Read(inputs.TrainingFile, kindOf(request.TrainingDatasetId), "training_dataset_id", render);
        if (inputs.ValidationFile is { } validationFile)
        {
            var validation = Read(validationFile, kindOf(request.ValidationDatasetId), "validation_dataset_id", render);
            DatasetLeakage.Refuse(DatasetLeakage.OfExamples(train, validation), request.TrainingDatasetId, request.ValidationDatasetId);
            return (train, validation);
        }
        Require.That(train.Distinct(StringComparer.Ordinal).Count() >= 2, "training_dataset_id",
            "needs at least two distinct examples to hold one out for validation");
        return Split(train, request.ValidationFraction == 0 ? 0.1 : request.ValidationFraction, seed);
    }

    /// <summary>The examples of a validated dataset file, rendered, in file order.</summary>
    public static List<string> Read(string path, DatasetKind kind, string field, Renderer render)
    {
        var examples = new List<string>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                examples.Add(render(document.RootElement, kind));
            }
            catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidArgumentException(field, $"line {lineNumber} is not a {kind} example ({error.Message})");
            }
        }
        return examples;
    }

    /// <summary>
    /// Holds out a fraction of the examples for validation, chosen by <paramref name="seed"/>; at least
    /// one on each side. Identical examples stay on the same side, so nothing leaks.
    /// </summary>
    public static (List<string> Train, List<string> Validation) Split(List<string> examples, double fraction, long seed)
    {
        var distinct = examples.Distinct(StringComparer.Ordinal).ToList();
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(distinct));
        int held = Math.Clamp((int)Math.Round(distinct.Count * fraction), 1, distinct.Count - 1);
        var validation = distinct.Take(held).ToHashSet(StringComparer.Ordinal);
        return (examples.Where(e => !validation.Contains(e)).ToList(), examples.Where(validation.Contains).ToList());
    }
}
