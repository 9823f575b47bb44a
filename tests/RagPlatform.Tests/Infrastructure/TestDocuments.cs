using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using UglyToad.PdfPig.Core;
using WordText = DocumentFormat.OpenXml.Wordprocessing.Text;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace RagPlatform.Tests.Infrastructure;

/// <summary>Real PDF, DOCX and HTML files made by the tests, with headings, paragraphs, lists and tables.</summary>
public static class TestDocuments
{
    public const string Html = """
        <!DOCTYPE html>
        <html><head><title>Install guide</title><style>p { color: red }</style><script>var x = "<p>not text</p>";</script></head>
        <body>
          <nav><a href="/">Home</a></nav>
          <h1>Install</h1>
          <p>Download the   package from the <b>release page</b>.
             It is signed.</p>
          <h2>Linux</h2>
          <p>Unpack it into /opt and run the installer as root.</p>
          <ul><li>Debian 12</li><li>Ubuntu <i>24.04</i></li></ul>
          <h2>Windows</h2>
          <table><tr><th>Version</th><th>Size</th></tr><tr><td>1.2</td><td>40 MB</td></tr></table>
          <div>Run setup.exe and follow the wizard.</div>
        </body></html>
        """;

    /// <summary>A PDF of one page: a large heading, a smaller one, and body paragraphs.</summary>
    public static byte[] Pdf(string title = "Tidal forces")
    {
        var builder = new PdfDocumentBuilder();
        builder.DocumentInformation.Title = title;
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var page = builder.AddPage(595, 842);
        double y = 780;
        void Line(string text, double size, double gap)
        {
            page.AddText(text, size, new PdfPoint(60, y), font);
            y -= gap;
        }
        Line("Ocean tides", 24, 50);
        Line("The Moon pulls the water of the oceans toward it.", 11, 14);
        Line("The Sun pulls as well, about half as strongly.", 11, 40);
        Line("Spring tides", 16, 34);
        Line("When Sun and Moon line up, the tides are highest.", 11, 14);
        Line("They come twice a month, at new and full moon.", 11, 14);
        return builder.Build();
    }

    /// <summary>A PDF with a page and no text on it, as a scan without text recognition is.</summary>
    public static byte[] BlankPdf()
    {
        var builder = new PdfDocumentBuilder();
        builder.AddPage(595, 842);
        return builder.Build();
    }

    /// <summary>A DOCX: a title, Heading 1 and 2 paragraphs, body text, a bulleted list and a table.</summary>
    public static byte[] Docx()
    {
        using var stream = new MemoryStream();
        using (var word = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = word.AddMainDocumentPart();
            main.Document = new Document(new Body(
                Styled("Title", "Sourdough handbook"),
                Styled("Heading1", "Starter"),
                Plain("Mix flour and water in equal weights. Feed it daily."),
                Styled("Heading2", "Feeding"),
                Bullet("Discard half"),
                Bullet("Add fresh flour and water"),
                new Table(Row("Day", "Rise"), Row("1", "none"), Row("3", "doubled")),
                Plain("A lively starter doubles within six hours.")));
        }
        return stream.ToArray();
    }

    private static Paragraph Styled(string style, string text) =>
        new(new ParagraphProperties(new ParagraphStyleId { Val = style }), new Run(new WordText(text)));

    private static Paragraph Plain(string text) => new(new Run(new WordText(text)));

    private static Paragraph Bullet(string text) =>
        new(new ParagraphProperties(new NumberingProperties(new NumberingLevelReference { Val = 0 }, new NumberingId { Val = 1 })),
            new Run(new WordText(text)));

    private static TableRow Row(params string[] cells) =>
        new(cells.Select(c => new TableCell(new Paragraph(new Run(new WordText(c))))));

    /// <summary>A PDF whose trailer says it is encrypted with a password it does not open with.</summary>
    public static byte[] EncryptedPdf()
    {
        var text = System.Text.Encoding.Latin1.GetString(Pdf());
        int trailer = text.LastIndexOf("trailer", StringComparison.Ordinal);
        int open = text.IndexOf("<<", trailer, StringComparison.Ordinal);
        var encrypt = "/Encrypt << /Filter /Standard /V 1 /R 2 /O <" + new string('A', 64) + "> /U <" + new string('B', 64) + "> /P -4 >> ";
        text = text[..(open + 2)] + " " + encrypt + text[(open + 2)..];
        return System.Text.Encoding.Latin1.GetBytes(text);
    }

    /// <summary>The first bytes of an OLE compound file: what an encrypted DOCX (or a .doc) is.</summary>
    public static byte[] OleFile() => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, .. new byte[504]];
}
