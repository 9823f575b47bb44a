using RagPlatform.Embedding.Encoders.UseLite;

namespace RagPlatform.Tests.Unit;

public sealed class PackedMatrixTests
{
    [Theory]
    [InlineData(1, 8, 64)]
    [InlineData(5, 33, 96)]
    [InlineData(7, 256, 64)]
    [InlineData(130, 64, 128)] // past one block of rows, and big enough to run on several threads
    public void Multiplies_like_the_textbook_product(int m, int k, int n)
    {
        var random = new Random(m * 1000 + k);
        float[] Fill(int count) => Enumerable.Range(0, count).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] a = Fill(m * k), b = Fill(k * n), bias = Fill(n);
        var packed = PackedMatrix.Pack(b, k, n, bias);
        var output = new float[m * n];
        packed.Multiply(a, m, output);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double expected = bias[j];
                for (int p = 0; p < k; p++) expected += (double)a[i * k + p] * b[p * n + j];
                Assert.Equal(expected, output[i * n + j], tolerance: 1e-5);
            }
    }

    [Fact]
    public void Refuses_widths_that_are_not_whole_panels() =>
        Assert.Throws<ArgumentException>(() => PackedMatrix.Pack(new float[4 * 24], 4, 24, new float[24]));
}
