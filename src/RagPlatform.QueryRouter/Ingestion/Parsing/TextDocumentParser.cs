namespace RagPlatform.QueryRouter.Ingestion.Parsing;

/// <summary>
/// Plain text splits at blank lines; Markdown also knows headings (their path is the section of
/// what follows), list items, table rows and code fences. Block ranges index the decoded text
/// itself, so citations point at exact characters of the original.
/// </summary>
public static class TextDocumentParser
{
    public static ParsedDocument PlainText(string text, string title) =>
        new(text, title, [.. Lines(text).GroupParagraphs().Select(p => new Block(BlockKind.Paragraph, p.Start, p.End, ""))]);

    public static ParsedDocument Markdown(string text, string title)
    {
        var blocks = new List<Block>();
        var headings = new List<string>();
        var prose = new List<(int Start, int End, bool Blank)>();
        string Path() => string.Join(" > ", headings.Where(h => h.Length > 0));
        void Flush()
        {
            foreach (var (start, end, _) in prose.GroupParagraphs())
                blocks.Add(new Block(BlockKind.Paragraph, start, end, Path()));
            prose.Clear();
        }
        bool inFence = false;
        foreach (var line in Lines(text))
        {
            var content = text.AsSpan(line.Start, line.End - line.Start).TrimStart();
            if (content.StartsWith("```") || content.StartsWith("~~~"))
            {
                inFence = !inFence;
                prose.Add((line.Start, line.End, Blank: false));
                continue;
            }
            if (inFence)
            {
                prose.Add((line.Start, line.End, Blank: false));
                continue;
            }
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
                if (heading.Length > 0)
                {
                    int start = line.Start + text.AsSpan(line.Start, line.End - line.Start).IndexOf(heading.AsSpan());
                    blocks.Add(new Block(BlockKind.Heading, start, start + heading.Length, Path(), level));
                }
                continue;
            }
            bool row = content.StartsWith("|");
            int marker = row ? 0 : ListItemStart(content) ?? -1;
            if (row || marker > 0)
            {
                Flush();
                if (row && IsTableRule(content)) continue;
                int offset = line.End - line.Start - content.Length + marker;
                var item = text.AsSpan(line.Start + offset, line.End - line.Start - offset);
                int lead = item.Length - item.TrimStart().Length;
                if (item.Trim().Length > 0)
                    blocks.Add(new Block(row ? BlockKind.TableRow : BlockKind.ListItem,
                        line.Start + offset + lead, line.Start + offset + lead + item.Trim().Length, Path()));
                continue;
            }
            prose.Add(line);
        }
        Flush();
        return new ParsedDocument(text, title, blocks);
    }

    /// <summary>Length of a list marker ("- ", "* ", "+ ", "12. ") at the start of a line, if it has one.</summary>
    private static int? ListItemStart(ReadOnlySpan<char> line)
    {
        if (line.Length >= 2 && line[0] is '-' or '*' or '+' && line[1] == ' ') return 2;
        int digits = 0;
        while (digits < line.Length && digits < 9 && char.IsAsciiDigit(line[digits])) digits++;
        return digits > 0 && digits + 1 < line.Length && line[digits] is '.' or ')' && line[digits + 1] == ' ' ? digits + 2 : null;
    }

    private static bool IsTableRule(ReadOnlySpan<char> line)
    {
        foreach (char c in line)
            if (c is not ('|' or '-' or ':' or ' ')) return false;
        return true;
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
