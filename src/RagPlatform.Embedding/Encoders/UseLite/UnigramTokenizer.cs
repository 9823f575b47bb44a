namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// SentencePiece unigram segmentation as the package's own JS tokenizer does it, so that both give
/// the same piece ids: the best-scoring path through every piece that matches (Viterbi), where a
/// position no piece starts at becomes the unknown piece 0, later candidates win ties, and runs of
/// unknown pieces collapse into one.
/// </summary>
public sealed class UnigramTokenizer
{
    public const int UnknownId = 0;
    /// <summary>&lt;unk&gt;, &lt;s&gt;, &lt;/s&gt; and three extra ids: never matched against text.</summary>
    public const int ReservedPieces = 6;

    private readonly PieceTrie trie = new();
    private readonly int[] pieceLengths;

    public UnigramTokenizer(SentencePieceVocabulary vocabulary)
    {
        pieceLengths = new int[vocabulary.Count];
        for (int id = 0; id < vocabulary.Count; id++)
        {
            // The JS walks back by each piece's length in UTF-16 units.
            pieceLengths[id] = vocabulary.Pieces[id].Length;
            if (id >= ReservedPieces)
                trie.Insert(Symbols(vocabulary.Pieces[id]), id, vocabulary.Scores[id]);
        }
    }

    /// <summary>The piece ids of a text, all of them (the model reads the first 128).</summary>
    public int[] Encode(string text)
    {
        int[] symbols = Symbols(UseLiteTextPreparer.Prepare(text));
        int n = symbols.Length;
        if (n == 0) return [];

        var best = new double[n + 1];
        var words = new int[n + 1];
        // Every candidate ending at a position is seen in order of its start, as in the JS lattice,
        // and best[start] is final by the time candidates from start are scored.
        for (int start = 0; start < n; start++)
        {
            bool matched = false;
            int node = PieceTrie.Root;
            for (int end = start; end < n; end++)
            {
                node = trie.Step(node, symbols[end]);
                if (node < 0) break;
                int id = trie.PieceAt(node);
                if (id < 0) continue;
                matched = true;
                Relax(best, words, start, end + 1, id, trie.ScoreAt(node));
            }
            if (!matched)
                Relax(best, words, start, start + 1, UnknownId, 0);
        }

        var reversed = new List<int>();
        for (int position = n; position > 0; position -= pieceLengths[words[position]])
            reversed.Add(words[position]);

        var ids = new List<int>(reversed.Count);
        bool previousUnknown = false;
        foreach (int id in reversed)
        {
            if (!(previousUnknown && id == UnknownId)) ids.Add(id);
            previousUnknown = id == UnknownId;
        }
        ids.Reverse();
        return [.. ids];
    }

    private static void Relax(double[] best, int[] words, int start, int end, int id, double score)
    {
        double total = score + best[start];
        // An unset position holds 0, so its first candidate always lands, whatever its score.
        if (best[end] == 0 || total >= best[end])
        {
            best[end] = total;
            words[end] = id;
        }
    }

    /// <summary>The text's code points; a lone surrogate stands for itself, as JS iteration has it.</summary>
    private static int[] Symbols(string text)
    {
        var symbols = new int[text.Length];
        int count = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                symbols[count++] = char.ConvertToUtf32(c, text[i + 1]);
                i++;
            }
            else symbols[count++] = c;
        }
        return symbols.AsSpan(0, count).ToArray();
    }
}
