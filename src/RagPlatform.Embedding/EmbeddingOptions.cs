using System.ComponentModel.DataAnnotations;

namespace RagPlatform.Embedding;

/// <summary>Configuration section "Embedding".</summary>
public sealed class EmbeddingOptions
{
    public const string Section = "Embedding";

    /// <summary>
    /// The model used when a request names none. Empty: the local sentence encoder (use-lite) when
    /// its weights are present, else hashing-v1.
    /// </summary>
    public string? DefaultModel { get; set; }

    /// <summary>Most texts one Embed call may carry.</summary>
    [Range(1, 10_000)]
    public int MaxTextsPerRequest { get; set; } = 512;

    /// <summary>Most texts in one model call; concurrent requests are merged up to this.</summary>
    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>Texts that may wait for the model; beyond this a request gets RESOURCE_EXHAUSTED.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueuedTexts { get; set; } = 4096;

    /// <summary>Longest text, in characters.</summary>
    [Range(1, 10_000_000)]
    public int MaxCharactersPerText { get; set; } = 64 * 1024;

    /// <summary>
    /// The FineTuning service's data folder (shared volume), whose registry/ lists the fine-tuned
    /// query adapters served here as models of their own. Empty: FineTuning:DataDirectory when this
    /// process also hosts FineTuning, else ".data/finetuning".
    /// </summary>
    public string? RegistryDirectory { get; set; }

    /// <summary>The local sentence encoder (section "Embedding:UseLite").</summary>
    public UseLiteOptions UseLite { get; set; } = new();
}

/// <summary>Where the USE-lite weights are; deploy/models/fetch-use-lite.sh puts them there.</summary>
public sealed class UseLiteOptions
{
    /// <summary>The folder the fetch script prints; empty for its default.</summary>
    public string? ModelDirectory { get; set; }
}
