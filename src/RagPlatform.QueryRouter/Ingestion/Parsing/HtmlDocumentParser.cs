using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace RagPlatform.QueryRouter.Ingestion.Parsing;

/// <summary>
/// HTML through AngleSharp's HTML5 parser: h1-h6 become headings, p and other block elements
/// paragraphs, li list items, tr table rows (cells joined by " | "); script, style and other
/// non-content elements are skipped. The title is the &lt;title&gt;, else the first h1.
/// </summary>
public static class HtmlDocumentParser
{
    private static readonly HashSet<string> Skipped = ["script", "style", "noscript", "template", "head", "svg", "canvas", "iframe", "object", "button", "select", "textarea", "nav"];
    private static readonly HashSet<string> BlockElements =
    [
        "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd",
        "table", "thead", "tbody", "tfoot", "caption", "figure", "figcaption", "address", "hr", "br", "form", "fieldset", "details", "summary", "body",
    ];

    /// <summary>Parses the bytes as a browser would, honouring a BOM or a &lt;meta charset&gt;, UTF-8 otherwise.</summary>
    public static ParsedDocument Parse(byte[] html, string title)
    {
        using var stream = new MemoryStream(html, writable: false);
        var document = new HtmlParser().ParseDocument(stream);
        var builder = new DocumentBuilder();
        var pageTitle = DocumentBuilder.Collapse(document.Title ?? "");
        new Walker(builder).Walk(document.Body ?? (INode)document.DocumentElement);
        return builder.Build(!string.IsNullOrWhiteSpace(title) ? title : pageTitle);
    }

    private sealed class Walker(DocumentBuilder builder)
    {
        private readonly StringBuilder pending = new();
        private BlockKind kind = BlockKind.Paragraph;

        public void Walk(INode node)
        {
            foreach (var child in node.ChildNodes)
            {
                if (child is IText text)
                {
                    pending.Append(text.Data);
                    continue;
                }
                if (child is not IElement element) continue;
                var tag = element.LocalName;
                if (Skipped.Contains(tag)) continue;
                if (tag.Length == 2 && tag[0] == 'h' && tag[1] is >= '1' and <= '6')
                {
                    Flush();
                    builder.Heading(tag[1] - '0', element.TextContent);
                }
                else if (tag == "tr")
                {
                    Flush();
                    builder.Add(BlockKind.TableRow, string.Join(" | ", element.Children
                        .Where(c => c.LocalName is "td" or "th")
                        .Select(c => DocumentBuilder.Collapse(c.TextContent))
                        .Where(c => c.Length > 0)));
                }
                else if (tag == "li")
                {
                    Flush();
                    var outer = kind;
                    kind = BlockKind.ListItem;
                    Walk(element);
                    Flush();
                    kind = outer;
                }
                else if (BlockElements.Contains(tag))
                {
                    Flush();
                    Walk(element);
                    Flush();
                }
                else
                {
                    Walk(element);
                }
            }
        }

        private void Flush()
        {
            if (pending.Length == 0) return;
            builder.Add(kind, pending.ToString());
            pending.Clear();
        }
    }
}
