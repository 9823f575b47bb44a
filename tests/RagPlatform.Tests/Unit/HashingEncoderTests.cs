using System.Numerics.Tensors;
using RagPlatform.Embedding.Encoders;

namespace RagPlatform.Tests.Unit;

public sealed class HashingEncoderTests
{
    private readonly HashingEncoder encoder = new();

    private float[] Encode(string text) => encoder.Encode([text], isQuery: false)[0].Vector;

    [Fact]
    public void Vectors_are_unit_length_and_deterministic()
    {
        var vector = Encode("the gravitational pull of the Moon");
        Assert.Equal(encoder.Dimension, vector.Length);
        Assert.Equal(1f, TensorPrimitives.Norm(vector), 4);
        Assert.Equal(vector, Encode("the gravitational pull of the Moon"));
    }

    [Fact]
    public void Texts_sharing_words_are_closer_than_unrelated_ones()
    {
        var query = Encode("what causes tides");
        float related = TensorPrimitives.CosineSimilarity(query, Encode("tides are caused by the moon"));
        float unrelated = TensorPrimitives.CosineSimilarity(query, Encode("honeybees dance to share food"));
        Assert.True(related > unrelated + 0.2f, $"related {related}, unrelated {unrelated}");
    }

    [Fact]
    public void Reports_token_count_and_truncation()
    {
        var longText = string.Join(' ', Enumerable.Range(0, encoder.MaxTokens + 10).Select(i => $"word{i}"));
        var result = encoder.Encode([longText, "short text"], isQuery: true);
        Assert.True(result[0].Truncated);
        Assert.Equal(encoder.MaxTokens + 10, result[0].TokenCount);
        Assert.False(result[1].Truncated);
        Assert.Equal(2, result[1].TokenCount);
    }
}
