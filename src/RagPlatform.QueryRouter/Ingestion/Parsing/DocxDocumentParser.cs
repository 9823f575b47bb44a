using System.Text;
using System.Text.RegularExpressions;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace RagPlatform.QueryRouter.Ingestion.Parsing;

/// <summary>
/// DOCX through the Open XML SDK: paragraphs styled as headings (their style's outline level, or a
/// "Heading N" style) become headings, numbered or bulleted paragraphs list items, table rows rows
/// of cells joined by " | ", the rest paragraphs. The title is the package's, else a "Title"
/// paragraph, else the first top-level heading.
/// </summary>
public static partial class DocxDocumentParser
{
    [GeneratedRegex(@"^heading\s*([1-9])$", RegexOptions.IgnoreCase)]
    private static partial Regex HeadingStyle();

    public static ParsedDocument Parse(Stream content, string title)
    {
        using var word = WordprocessingDocument.Open(content, isEditable: false);
        var body = word.MainDocumentPart?.Document?.Body
            ?? throw new InvalidDataException("the package has no document body");
        var styles = StyleLevels(word.MainDocumentPart!.StyleDefinitionsPart?.Styles);
        var builder = new DocumentBuilder();
        string? styledTitle = null;
        foreach (var element in body.ChildElements)
        {
            switch (element)
            {
                case Paragraph paragraph:
                    var text = TextOf(paragraph);
                    var styleId = paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value ?? "";
                    if (styleId.Equals("Title", StringComparison.OrdinalIgnoreCase))
                    {
                        styledTitle ??= DocumentBuilder.Collapse(text);
                        continue;
                    }
                    int? level = paragraph.ParagraphProperties?.OutlineLevel?.Val?.Value is { } outline ? outline + 1
                        : styles.TryGetValue(styleId, out var styled) ? styled : null;
                    if (level is { } l and <= 9) builder.Heading(l, text);
                    else builder.Add(paragraph.ParagraphProperties?.NumberingProperties is not null ? BlockKind.ListItem : BlockKind.Paragraph, text);
                    break;
                case Table table:
                    foreach (var row in table.Elements<TableRow>())
                        builder.Add(BlockKind.TableRow, string.Join(" | ", row.Elements<TableCell>()
                            .Select(c => DocumentBuilder.Collapse(string.Join(" ", c.Elements<Paragraph>().Select(TextOf))))
                            .Where(c => c.Length > 0)));
                    break;
            }
        }
        var packageTitle = word.PackageProperties.Title;
        return builder.Build(!string.IsNullOrWhiteSpace(title) ? title
            : !string.IsNullOrWhiteSpace(packageTitle) ? packageTitle
            : styledTitle ?? builder.Title ?? "");
    }

    /// <summary>Heading level of each paragraph style: its outline level, or its name "heading N".</summary>
    private static Dictionary<string, int> StyleLevels(Styles? styles)
    {
        var levels = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var style in styles?.Elements<Style>() ?? [])
        {
            var id = style.StyleId?.Value;
            if (id is null) continue;
            if (style.StyleParagraphProperties?.OutlineLevel?.Val?.Value is { } outline && outline < 9)
                levels[id] = outline + 1;
            else if (HeadingStyle().Match(style.StyleName?.Val?.Value ?? "") is { Success: true } named)
                levels[id] = named.Groups[1].Value[0] - '0';
        }
        foreach (var id in new[] { "Heading1", "Heading2", "Heading3", "Heading4", "Heading5", "Heading6" })
            levels.TryAdd(id, id[^1] - '0');
        return levels;
    }

    /// <summary>A paragraph's text: its runs' text, tabs and breaks as spaces.</summary>
    private static string TextOf(OpenXmlElement paragraph)
    {
        var text = new StringBuilder();
        foreach (var element in paragraph.Descendants())
        {
            switch (element)
            {
                case DocumentFormat.OpenXml.Wordprocessing.Text t: text.Append(t.Text); break;
                case TabChar or Break or CarriageReturn: text.Append(' '); break;
                case NoBreakHyphen: text.Append('-'); break;
            }
        }
        return text.ToString();
    }
}
