using System.Text.Json;
using RagPlatform.Contracts.FineTuning.V1;
using RagPlatform.FineTuning.Executors.Llama;

namespace RagPlatform.FineTuning.Datasets;

/// <summary>
/// A text of a valid line whose tokens are counted, and whether going over the limit is an error or a
/// warning: a query or a chat example over the limit would be cut at training and serving alike, so
/// it is an error; a passage over an encoder's limit is only a warning, because documents are chunked
/// to the encoder's length when indexed and long passages (abstracts, pages) are common in retrieval
/// data: training then sees the passage's opening, which is what its first chunk holds.
/// </summary>
public readonly record struct CountedText(ulong Line, string Field, string Text, bool OverLimitIsError)
{
    /// <summary>The texts of one schema-valid line that its base model reads.</summary>
    public static void Collect(JsonElement line, DatasetKind kind, ulong lineNumber, List<CountedText> into)
    {
        if (kind != DatasetKind.RetrievalPairs)
        {
            // What llama-finetune trains on: the example in the layout it is served with.
            into.Add(new CountedText(lineNumber, "", TrainingText.Render(line, kind), true));
            return;
        }
        into.Add(new CountedText(lineNumber, "query", line.GetProperty("query").GetString()!, true));
        if (line.TryGetProperty("positive", out var positive))
            into.Add(new CountedText(lineNumber, "positive", positive.GetString()!, false));
        if (line.TryGetProperty("negatives", out var negatives))
        {
            int i = 0;
            foreach (var negative in negatives.EnumerateArray())
                into.Add(new CountedText(lineNumber, $"negatives[{i++}]", negative.GetString()!, false));
        }
    }
}
