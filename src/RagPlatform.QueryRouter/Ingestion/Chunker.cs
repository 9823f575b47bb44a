using RagPlatform.Text;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>A chunk: a contiguous range of the document text within one section, and its sentences.</summary>
public sealed record Chunk(int Index, int Start, int End, string SectionPath, IReadOnlyList<TextSpan> Sentences)
{
    public string TextOf(string documentText) => documentText[Start..End];
}

/// <summary>
/// Structure-aware chunking: sentences are packed into chunks of at most a word budget without
/// crossing a section, and each chunk repeats the last sentences of the one before it, so that
/// an answer spanning a chunk boundary is still found whole. A sentence longer than the budget is
/// cut at word boundaries.
/// </summary>
public static class Chunker
{
    public static List<Chunk> Split(ParsedDocument document, int maxWords, int overlapSentences)
    {
        var chunks = new List<Chunk>();
        foreach (var section in Sections(document.Blocks))
        {
            var sentences = section
                .SelectMany(b => SentenceSplitter.Split(document.Text.AsSpan(b.Start, b.End - b.Start))
                    .Select(s => new TextSpan(b.Start + s.Start, b.Start + s.End)))
                .SelectMany(s => CutLong(document.Text, s, maxWords))
                .ToList();
            Pack(document.Text, sentences, section[0].SectionPath, maxWords, overlapSentences, chunks);
        }
        return chunks;
    }

    /// <summary>The whole document as one chunk (for evaluations that embed documents whole).</summary>
    public static List<Chunk> Whole(ParsedDocument document)
    {
        int start = document.Blocks[0].Start, end = document.Blocks[^1].End;
        var sentences = document.Blocks
            .SelectMany(b => SentenceSplitter.Split(document.Text.AsSpan(b.Start, b.End - b.Start))
                .Select(s => new TextSpan(b.Start + s.Start - start, b.Start + s.End - start)))
            .ToList();
        return [new Chunk(0, start, end, document.Blocks[0].SectionPath, sentences)];
    }

    /// <summary>Runs of adjacent blocks under the same headings, in document order.</summary>
    private static IEnumerable<List<Block>> Sections(IReadOnlyList<Block> blocks)
    {
        var run = new List<Block>();
        foreach (var block in blocks)
        {
            if (run.Count > 0 && run[0].SectionPath != block.SectionPath)
            {
                yield return run;
                run = [];
            }
            run.Add(block);
        }
        if (run.Count > 0) yield return run;
    }

    private static void Pack(string text, List<TextSpan> sentences, string path, int maxWords, int overlap, List<Chunk> chunks)
    {
        int first = 0;
        while (first < sentences.Count)
        {
            int words = 0, last = first;
            while (last < sentences.Count)
            {
                int w = Words(text, sentences[last]);
                if (last > first && words + w > maxWords) break;
                words += w;
                last++;
            }
            var members = sentences.GetRange(first, last - first);
            int start = members[0].Start;
            chunks.Add(new Chunk(chunks.Count, start, members[^1].End, path,
                members.Select(s => new TextSpan(s.Start - start, s.End - start)).ToList()));
            if (last >= sentences.Count) break;
            first = Math.Max(first + 1, last - overlap);
        }
    }

    private static IEnumerable<TextSpan> CutLong(string text, TextSpan sentence, int maxWords)
    {
        if (Words(text, sentence) <= maxWords)
        {
            yield return sentence;
            yield break;
        }
        int start = sentence.Start, words = 0;
        bool inWord = false;
        for (int i = sentence.Start; i < sentence.End; i++)
        {
            bool space = char.IsWhiteSpace(text[i]);
            if (!space && !inWord && ++words > maxWords)
            {
                yield return new TextSpan(start, TrimEnd(text, start, i));
                start = i;
                words = 1;
            }
            inWord = !space;
        }
        yield return new TextSpan(start, sentence.End);
    }

    private static int TrimEnd(string text, int start, int end)
    {
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return end;
    }

    public static int Words(string text, TextSpan span)
    {
        int count = 0;
        bool inWord = false;
        for (int i = span.Start; i < span.End; i++)
        {
            bool space = char.IsWhiteSpace(text[i]);
            if (!space && !inWord) count++;
            inWord = !space;
        }
        return count;
    }
}
