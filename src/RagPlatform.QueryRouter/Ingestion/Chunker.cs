using RagPlatform.Text;

namespace RagPlatform.QueryRouter.Ingestion;

/// <summary>A chunk: a contiguous range of the document text within one section, and its sentences.</summary>
public sealed record Chunk(int Index, int Start, int End, string SectionPath, IReadOnlyList<TextSpan> Sentences)
{
    public string TextOf(string documentText) => documentText[Start..End];
}

/// <summary>Bounds on a chunk: the model's tokens, a word cap, and sentences repeated between neighbours.</summary>
public sealed record ChunkBudget(int MaxTokens, int MaxWords, int OverlapSentences);

/// <summary>
/// Structure-aware chunking bounded by the embedding model's own tokens: a section (the blocks under
/// one heading path) is split into sentences, sentences longer than the budget are cut at words,
/// and the sentences are packed into chunks that never cross a section, break at a paragraph when
/// the next paragraph would not fit, and repeat the last sentences of the chunk before (within a
/// quarter of the budget). Token counts
/// come from the model's tokenizer, sentences first (to pack) and then every chunk (to verify, since
/// joined text may count a little differently from its parts); a section whose chunk overflows is
/// packed again under a tighter budget, so every chunk is embedded whole.
/// </summary>
public static class Chunker
{
    /// <summary>Longest unit sent for counting: far above any model's input, far below request limits.</summary>
    private const int MaxUnitCharacters = 4096;
    private const int MaxRefinements = 32;
    /// <summary>Repeated sentences take at most a quarter of a chunk: with a small model input, one long sentence would otherwise be half of every chunk.</summary>
    private const int MaxOverlapShare = 4;

    private sealed record Unit(TextSpan Span, int Paragraph, int Words)
    {
        public int Tokens { get; set; }
    }

    public static async Task<List<Chunk>> SplitAsync(ParsedDocument document, ChunkBudget budget, ITokenCounter counter,
        CancellationToken cancellationToken)
    {
        var text = document.Text;
        int maxTokens = Math.Min(budget.MaxTokens, counter.MaxTokens);
        var blocks = Sections(document);
        var paths = blocks.Select(s => s[0].SectionPath).ToList();
        var sections = blocks.Select(section => Units(text, section, budget.MaxWords)).ToList();
        var units = sections.SelectMany(s => s).ToList();
        await CountAsync(text, units, counter, cancellationToken);
        for (int round = 0; units.Any(u => u.Tokens > maxTokens); round++)
        {
            // A sentence over the model's limit is cut into pieces of proportionally fewer words.
            for (int s = 0; s < sections.Count; s++)
                sections[s] = [.. sections[s].SelectMany(u => u.Tokens <= maxTokens ? [u] : CutByTokens(text, u, maxTokens, round))];
            var fresh = sections.SelectMany(s => s).Where(u => u.Tokens == 0).ToList();
            await CountAsync(text, fresh, counter, cancellationToken);
            units = sections.SelectMany(s => s).ToList();
        }

        var budgets = sections.Select(_ => maxTokens).ToArray();
        var packed = sections.Select((s, i) => Pack(s, budgets[i], budget.MaxWords, budget.OverlapSentences)).ToArray();
        var unverified = Enumerable.Range(0, sections.Count).ToList();
        for (int round = 0; unverified.Count > 0; round++)
        {
            var pending = unverified.SelectMany(s => packed[s].Where(r => r.Count > 1).Select(r => (Section: s, Range: r))).ToList();
            if (pending.Count == 0) break;
            var counts = await counter.CountAsync([.. pending.Select(p => Slice(text, sections[p.Section], p.Range))], cancellationToken);
            var overflowing = new Dictionary<int, int>();
            for (int i = 0; i < pending.Count; i++)
                if (counts[i] > maxTokens)
                    overflowing[pending[i].Section] = Math.Max(overflowing.GetValueOrDefault(pending[i].Section), counts[i] - maxTokens);
            foreach (var (s, over) in overflowing)
            {
                // Packing estimated from parts; the whole came out longer: pack again, that much tighter.
                budgets[s] = round < MaxRefinements ? Math.Max(1, budgets[s] - over) : 1;
                packed[s] = Pack(sections[s], budgets[s], budget.MaxWords, budget.OverlapSentences);
            }
            unverified = [.. overflowing.Keys];
        }

        var chunks = new List<Chunk>();
        for (int s = 0; s < sections.Count; s++)
            foreach (var range in packed[s])
            {
                var members = sections[s].GetRange(range.Start, range.Count);
                int start = members[0].Span.Start;
                chunks.Add(new Chunk(chunks.Count, start, members[^1].Span.End, paths[s],
                    [.. members.Select(m => new TextSpan(m.Span.Start - start, m.Span.End - start))]));
            }
        return chunks;
    }

    /// <summary>The whole document as one chunk (for evaluations that embed documents whole).</summary>
    public static List<Chunk> Whole(ParsedDocument document)
    {
        var prose = document.Prose.ToList();
        int start = prose[0].Start, end = prose[^1].End;
        var sentences = prose
            .SelectMany(b => SentenceSplitter.Split(document.Text.AsSpan(b.Start, b.End - b.Start))
                .Select(s => new TextSpan(b.Start + s.Start - start, b.Start + s.End - start)))
            .ToList();
        return [new Chunk(0, start, end, prose[0].SectionPath, sentences)];
    }

    /// <summary>Runs of adjacent prose blocks under the same headings, in document order.</summary>
    private static List<List<Block>> Sections(ParsedDocument document)
    {
        var sections = new List<List<Block>>();
        foreach (var block in document.Prose)
        {
            if (sections.Count == 0 || sections[^1][0].SectionPath != block.SectionPath) sections.Add([]);
            sections[^1].Add(block);
        }
        return sections;
    }

    /// <summary>A section's sentences, each under the word cap and the counting limit.</summary>
    private static List<Unit> Units(string text, List<Block> section, int maxWords)
    {
        var units = new List<Unit>();
        for (int p = 0; p < section.Count; p++)
        {
            var block = section[p];
            foreach (var s in SentenceSplitter.Split(text.AsSpan(block.Start, block.End - block.Start)))
                foreach (var piece in CutAtWords(text, new TextSpan(block.Start + s.Start, block.Start + s.End), maxWords, MaxUnitCharacters))
                    units.Add(new Unit(piece, p, Words(text, piece)));
        }
        return units;
    }

    private static async Task CountAsync(string text, List<Unit> units, ITokenCounter counter, CancellationToken cancellationToken)
    {
        if (units.Count == 0) return;
        var counts = await counter.CountAsync([.. units.Select(u => text[u.Span.Start..u.Span.End])], cancellationToken);
        for (int i = 0; i < units.Count; i++) units[i].Tokens = Math.Max(1, counts[i]);
    }

    /// <summary>A unit over the token limit, cut into as many word runs as its tokens need (more each round).</summary>
    private static IEnumerable<Unit> CutByTokens(string text, Unit unit, int maxTokens, int round)
    {
        int pieces = (int)Math.Ceiling(unit.Tokens * (1.0 + 0.25 * round) / maxTokens);
        int words = Math.Max(1, (int)Math.Ceiling((double)unit.Words / pieces));
        int characters = Math.Max(1, unit.Span.Length / pieces);
        return CutAtWords(text, unit.Span, words, unit.Words <= 1 ? characters : MaxUnitCharacters)
            .Select(span => new Unit(span, unit.Paragraph, Words(text, span)));
    }

    /// <summary>Greedy packing of units into ranges within the budgets, preferring paragraph breaks.</summary>
    private static List<(int Start, int Count)> Pack(List<Unit> units, int maxTokens, int maxWords, int overlap)
    {
        var ranges = new List<(int Start, int Count)>();
        int first = 0;
        while (first < units.Count)
        {
            int tokens = 0, words = 0, last = first;
            while (last < units.Count)
            {
                var unit = units[last];
                if (last > first && (tokens + unit.Tokens > maxTokens || words + unit.Words > maxWords)) break;
                // A paragraph that starts here and would not fit whole starts the next chunk instead,
                // once this one is at least half full.
                if (last > first && unit.Paragraph != units[last - 1].Paragraph && tokens * 2 >= maxTokens
                    && tokens + ParagraphTokens(units, last) > maxTokens)
                    break;
                tokens += unit.Tokens;
                words += unit.Words;
                last++;
            }
            ranges.Add((first, last - first));
            if (last >= units.Count) break;
            first = Math.Max(first + 1, last - Overlap(units, last, overlap, maxTokens / MaxOverlapShare));
        }
        return ranges;
    }

    /// <summary>How many of the sentences before <paramref name="end"/> to repeat: up to the configured number, within the token share.</summary>
    private static int Overlap(List<Unit> units, int end, int sentences, int maxTokens)
    {
        int count = 0, tokens = 0;
        while (count < sentences && end - count - 1 >= 0)
        {
            int next = units[end - count - 1].Tokens;
            if (tokens + next > maxTokens) break;
            tokens += next;
            count++;
        }
        return count;
    }

    private static int ParagraphTokens(List<Unit> units, int from)
    {
        int tokens = 0;
        for (int i = from; i < units.Count && units[i].Paragraph == units[from].Paragraph; i++) tokens += units[i].Tokens;
        return tokens;
    }

    private static string Slice(string text, List<Unit> units, (int Start, int Count) range) =>
        text[units[range.Start].Span.Start..units[range.Start + range.Count - 1].Span.End];

    /// <summary>A span cut into runs of at most <paramref name="maxWords"/> words and <paramref name="maxCharacters"/> characters.</summary>
    private static IEnumerable<TextSpan> CutAtWords(string text, TextSpan span, int maxWords, int maxCharacters)
    {
        int start = span.Start, words = 0;
        bool inWord = false;
        for (int i = span.Start; i < span.End; i++)
        {
            bool space = char.IsWhiteSpace(text[i]);
            bool newWord = !space && !inWord;
            if (newWord && ++words > maxWords && i > start)
            {
                yield return new TextSpan(start, TrimEnd(text, start, i));
                start = i;
                words = 1;
            }
            else if (!space && i - start >= maxCharacters && !char.IsLowSurrogate(text[i]))
            {
                // One word longer than the limit (a URL, a blob): cut inside it.
                yield return new TextSpan(start, i);
                start = i;
                words = 1;
            }
            inWord = !space;
        }
        if (span.End > start) yield return new TextSpan(start, span.End);
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
