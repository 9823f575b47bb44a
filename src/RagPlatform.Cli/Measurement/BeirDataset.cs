using System.Text.Json;
using Google.Protobuf;
using RagPlatform.Contracts.Query.V1;

namespace RagPlatform.Cli.Measurement;

public sealed record BeirDocument(string Id, string Title, string Text);
public sealed record BeirQuery(string Id, string Text);

/// <summary>Reads the BEIR layout: corpus.jsonl, queries.jsonl, and a qrels TSV with a header line.</summary>
public static class BeirDataset
{
    public static IEnumerable<BeirDocument> Corpus(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return new BeirDocument(root.GetProperty("_id").GetString()!,
                root.TryGetProperty("title", out var t) ? t.GetString() ?? "" : "",
                root.TryGetProperty("text", out var x) ? x.GetString() ?? "" : "");
        });

    public static List<BeirQuery> Queries(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            return new BeirQuery(json.RootElement.GetProperty("_id").GetString()!, json.RootElement.GetProperty("text").GetString()!);
        }).ToList();

    /// <summary>
    /// A corpus document as plain text for Ingest: the title as its own paragraph, or, whole, as the
    /// first sentence (one chunk per document).
    /// </summary>
    public static IngestRequest ToIngestRequest(BeirDocument document, string source, bool whole) => new()
    {
        Source = source,
        DocumentId = document.Id,
        Title = document.Title,
        ContentType = "text/plain",
        Content = ByteString.CopyFromUtf8(string.IsNullOrEmpty(document.Title) ? document.Text
            : whole ? $"{document.Title}. {document.Text}" : $"{document.Title}\n\n{document.Text}"),
    };

    /// <summary>query id → (document id → grade).</summary>
    public static Dictionary<string, Dictionary<string, int>> Qrels(string path)
    {
        var qrels = new Dictionary<string, Dictionary<string, int>>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var parts = line.Split('\t');
            if (parts.Length < 3) continue;
            if (!qrels.TryGetValue(parts[0], out var judged)) qrels[parts[0]] = judged = [];
            judged[parts[1]] = int.Parse(parts[2]);
        }
        return qrels;
    }
}
