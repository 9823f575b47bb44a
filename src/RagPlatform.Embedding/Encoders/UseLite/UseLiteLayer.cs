namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// One transformer layer's weights: layer norm, attention (query, key and value from one
/// projection; the query scaled before the dot products), layer norm, ReLU feed-forward.
/// </summary>
public sealed record UseLiteLayer(
    int Width,
    int Heads,
    float QueryScale,
    float[] AttentionNormScale,
    float[] AttentionNormBias,
    PackedMatrix QueryKeyValue,
    PackedMatrix AttentionOutput,
    float[] FeedForwardNormScale,
    float[] FeedForwardNormBias,
    PackedMatrix FeedForwardInner,
    PackedMatrix FeedForwardOuter)
{
    public int HeadWidth => Width / Heads;
    /// <summary>Layer 0 widens 256 → 512: its attention output and its residual both come out at 512.</summary>
    public int OutputWidth => AttentionOutput.Columns;

    internal static UseLiteLayer From(IReadOnlyDictionary<string, UseLiteTensor> tensors, int layer, int heads)
    {
        UseLiteTensor Get(string part) => tensors[UseLiteTensorNames.Layer(layer, part)];
        PackedMatrix Pack(string kernel, string bias)
        {
            var (rows, columns) = Get(kernel).AsMatrix();
            return PackedMatrix.Pack(Get(kernel).Data, rows, columns, Get(bias).Data);
        }
        var qkv = Pack("attention.qkv.kernel", "attention.qkv.bias");
        return new UseLiteLayer(
            Width: qkv.Rows,
            Heads: heads,
            QueryScale: Get("attention.query_scale").Scalar,
            AttentionNormScale: Get("attention.norm.scale").Data,
            AttentionNormBias: Get("attention.norm.bias").Data,
            QueryKeyValue: qkv,
            AttentionOutput: Pack("attention.output.kernel", "attention.output.bias"),
            FeedForwardNormScale: Get("ffn.norm.scale").Data,
            FeedForwardNormBias: Get("ffn.norm.bias").Data,
            FeedForwardInner: Pack("ffn.inner.kernel", "ffn.inner.bias"),
            FeedForwardOuter: Pack("ffn.outer.kernel", "ffn.outer.bias"));
    }
}
