using System.Text.Json;

namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// The package's vocab.json: a JSON array of [piece, score] pairs whose index is the piece id.
/// Some scores are null; the JS tokenizer adds them as numbers, where null counts as 0.
/// </summary>
public sealed class SentencePieceVocabulary
{
    private SentencePieceVocabulary(string[] pieces, double[] scores)
    {
        Pieces = pieces;
        Scores = scores;
    }

    public IReadOnlyList<string> Pieces { get; }
    public IReadOnlyList<double> Scores { get; }
    public int Count => Pieces.Count;

    public static SentencePieceVocabulary Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var pieces = new List<string>();
        var scores = new List<double>();
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() < 2)
                throw new InvalidDataException($"{path}: entry {pieces.Count} is not a [piece, score] pair");
            pieces.Add(entry[0].GetString() ?? throw new InvalidDataException($"{path}: entry {pieces.Count} has no piece"));
            scores.Add(entry[1].ValueKind == JsonValueKind.Number ? entry[1].GetDouble() : 0);
        }
        return new SentencePieceVocabulary([.. pieces], [.. scores]);
    }
}
