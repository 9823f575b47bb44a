using System.Text;
using ICU4N.Text;

namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// Prepares text as the package's JS tokenizer does before its Viterbi search: NFKC, then every
/// U+0020 becomes the SentencePiece word mark ▁, with one more ▁ in front of any non-empty text.
/// Other whitespace (tabs, newlines) is left alone, as there.
/// </summary>
public static class UseLiteTextPreparer
{
    public const char WordMark = '\u2581';

    // The runtime's string.Normalize does nothing for non-ASCII text in invariant globalization
    // mode, which this platform runs in; ICU4N carries its own Unicode data.
    private static readonly Normalizer2 Nfkc = Normalizer2.NFKCInstance;

    public static string Prepare(string text)
    {
        // ASCII is already NFKC; most texts take this path.
        string normalized = Ascii.IsValid(text) ? text : Nfkc.Normalize(text);
        if (normalized.Length == 0) return normalized;
        return string.Create(normalized.Length + 1, normalized, static (span, source) =>
        {
            span[0] = WordMark;
            for (int i = 0; i < source.Length; i++)
                span[i + 1] = source[i] == ' ' ? WordMark : source[i];
        });
    }
}
