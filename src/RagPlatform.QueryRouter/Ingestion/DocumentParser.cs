using System.Text;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// Turns a document's bytes into text and prose blocks. Plain text splits at blank lines;
/// Markdown also tracks headings as the section path of what follows them. Block ranges index
/// the decoded text itself, so citations point at exact characters of the original.
/// </summary>
public static class DocumentParser
{
    public const string PlainText = "text/plain";
    public const string Markdown = "text/markdown";

    public static string ResolveContentType(string contentType, string fileName)
    {
        if (!string.IsNullOrWhiteSpace(contentType))
            return contentType.Split(';')[0].Trim().ToLowerInvariant();
        return Path.GetExtension(fileName).ToLowerInvariant() switch
        {
            ".md" or ".markdown" => Markdown,
            ".html" or ".htm" => "text/html",
            ".pdf" => "application/pdf",
            ".docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            _ => PlainText,
        };
    }

    public static ParsedDocument Parse(ReadOnlySpan<byte> content, string contentType, string title)
    {
        if (contentType is not (PlainText or Markdown))
            throw new InvalidArgumentException("content_type", $"'{contentType}' is not supported yet; send text/plain or text/markdown");
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidArgumentException("content", "is not valid UTF-8 text");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var blocks = contentType == Markdown ? MarkdownBlocks(text, ref title) : PlainBlocks(text);
        if (blocks.Count == 0)
            throw new InvalidArgumentException("content", "holds no text");
        return new ParsedDocument(text, title, blocks);
    }

    private static List<Block> PlainBlocks(string text)
    {
        var blocks = new List<Block>();
        foreach (var (start, end, _) in Lines(text).GroupParagraphs())
            blocks.Add(new Block(start, end, ""));
        return blocks;
    }

    private static List<Block> MarkdownBlocks(string text, ref string title)
    {
        var blocks = new List<Block>();
        var headings = new List<string>();
        var lines = Lines(text).ToList();
        var prose = new List<(int Start, int End, bool Blank)>();
        void Flush()
        {
            foreach (var (start, end, _) in prose.GroupParagraphs())
                blocks.Add(new Block(start, end, string.Join(" > ", headings)));
            prose.Clear();
        }
        foreach (var line in lines)
        {
            var content = text.AsSpan(line.Start, line.End - line.Start).TrimStart();
            int level = 0;
            while (level < content.Length && content[level] == '#') level++;
            if (level is >= 1 and <= 6 && (content.Length == level || content[level] == ' '))
            {
                Flush();
                var heading = content[level..].Trim().TrimEnd('#').Trim().ToString();
                if (headings.Count >= level) headings.RemoveRange(level - 1, headings.Count - level + 1);
                while (headings.Count < level - 1) headings.Add("");
                headings.Add(heading);
                if (level == 1 && string.IsNullOrWhiteSpace(title)) title = heading;
                continue;
            }
            prose.Add(line);
        }
        Flush();
        return blocks;
    }

    /// <summary>Each line's range (without its line break) and whether it is blank.</summary>
    private static IEnumerable<(int Start, int End, bool Blank)> Lines(string text)
    {
        int start = 0;
        while (start <= text.Length)
        {
            int newline = text.IndexOf('\n', start);
            int end = newline < 0 ? text.Length : newline;
            int trimmedEnd = end > start && text[end - 1] == '\r' ? end - 1 : end;
            yield return (start, trimmedEnd, text.AsSpan(start, trimmedEnd - start).IsWhiteSpace());
            if (newline < 0) yield break;
            start = newline + 1;
        }
    }

    /// <summary>Merges consecutive non-blank lines into paragraphs.</summary>
    private static IEnumerable<(int Start, int End, bool Blank)> GroupParagraphs(this IEnumerable<(int Start, int End, bool Blank)> lines)
    {
        int? start = null;
        int end = 0;
        foreach (var line in lines)
        {
            if (line.Blank)
            {
                if (start is { } s) yield return (s, end, false);
                start = null;
                continue;
            }
            start ??= line.Start;
            end = line.End;
        }
        if (start is { } last) yield return (last, end, false);
    }
}
