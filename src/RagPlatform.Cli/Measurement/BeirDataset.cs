using System.Text.Json;

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
