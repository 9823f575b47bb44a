using System.Text;

namespace RagPlatform.QueryRouter.Ingestion.Parsing;

/// <summary>
/// Builds the extracted text of a format that has no text of its own (HTML, PDF, DOCX): each block's
/// text with its white space collapsed, blocks separated by a blank line, so that block ranges,
/// and the chunk ranges cut from them, index this text exactly.
/// </summary>
public sealed class DocumentBuilder
{
    private const string Separator = "\n\n";
    private readonly StringBuilder text = new();
    private readonly List<Block> blocks = [];
    private readonly List<string> headings = [];

    /// <summary>The first top-level heading, unless a title was set.</summary>
    public string? Title { get; set; }

    public bool IsEmpty => blocks.Count == 0;

    public void Heading(int level, string content)
    {
        level = Math.Clamp(level, 1, 9);
        var heading = Collapse(content);
        if (heading.Length == 0) return;
        if (headings.Count >= level) headings.RemoveRange(level - 1, headings.Count - level + 1);
        while (headings.Count < level - 1) headings.Add("");
        headings.Add(heading);
        if (level == 1) Title ??= heading;
        Append(BlockKind.Heading, heading, level);
    }

    public void Add(BlockKind kind, string content)
    {
        var collapsed = Collapse(content);
        if (collapsed.Length > 0) Append(kind, collapsed, 0);
    }

    public ParsedDocument Build(string title) =>
        new(text.ToString(), !string.IsNullOrWhiteSpace(title) ? title : Title ?? "", blocks);

    private void Append(BlockKind kind, string content, int level)
    {
        if (text.Length > 0) text.Append(Separator);
        int start = text.Length;
        text.Append(content);
        var path = string.Join(" > ", headings.Where(h => h.Length > 0));
        blocks.Add(new Block(kind, start, text.Length, path, level));
    }

    /// <summary>Runs of white space and control characters become one space; the ends are trimmed.</summary>
    public static string Collapse(string content)
    {
        var result = new StringBuilder(content.Length);
        bool space = false;
        foreach (char c in content)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c == '\u00AD')
            {
                space = c != '\u00AD' || space;
                continue;
            }
            if (space && result.Length > 0) result.Append(' ');
            space = false;
            result.Append(c);
        }
        return result.ToString();
    }
}
