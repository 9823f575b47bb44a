using System.ComponentModel.DataAnnotations;

namespace RagPlatform.VectorSearch.Engine.Storage;

/// <summary>Configuration section "VectorSearch:Durability".</summary>
public sealed class DurabilityOptions
{
    /// <summary>fsync the log before acknowledging a write. Off trades the last writes before a power cut for speed.</summary>
    public bool Fsync { get; set; } = true;

    /// <summary>Write a snapshot and start a new log segment once the current segment is this large.</summary>
    [Range(1024, long.MaxValue)]
    public long SnapshotAfterBytes { get; set; } = 64L * 1024 * 1024;
}
