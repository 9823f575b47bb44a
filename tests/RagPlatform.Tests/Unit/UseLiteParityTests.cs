using System.Numerics.Tensors;
using System.Text.Json;
using RagPlatform.Tests.Infrastructure;

namespace RagPlatform.Tests.Unit;

/// <summary>
/// The C# encoder against the package's own JS runtime (Fixtures/use-lite-reference.json, made by
/// tools/parity/make-use-lite-reference.mjs): the same piece ids and nearly the same vector for
/// every sentence, alone and in one big batch.
/// </summary>
public sealed class UseLiteParityTests(UseLiteWeights weights) : IClassFixture<UseLiteWeights>
{
    private const double MinimumCosine = 0.999;

    private sealed record Case(string Text, int[] Ids, float[] Vector);

    private static readonly Lazy<IReadOnlyList<Case>> Cases = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "use-lite-reference.json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new Case(
                c.GetProperty("text").GetString()!,
                c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray(),
                c.GetProperty("vector").EnumerateArray().Select(v => v.GetSingle()).ToArray()))
            .ToList();
    });

    [Fact]
    public void The_reference_covers_enough_kinds_of_text()
    {
        var cases = Cases.Value;
        Assert.True(cases.Count >= 200, $"{cases.Count} cases");
        Assert.Contains(cases, c => c.Text.Length == 0);
        Assert.Contains(cases, c => c.Ids.Length > weights.Encoder.MaxTokens);
        Assert.Contains(cases, c => c.Ids.Contains(0));
    }

    [Fact]
    public void Piece_ids_match_the_JS_tokenizer_for_every_sentence()
    {
        var mismatches = Cases.Value
            .Select(c => (c.Text, Expected: c.Ids, Actual: weights.Encoder.Tokenize(c.Text).ToArray()))
            .Where(m => !m.Expected.SequenceEqual(m.Actual))
            .Select(m => $"{JsonSerializer.Serialize(m.Text)}: expected [{string.Join(",", m.Expected)}], got [{string.Join(",", m.Actual)}]")
            .ToList();
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {Cases.Value.Count} differ:\n{string.Join("\n", mismatches.Take(20))}");
    }

    [Fact]
    public void Vectors_match_the_JS_runtime_one_text_at_a_time()
    {
        var cases = Cases.Value;
        var results = cases.Select(c => weights.Encoder.Encode([c.Text], isQuery: false)[0]).ToList();
        AssertClose(cases, results.Select(r => r.Vector).ToList());
        for (int i = 0; i < cases.Count; i++)
        {
            Assert.Equal(cases[i].Ids.Length, results[i].TokenCount);
            Assert.Equal(cases[i].Ids.Length > weights.Encoder.MaxTokens, results[i].Truncated);
        }
    }

    [Fact]
    public void Vectors_match_the_JS_runtime_in_one_batch()
    {
        var cases = Cases.Value;
        var results = weights.Encoder.Encode(cases.Select(c => c.Text).ToList(), isQuery: false);
        AssertClose(cases, results.Select(r => r.Vector).ToList());
    }

    [Fact]
    public void A_batch_split_across_threads_gives_each_text_exactly_its_own_vector()
    {
        // Long enough to be split into one pass per core; every text's vector must be the one it gets alone, in its place.
        var texts = Cases.Value.Select(c => c.Text).ToList();
        var batched = weights.Encoder.Encode(texts, isQuery: false);
        for (int i = 0; i < texts.Count; i++)
        {
            var alone = weights.Encoder.Encode([texts[i]], isQuery: false)[0];
            Assert.True(alone.Vector.AsSpan().SequenceEqual(batched[i].Vector), $"text {i} differs in a batch");
            Assert.Equal(alone.TokenCount, batched[i].TokenCount);
        }
    }

    private static void AssertClose(IReadOnlyList<Case> cases, IReadOnlyList<float[]> vectors)
    {
        Assert.Equal(cases.Count, vectors.Count);
        var cosines = cases.Select((c, i) => (c.Text, Cosine: (double)TensorPrimitives.CosineSimilarity(c.Vector, vectors[i]))).ToList();
        var far = cosines.Where(c => !(c.Cosine >= MinimumCosine))
            .Select(c => $"{JsonSerializer.Serialize(c.Text)}: cosine {c.Cosine:F6}").ToList();
        Assert.True(far.Count == 0,
            $"{far.Count} of {cases.Count} below {MinimumCosine} (lowest {cosines.Min(c => c.Cosine):F6}):\n{string.Join("\n", far.Take(20))}");
        Assert.All(vectors, v => Assert.Equal(1f, TensorPrimitives.Norm(v), 4));
    }
}
