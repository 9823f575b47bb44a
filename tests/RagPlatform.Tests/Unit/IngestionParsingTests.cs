using System.Text;
using RagPlatform.QueryRouter.Ingestion;
using RagPlatform.ServiceDefaults.Errors;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Unit;

public sealed class IngestionParsingTests
{
    private const string Markdown = """
        # Ocean tides

        Tides rise and fall.

        ## Causes

        The Moon pulls the water. The Sun pulls too.
        It adds up.

        - Spring tides
        - Neap tides

        | Place | Range |
        |---|---|
        | Bay of Fundy | 16 m |

        ## Local effects

        Bays resonate.
        """;

    private static ParsedDocument Parse(byte[] content, string contentType, string title = "") =>
        DocumentParser.Parse(content, contentType, title);

    private static string TextOf(ParsedDocument document, Block block) => document.Text[block.Start..block.End];

    private static List<(BlockKind Kind, string Text, string Path)> Outline(ParsedDocument document) =>
        document.Blocks.Select(b => (b.Kind, TextOf(document, b), b.SectionPath)).ToList();

    [Fact]
    public void Markdown_blocks_carry_their_kind_heading_path_and_exact_ranges()
    {
        var document = Parse(Encoding.UTF8.GetBytes(Markdown), DocumentParser.Markdown);
        Assert.Equal("Ocean tides", document.Title);
        Assert.Equal(
        [
            (BlockKind.Heading, "Ocean tides", "Ocean tides"),
            (BlockKind.Paragraph, "Tides rise and fall.", "Ocean tides"),
            (BlockKind.Heading, "Causes", "Ocean tides > Causes"),
            (BlockKind.Paragraph, "The Moon pulls the water. The Sun pulls too.\nIt adds up.", "Ocean tides > Causes"),
            (BlockKind.ListItem, "Spring tides", "Ocean tides > Causes"),
            (BlockKind.ListItem, "Neap tides", "Ocean tides > Causes"),
            (BlockKind.TableRow, "| Place | Range |", "Ocean tides > Causes"),
            (BlockKind.TableRow, "| Bay of Fundy | 16 m |", "Ocean tides > Causes"),
            (BlockKind.Heading, "Local effects", "Ocean tides > Local effects"),
            (BlockKind.Paragraph, "Bays resonate.", "Ocean tides > Local effects"),
        ], Outline(document));
        Assert.Equal([1, 2, 2], document.Blocks.Where(b => b.Kind == BlockKind.Heading).Select(b => b.Level));
    }

    [Fact]
    public void Html_keeps_headings_paragraphs_list_items_and_table_rows_and_drops_scripts_and_navigation()
    {
        var document = Parse(Encoding.UTF8.GetBytes(TestDocuments.Html), DocumentParser.Html);
        Assert.Equal("Install guide", document.Title);
        Assert.Equal(
        [
            (BlockKind.Heading, "Install", "Install"),
            (BlockKind.Paragraph, "Download the package from the release page. It is signed.", "Install"),
            (BlockKind.Heading, "Linux", "Install > Linux"),
            (BlockKind.Paragraph, "Unpack it into /opt and run the installer as root.", "Install > Linux"),
            (BlockKind.ListItem, "Debian 12", "Install > Linux"),
            (BlockKind.ListItem, "Ubuntu 24.04", "Install > Linux"),
            (BlockKind.Heading, "Windows", "Install > Windows"),
            (BlockKind.TableRow, "Version | Size", "Install > Windows"),
            (BlockKind.TableRow, "1.2 | 40 MB", "Install > Windows"),
            (BlockKind.Paragraph, "Run setup.exe and follow the wizard.", "Install > Windows"),
        ], Outline(document));
        Assert.DoesNotContain("not text", document.Text);
        Assert.DoesNotContain("color", document.Text);
    }

    [Fact]
    public void Html_is_decoded_by_its_declared_charset()
    {
        var latin1 = Encoding.Latin1.GetBytes("<html><head><meta charset=\"iso-8859-1\"></head><body><p>Caf\u00e9 cr\u00e8me</p></body></html>");
        var document = Parse(latin1, DocumentParser.Html);
        Assert.Equal("Caf\u00e9 cr\u00e8me", document.Text);
        Assert.Equal("\u00c9t\u00e9", Parse(Encoding.UTF8.GetBytes("<p>\u00c9t\u00e9</p>"), DocumentParser.Html).Text);
    }

    [Fact]
    public void Pdf_text_is_read_in_order_with_larger_fonts_as_headings()
    {
        var document = Parse(TestDocuments.Pdf(), DocumentParser.Pdf);
        Assert.Equal("Tidal forces", document.Title);
        var headings = document.Blocks.Where(b => b.Kind == BlockKind.Heading).Select(b => (TextOf(document, b), b.Level, b.SectionPath));
        Assert.Equal([("Ocean tides", 1, "Ocean tides"), ("Spring tides", 2, "Ocean tides > Spring tides")], headings);
        var prose = string.Join(" ", document.Prose.Select(b => TextOf(document, b)));
        Assert.Equal("The Moon pulls the water of the oceans toward it. The Sun pulls as well, about half as strongly. " +
            "When Sun and Moon line up, the tides are highest. They come twice a month, at new and full moon.", prose);
        Assert.Equal("Ocean tides > Spring tides", document.Prose.Last().SectionPath);
    }

    [Fact]
    public void Docx_styles_become_headings_numbering_list_items_and_tables_rows()
    {
        var document = Parse(TestDocuments.Docx(), DocumentParser.Docx);
        Assert.Equal("Sourdough handbook", document.Title);
        Assert.Equal(
        [
            (BlockKind.Heading, "Starter", "Starter"),
            (BlockKind.Paragraph, "Mix flour and water in equal weights. Feed it daily.", "Starter"),
            (BlockKind.Heading, "Feeding", "Starter > Feeding"),
            (BlockKind.ListItem, "Discard half", "Starter > Feeding"),
            (BlockKind.ListItem, "Add fresh flour and water", "Starter > Feeding"),
            (BlockKind.TableRow, "Day | Rise", "Starter > Feeding"),
            (BlockKind.TableRow, "1 | none", "Starter > Feeding"),
            (BlockKind.TableRow, "3 | doubled", "Starter > Feeding"),
            (BlockKind.Paragraph, "A lively starter doubles within six hours.", "Starter > Feeding"),
        ], Outline(document));
    }

    [Fact]
    public void Unreadable_encrypted_and_empty_files_are_refused_on_content_saying_why()
    {
        static InvalidArgumentException Refused(byte[] content, string type) =>
            Assert.Throws<InvalidArgumentException>(() => DocumentParser.Parse(content, type, ""));
        Assert.Equal("content", Refused("%PDF-1.7 truncated"u8.ToArray(), DocumentParser.Pdf).Field);
        Assert.Contains("encrypted PDF", Refused(TestDocuments.EncryptedPdf(), DocumentParser.Pdf).Message);
        Assert.Contains("not a readable DOCX", Refused("PK\u0003\u0004 not a zip"u8.ToArray(), DocumentParser.Docx).Message);
        Assert.Contains("encrypted or legacy", Refused(TestDocuments.OleFile(), DocumentParser.Docx).Message);
        Assert.Contains("no text", Refused("<html><body><script>x()</script></body></html>"u8.ToArray(), DocumentParser.Html).Message);
        Assert.Contains("no extractable text", Refused(TestDocuments.BlankPdf(), DocumentParser.Pdf).Message);
        Assert.Equal("content_type", Assert.Throws<InvalidArgumentException>(() => DocumentParser.Parse("x"u8, "image/png", "")).Field);
        Assert.Equal("content", Assert.Throws<InvalidArgumentException>(() => DocumentParser.Parse("  \n\n "u8, DocumentParser.PlainText, "")).Field);
        Assert.Equal("content", Assert.Throws<InvalidArgumentException>(() => DocumentParser.Parse(new byte[] { 0xC3, 0x28 }, DocumentParser.PlainText, "")).Field);
    }

    [Fact]
    public void Content_type_comes_from_the_mime_type_else_the_file_name()
    {
        Assert.Equal(DocumentParser.Markdown, DocumentParser.ResolveContentType("", "notes.MD"));
        Assert.Equal(DocumentParser.PlainText, DocumentParser.ResolveContentType("text/plain; charset=utf-8", "x.md"));
        Assert.Equal(DocumentParser.Html, DocumentParser.ResolveContentType("", "index.htm"));
        Assert.Equal(DocumentParser.Pdf, DocumentParser.ResolveContentType("", "paper.pdf"));
        Assert.Equal(DocumentParser.Docx, DocumentParser.ResolveContentType("", "report.docx"));
        Assert.Equal(DocumentParser.PlainText, DocumentParser.ResolveContentType("", "README"));
        Assert.Null(DocumentParser.ContentTypeOf("photo.png"));
    }
}
