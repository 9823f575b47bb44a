namespace RagPlatform.Text;

/// <summary>A character range [Start, End) of a text.</summary>
public readonly record struct TextSpan(int Start, int End)
{
    public int Length => End - Start;
}

/// <summary>
/// Splits prose into sentences: at '.', '!' or '?' followed by white space and an upper-case letter,
/// digit or quote, and at blank lines, but not after common abbreviations or single initials.
/// </summary>
public static class SentenceSplitter
{
    public static List<TextSpan> Split(ReadOnlySpan<char> text)
    {
        var spans = new List<TextSpan>();
        int start = SkipSpace(text, 0);
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            bool paragraphBreak = c == '\n' && i + 1 < text.Length && NextNonSpaceIsNewline(text, i + 1);
            bool terminal = (c == '.' || c == '!' || c == '?') && EndsSentence(text, start, i);
            if (!paragraphBreak && !terminal)
                continue;
            int end = i + 1;
            while (end < text.Length && (text[end] == '"' || text[end] == '\'' || text[end] == ')')) end++;
            Add(spans, text, start, end);
            start = SkipSpace(text, end);
            i = start - 1;
        }
        Add(spans, text, start, text.Length);
        return spans;
    }

    private static bool EndsSentence(ReadOnlySpan<char> text, int sentenceStart, int dot)
    {
        int next = dot + 1;
        while (next < text.Length && (text[next] == '"' || text[next] == '\'' || text[next] == ')')) next++;
        if (next >= text.Length) return true;
        if (!char.IsWhiteSpace(text[next])) return false;
        int after = SkipSpace(text, next);
        if (after >= text.Length) return true;
        char first = text[after];
        if (!(char.IsUpper(first) || char.IsDigit(first) || first == '"' || first == '(' || first == '['))
            return false;
        if (text[dot] != '.') return true;
        // An abbreviation or an initial ("Dr.", "e.g.", "J.") does not end a sentence.
        int wordStart = dot;
        while (wordStart > sentenceStart && char.IsLetter(text[wordStart - 1])) wordStart--;
        var word = text[wordStart..dot];
        if (word.Length == 1 && char.IsUpper(word[0])) return false;
        foreach (var abbreviation in Abbreviations)
            if (word.Equals(abbreviation, StringComparison.OrdinalIgnoreCase)) return false;
        return true;
    }

    private static readonly string[] Abbreviations = ["dr", "mr", "mrs", "ms", "prof", "st", "vs", "etc", "al", "fig", "no", "eg", "ie", "e.g", "i.e", "approx", "inc", "ltd", "co"];

    private static bool NextNonSpaceIsNewline(ReadOnlySpan<char> text, int from)
    {
        for (int i = from; i < text.Length; i++)
        {
            if (text[i] == '\n') return true;
            if (!char.IsWhiteSpace(text[i])) return false;
        }
        return false;
    }

    private static int SkipSpace(ReadOnlySpan<char> text, int from)
    {
        while (from < text.Length && char.IsWhiteSpace(text[from])) from++;
        return from;
    }

    private static void Add(List<TextSpan> spans, ReadOnlySpan<char> text, int start, int end)
    {
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        if (end > start) spans.Add(new TextSpan(start, end));
    }
}
