namespace RagPlatform.Cli.Measurement;

/// <summary>A percentile bootstrap interval for the mean of paired per-query differences.</summary>
public static class PairedBootstrap
{
    public static (double Low, double High) Interval(IReadOnlyList<double> differences, int resamples, int seed, double confidence = 0.95)
    {
        if (differences.Count == 0) return (0, 0);
        var random = new Random(seed);
        var means = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            double sum = 0;
            for (int i = 0; i < differences.Count; i++) sum += differences[random.Next(differences.Count)];
            means[r] = sum / differences.Count;
        }
        Array.Sort(means);
        double tail = (1 - confidence) / 2;
        return (means[(int)Math.Floor(tail * (resamples - 1))], means[(int)Math.Ceiling((1 - tail) * (resamples - 1))]);
    }
}
