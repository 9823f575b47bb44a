using System.Text;
using RagPlatform.QueryRouter.Ingestion.Parsing;
using RagPlatform.ServiceDefaults.Errors;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>
/// Turns a document's bytes into text and blocks, by content type: plain text and Markdown are
/// their own text; HTML, PDF and DOCX are reduced to an extracted text that block ranges index.
/// A file that cannot be read fails alone, as INVALID_ARGUMENT on `content` saying why.
/// </summary>
public static class DocumentParser
{
    public const string PlainText = "text/plain";
    public const string Markdown = "text/markdown";
    public const string Html = "text/html";
    public const string Pdf = "application/pdf";
    public const string Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    public static readonly IReadOnlyList<string> Supported = [PlainText, Markdown, Html, Pdf, Docx];

    /// <summary>The MIME type without parameters when given, else guessed from the file name's extension.</summary>
    public static string ResolveContentType(string contentType, string fileName)
    {
        if (!string.IsNullOrWhiteSpace(contentType))
            return contentType.Split(';')[0].Trim().ToLowerInvariant() switch
            {
                "text/x-markdown" => Markdown,
                "application/xhtml+xml" => Html,
                var type => type,
            };
        return ContentTypeOf(fileName) ?? PlainText;
    }

    /// <summary>The content type a file name's extension stands for; null when it is not one the router reads.</summary>
    public static string? ContentTypeOf(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".txt" or ".text" => PlainText,
        ".md" or ".markdown" => Markdown,
        ".html" or ".htm" or ".xhtml" => Html,
        ".pdf" => Pdf,
        ".docx" => Docx,
        _ => null,
    };

    public static ParsedDocument Parse(ReadOnlySpan<byte> content, string contentType, string title)
    {
        var document = contentType switch
        {
            PlainText => TextDocumentParser.PlainText(Decode(content), title),
            Markdown => TextDocumentParser.Markdown(Decode(content), title),
            Html => Read("HTML", content.ToArray(), bytes => HtmlDocumentParser.Parse(bytes, title)),
            Pdf => Read("PDF", content.ToArray(), bytes => PdfDocumentParser.Parse(bytes, title)),
            Docx => content.StartsWith(OleSignature)
                ? throw new InvalidArgumentException("content", "is an encrypted or legacy (.doc) Office file, not a DOCX package; send it decrypted, as .docx")
                : Read("DOCX", content.ToArray(), bytes => DocxDocumentParser.Parse(new MemoryStream(bytes, writable: false), title)),
            _ => throw new InvalidArgumentException("content_type", $"'{contentType}' is not supported; send one of {string.Join(", ", Supported)}"),
        };
        if (!document.Prose.Any())
            throw new InvalidArgumentException("content", contentType == Pdf
                ? "holds no extractable text (a scanned PDF needs text recognition first)"
                : "holds no text");
        return document;
    }

    private static string Decode(ReadOnlySpan<byte> content)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidArgumentException("content", "is not valid UTF-8 text");
        }
        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
    }

    /// <summary>
    /// Runs a binary format's reader. Its failures on a damaged or hostile file are the file's fault,
    /// so they become the document's INVALID_ARGUMENT rather than an internal error.
    /// </summary>
    private static ParsedDocument Read(string format, byte[] content, Func<byte[], ParsedDocument> read)
    {
        try
        {
            return read(content);
        }
        catch (UglyToad.PdfPig.Exceptions.PdfDocumentEncryptedException)
        {
            throw new InvalidArgumentException("content", "is an encrypted PDF; send it decrypted");
        }
        catch (Exception error) when (error is not (OperationCanceledException or PlatformException or OutOfMemoryException))
        {
            throw new InvalidArgumentException("content", $"is not a readable {format} file ({error.GetType().Name}: {FirstLine(error.Message)})");
        }
    }

    /// <summary>Encrypted Office documents (and legacy .doc) are OLE compound files, not the zip package a DOCX is.</summary>
    private static ReadOnlySpan<byte> OleSignature => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    private static string FirstLine(string message)
    {
        var line = message.Split('\n')[0].Trim();
        return line.Length <= 200 ? line : line[..200];
    }
}
