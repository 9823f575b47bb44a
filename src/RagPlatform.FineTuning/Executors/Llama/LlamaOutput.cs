using System.Globalization;
using System.Text.RegularExpressions;

namespace RagPlatform.FineTuning.Executors.Llama;

/// <summary>What llama-finetune and llama-perplexity print, read back into numbers.</summary>
public static partial class LlamaOutput
{
    /// <summary>One training step as llama-finetune's progress bar shows it.</summary>
    public readonly record struct Progress(int Batch, int Batches, double Loss);

    /// <summary>"train: [██ ] data=0000012/0000088 loss=4.12345±0.0123 acc=..." → batch 12 of 88, loss 4.12345; null for anything else.</summary>
    public static Progress? ParseTrainingProgress(string piece)
    {
        var match = TrainingProgress().Match(piece);
        if (!match.Success || !double.TryParse(match.Groups["loss"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var loss))
            return null;
        return new Progress(int.Parse(match.Groups["batch"].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["batches"].Value, CultureInfo.InvariantCulture), loss);
    }

    /// <summary>"[1]130.0387,[2]131.6559," → (1, 130.0387), (2, 131.6559): the running estimate after each chunk.</summary>
    public static IEnumerable<(int Chunk, double Perplexity)> ParseRunningPerplexities(string piece)
    {
        foreach (Match match in RunningPerplexity().Matches(piece))
            if (double.TryParse(match.Groups["ppl"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ppl))
                yield return (int.Parse(match.Groups["chunk"].Value, CultureInfo.InvariantCulture), ppl);
    }

    /// <summary>"perplexity: calculating perplexity over 5 chunks, n_ctx=128, ..." → 5.</summary>
    public static int? ParseChunkCount(string piece)
    {
        var match = ChunkCount().Match(piece);
        return match.Success ? int.Parse(match.Groups["chunks"].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"calculating perplexity over (?<chunks>\d+) chunks")]
    private static partial Regex ChunkCount();

    [GeneratedRegex(@"\[(?<chunk>\d+)\](?<ppl>[-+0-9.eE]+),")]
    private static partial Regex RunningPerplexity();

    [GeneratedRegex(@"^train:\s.*?\bdata=(?<batch>\d+)/(?<batches>\d+)\s+loss=(?<loss>[-+0-9.eE]+)")]
    private static partial Regex TrainingProgress();
}
