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

    /// <summary>"Final estimate: PPL = 130.5240 +/- 1.08043" → 130.524; null for anything else.</summary>
    public static double? ParsePerplexity(string piece)
    {
        var match = FinalPerplexity().Match(piece);
        return match.Success && double.TryParse(match.Groups["ppl"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ppl)
            ? ppl : null;
    }

    /// <summary>
    /// "[1]130.0387,[2]131.6559,[3]130.2339," → 130.2339: the running estimate after the last chunk, which
    /// is the final one. llama.cpp's logger can drop its last line when the tool exits, the "Final
    /// estimate" line among them, while these running figures go straight to the output.
    /// </summary>
    public static double? ParseRunningPerplexity(string piece)
    {
        var matches = RunningPerplexity().Matches(piece);
        return matches.Count > 0 && double.TryParse(matches[^1].Groups["ppl"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ppl)
            ? ppl : null;
    }

    [GeneratedRegex(@"\[\d+\](?<ppl>[-+0-9.eE]+),")]
    private static partial Regex RunningPerplexity();

    [GeneratedRegex(@"^train:\s.*?\bdata=(?<batch>\d+)/(?<batches>\d+)\s+loss=(?<loss>[-+0-9.eE]+)")]
    private static partial Regex TrainingProgress();

    [GeneratedRegex(@"Final estimate: PPL = (?<ppl>[-+0-9.eE]+)")]
    private static partial Regex FinalPerplexity();
}
