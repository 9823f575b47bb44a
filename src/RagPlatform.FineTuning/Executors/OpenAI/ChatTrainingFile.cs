using System.Text;
using System.Text.Json;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Datasets;
using RagPlatform.FineTuning.Executors.Llama;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.FineTuning.Executors.OpenAI;

/// <summary>
/// Our chat and prompt/completion lines in the chat format hosted fine-tuning APIs train on: one
/// <c>{"messages":[{"role","content"},...]}</c> object per line. A prompt/completion line becomes a
/// user turn answered by an assistant turn; fields the API does not read are dropped.
/// </summary>
public static class ChatTrainingFile
{
    /// <summary>The examples of a validated dataset file, each a JSONL line, in file order.</summary>
    public static List<string> ReadExamples(string path, DatasetKind kind, string field)
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
                examples.Add(Convert(document.RootElement, kind));
            }
            catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidArgumentException(field, $"line {lineNumber} is not a {kind} example ({error.Message})");
            }
        }
        return examples;
    }

    public static string Convert(JsonElement line, DatasetKind kind)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("messages");
            if (kind == DatasetKind.Chat)
                foreach (var message in line.GetProperty("messages").EnumerateArray())
                    Message(writer, message.GetProperty("role").GetString()!, message.GetProperty("content").GetString()!);
            else
            {
                Message(writer, "user", line.GetProperty("prompt").GetString()!);
                Message(writer, "assistant", line.GetProperty("completion").GetString()!);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Message(Utf8JsonWriter writer, string role, string content)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", content);
        writer.WriteEndObject();
    }

    /// <summary>
    /// The training and validation examples: the validation dataset when one is given (none of its
    /// examples may also be a training example), else a seeded split of the training dataset.
    /// </summary>
    public static (List<string> Train, List<string> Validation) Load(JobInputs inputs, Func<string, DatasetKind> kindOf, long seed)
    {
        var request = inputs.Request;
        var train = ReadExamples(inputs.TrainingFile, kindOf(request.TrainingDatasetId), "training_dataset_id");
        if (inputs.ValidationFile is { } validationFile)
        {
            var validation = ReadExamples(validationFile, kindOf(request.ValidationDatasetId), "validation_dataset_id");
            DatasetLeakage.Refuse(DatasetLeakage.OfExamples(train, validation), request.TrainingDatasetId, request.ValidationDatasetId);
            return (train, validation);
        }
        Require.That(train.Distinct(StringComparer.Ordinal).Count() >= 2, "training_dataset_id",
            "needs at least two distinct examples to hold one out for validation");
        return TrainingText.Split(train, request.ValidationFraction == 0 ? 0.1 : request.ValidationFraction, seed);
    }

    /// <summary>Lines joined into a JSONL file's bytes.</summary>
    public static byte[] Join(IEnumerable<string> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines) text.Append(line).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
