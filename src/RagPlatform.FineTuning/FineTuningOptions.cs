using System.ComponentModel.DataAnnotations;

namespace RagPlatform.FineTuning;

/// <summary>Configuration section "FineTuning".</summary>
public sealed class FineTuningOptions
{
    public const string Section = "FineTuning";

    /// <summary>Where datasets (and later jobs and checkpoints) are kept; relative paths are under the content root.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data/finetuning";

    /// <summary>Largest dataset file accepted, in bytes.</summary>
    [Range(1, long.MaxValue)]
    public long MaxDatasetBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Longest line, in bytes; a longer line is reported as an error, not stored as valid.</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxLineBytes { get; set; } = 1024 * 1024;

    /// <summary>Jobs this process trains at once.</summary>
    [Range(1, 64)]
    public int MaxConcurrentJobs { get; set; } = 1;

    /// <summary>How long a worker's claim on a job lasts unless renewed; it renews every third of this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromSeconds(3);
}
