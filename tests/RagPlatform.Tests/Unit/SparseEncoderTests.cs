using RagPlatform.Embedding.Sparse;
using RagPlatform.Text;

namespace RagPlatform.Tests.Unit;

public sealed class SparseEncoderTests
{
    [Fact]
    public void Query_values_are_term_counts_with_ascending_ids()
    {
        var query = SparseEncoder.EncodeQuery("tide tides moon");
        Assert.Equal(query.Indices.Order().ToArray(), query.Indices);
        Assert.Equal(2f, query.Values[Array.IndexOf(query.Indices, TermIds.Of("tide"))]);
        Assert.Equal(1f, query.Values[Array.IndexOf(query.Indices, TermIds.Of("moon"))]);
        Assert.Equal(3, query.Length);
    }

    [Fact]
    public void Document_values_are_bm25_saturated_and_length_normalised()
    {
        // tf = 2, length 4, average 8, k1 1.2, b 0.75: 2 × 2.2 / (2 + 1.2 × (0.25 + 0.75 × 0.5)) = 4.4 / 2.75
        var document = SparseEncoder.EncodeDocument("moon moon sun earth", averageLength: 8, k1: 1.2f, b: 0.75f);
        float moon = document.Values[Array.IndexOf(document.Indices, TermIds.Of("moon"))];
        Assert.Equal(1.6f, moon, 4);
        // A term repeated far more often saturates below k1 + 1.
        var flood = SparseEncoder.EncodeDocument(string.Join(' ', Enumerable.Repeat("moon", 500)), 500, 1.2f, 0.75f);
        Assert.InRange(flood.Values.Single(), 2.19f, 2.2f);
    }
}
