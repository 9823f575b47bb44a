using System.Text.Json;

namespace RagPlatform.FineTuning.Executors.OpenAI;

/// <summary>
/// Where a hosted job stands, kept in every checkpoint it writes: its uploaded files, the remote job
/// (once created), the last remote event and checkpoint already reported. A worker that reclaims the
/// job follows the same remote job from here instead of creating another.
/// </summary>
public sealed record RemoteJobState(string TrainingFileId, string? ValidationFileId, string? RemoteJobId,
    string? LastEventId, int LastCheckpointStep, uint Epochs)
{
    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this);

    public static RemoteJobState? Deserialize(byte[] state)
    {
        try { return JsonSerializer.Deserialize<RemoteJobState>(state); }
        catch (JsonException) { return null; }
    }
}
