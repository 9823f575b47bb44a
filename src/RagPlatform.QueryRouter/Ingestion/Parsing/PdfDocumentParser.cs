using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.DocumentLayoutAnalysis;
using UglyToad.PdfPig.DocumentLayoutAnalysis.PageSegmenter;
using UglyToad.PdfPig.DocumentLayoutAnalysis.ReadingOrderDetector;
using UglyToad.PdfPig.DocumentLayoutAnalysis.WordExtractor;

namespace RagPlatform.QueryRouter.Ingestion.Parsing;

/// <summary>
/// PDF through PdfPig: each page's words grouped into text blocks (Docstrum) and put in reading
/// order; a short block set in a font clearly larger than the body's becomes a heading, its level
/// ranked by size (largest first), the rest paragraphs. A PDF has no markup, so this is layout, not
/// structure: good enough for section paths, never needed for the text itself.
/// </summary>
public static class PdfDocumentParser
{
    /// <summary>How much larger than the body's font a heading's must be.</summary>
    private const double HeadingScale = 1.15;
    private const int MaxHeadingLines = 2;

    public static ParsedDocument Parse(byte[] content, string title)
    {
        using var pdf = PdfDocument.Open(content);
        var blocks = new List<(string Text, double Size, int Lines)>();
        foreach (var page in pdf.GetPages())
        {
            var words = page.GetWords(NearestNeighbourWordExtractor.Instance).ToList();
            if (words.Count == 0) continue;
            var pageBlocks = DocstrumBoundingBoxes.Instance.GetBlocks(words);
            foreach (var block in UnsupervisedReadingOrderDetector.Instance.Get(pageBlocks))
                blocks.Add((block.Text, FontSize(block), block.TextLines.Count));
        }
        var builder = new DocumentBuilder();
        if (blocks.Count > 0)
        {
            double body = BodySize(blocks);
            var headingSizes = blocks.Where(b => IsHeading(b, body)).Select(b => Math.Round(b.Size)).Distinct().OrderDescending().ToList();
            foreach (var block in blocks)
            {
                if (IsHeading(block, body)) builder.Heading(headingSizes.IndexOf(Math.Round(block.Size)) + 1, block.Text);
                else builder.Add(BlockKind.Paragraph, block.Text);
            }
        }
        var infoTitle = pdf.Information.Title;
        return builder.Build(!string.IsNullOrWhiteSpace(title) ? title : !string.IsNullOrWhiteSpace(infoTitle) ? infoTitle : builder.Title ?? "");
    }

    private static bool IsHeading((string Text, double Size, int Lines) block, double body) =>
        block.Lines <= MaxHeadingLines && block.Size >= body * HeadingScale;

    private static double FontSize(TextBlock block)
    {
        var sizes = block.TextLines.SelectMany(l => l.Words).SelectMany(w => w.Letters).Select(l => l.PointSize).ToList();
        return sizes.Count == 0 ? 0 : sizes.Average();
    }

    /// <summary>The font size carrying the most characters: the body text's.</summary>
    private static double BodySize(List<(string Text, double Size, int Lines)> blocks) =>
        blocks.GroupBy(b => Math.Round(b.Size)).MaxBy(g => g.Sum(b => b.Text.Length))!.Key;
}
