using RagPlatform.Embedding.Encoders.UseLite;

namespace RagPlatform.Tests.Unit;

/// <summary>The tokenizer's rules on a small made-up vocabulary (the real one is checked against the JS).</summary>
public sealed class UnigramTokenizerTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"vocab-{Guid.NewGuid():N}.json");

    private UnigramTokenizer Tokenizer(string json)
    {
        File.WriteAllText(path, json);
        return new UnigramTokenizer(SentencePieceVocabulary.Load(path));
    }

    private const string Reserved = "[\"\\uFFFD\",0],[\"<s>\",0],[\"</s>\",0],[\"x1\",0],[\"x2\",0],[\"x3\",0]";

    [Fact]
    public void Spaces_become_word_marks_and_the_best_path_wins()
    {
        // ids 6.. : ▁ab, ▁a, b, ▁, a
        var tokenizer = Tokenizer($"[{Reserved},[\"▁ab\",-1],[\"▁a\",-3],[\"b\",-3],[\"▁\",-2],[\"a\",-2]]");
        Assert.Equal([6], tokenizer.Encode("ab"));
        Assert.Equal([6, 6], tokenizer.Encode("ab ab"));
        Assert.Equal([9, 6], tokenizer.Encode(" ab"));
        Assert.Empty(tokenizer.Encode(""));
    }

    [Fact]
    public void Ties_go_to_the_later_candidate()
    {
        // ▁ab scores the same as ▁a + b: the shorter last piece (which starts later) is kept.
        var tokenizer = Tokenizer($"[{Reserved},[\"▁ab\",-4],[\"▁a\",-2],[\"b\",-2],[\"▁\",-10],[\"a\",-10]]");
        Assert.Equal([7, 8], tokenizer.Encode("ab"));
    }

    [Fact]
    public void A_position_no_piece_ends_at_scores_zero_as_in_the_JS()
    {
        // Nothing ends after "▁" alone, so an unknown piece from there scores 0 and wins.
        var tokenizer = Tokenizer($"[{Reserved},[\"▁ab\",-4],[\"▁a\",-2],[\"b\",-2]]");
        Assert.Equal([0, 8], tokenizer.Encode("ab"));
    }

    [Fact]
    public void Unknown_characters_collapse_into_one_unknown_piece()
    {
        var tokenizer = Tokenizer($"[{Reserved},[\"▁\",-1],[\"a\",-1]]");
        Assert.Equal([6, 0, 7, 0], tokenizer.Encode("你好a😀🙂"));
    }

    [Fact]
    public void A_null_score_counts_as_zero_and_a_repeated_piece_keeps_its_last_id()
    {
        var tokenizer = Tokenizer($"[{Reserved},[\"▁\",-1],[\":\",null],[\"a\",-1],[\"a\",-5],[\":a\",-6]]");
        Assert.Equal([6, 7, 9], tokenizer.Encode(":a"));
    }

    [Fact]
    public void Compatibility_forms_are_normalised_first()
    {
        var tokenizer = Tokenizer($"[{Reserved},[\"▁fi\",-1],[\"▁\",-1],[\"f\",-3],[\"i\",-3],[\"1\",-1]]");
        Assert.Equal([6], tokenizer.Encode("ﬁ"));
        Assert.Equal([7, 10], tokenizer.Encode("①"));
    }

    public void Dispose() => File.Delete(path);
}
