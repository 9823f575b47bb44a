using Google.Protobuf.WellKnownTypes;
using RagPlatform.Text;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// The payload each chunk point carries: where it came from (source, document, title, section path,
/// the caller's metadata), which ingest wrote it (generation, content hash), its character range
/// within the document's text, its text and its sentences (relative to the chunk).
/// </summary>
public static class ChunkPayload
{
    public const string Source = "source";
    public const string DocumentId = "document_id";
    public const string Title = "title";
    public const string Section = "section";
    public const string ChunkIndex = "chunk_index";
    public const string Generation = "generation";
    public const string StartChar = "start_char";
    public const string EndChar = "end_char";
    public const string ContentHash = "content_hash";
    public const string Text = "text";
    public const string Sentences = "sentences";
    public const string Metadata = "meta";

    public static Struct Create(string source, string documentId, string title, Chunk chunk, string documentText,
        string contentHash, long generation, Struct? metadata)
    {
        var sentences = new ListValue();
        foreach (var s in chunk.Sentences)
        {
            sentences.Values.Add(Value.ForNumber(s.Start));
            sentences.Values.Add(Value.ForNumber(s.End));
        }
        var payload = new Struct
        {
            Fields =
            {
                [Source] = Value.ForString(source),
                [DocumentId] = Value.ForString(documentId),
                [Title] = Value.ForString(title),
                [Section] = Value.ForString(chunk.SectionPath),
                [ChunkIndex] = Value.ForNumber(chunk.Index),
                [Generation] = Value.ForNumber(generation),
                [StartChar] = Value.ForNumber(chunk.Start),
                [EndChar] = Value.ForNumber(chunk.End),
                [ContentHash] = Value.ForString(contentHash),
                [Text] = Value.ForString(chunk.TextOf(documentText)),
                [Sentences] = Value.ForList([.. sentences.Values]),
            },
        };
        if (metadata is not null) payload.Fields[Metadata] = Value.ForStruct(metadata);
        return payload;
    }

    public static string GetString(Struct payload, string key) =>
        payload.Fields.TryGetValue(key, out var value) ? value.StringValue : "";

    public static int GetInt(Struct payload, string key) =>
        payload.Fields.TryGetValue(key, out var value) ? (int)value.NumberValue : 0;

    public static List<TextSpan> GetSentences(Struct payload)
    {
        var spans = new List<TextSpan>();
        if (!payload.Fields.TryGetValue(Sentences, out var value) || value.ListValue is null) return spans;
        var numbers = value.ListValue.Values;
        for (int i = 0; i + 1 < numbers.Count; i += 2)
            spans.Add(new TextSpan((int)numbers[i].NumberValue, (int)numbers[i + 1].NumberValue));
        return spans;
    }
}
