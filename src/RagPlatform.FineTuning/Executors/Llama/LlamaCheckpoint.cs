using System.Text.Json;

namespace RagPlatform.FineTuning.Executors.Llama;

/// <summary>
/// Where a generative job stands after an epoch: the GGUF that epoch wrote (a file in the job's
/// shared artifact folder), so a worker that reclaims the job trains on from it.
/// </summary>
public sealed record LlamaCheckpoint(uint Epoch, ulong Step, string ModelFile, double PerplexityBefore, double Perplexity, double? TrainLoss)
{
    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this);

    public static LlamaCheckpoint? Deserialize(byte[] state)
    {
        try { return JsonSerializer.Deserialize<LlamaCheckpoint>(state); }
        catch (JsonException) { return null; }
    }
}
