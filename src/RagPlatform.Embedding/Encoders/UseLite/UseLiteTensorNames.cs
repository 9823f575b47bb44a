namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// The tensors the forward pass reads, by the short names the compact weight file uses, and the
/// names they carry in the package's TF.js graph (model.json).
/// </summary>
internal static class UseLiteTensorNames
{
    private const string Apply = "module_apply_default/Encoder_en/KonaTransformer/";
    private const string Variables = "module/Encoder_en/KonaTransformer/";

    public const string Embeddings = "embeddings";
    public const string InverseTimescales = "timing.inverse_timescales";
    public const string MaxLength = "max_length";
    public const string LayerNormEpsilon = "layer_norm.epsilon";
    public const string ResidualKernel = "layer0.residual.kernel";
    public const string ResidualBias = "layer0.residual.bias";
    public const string TanhKernel = "tanh.kernel";
    public const string TanhBias = "tanh.bias";
    public const string NormalizeEpsilon = "l2.epsilon";

    public static string Layer(int layer, string part) => $"layer{layer}.{part}";

    /// <summary>Short name → graph name, in the order the compact file stores them.</summary>
    public static IReadOnlyList<(string Name, string GraphName)> All { get; } = Build();

    private static List<(string, string)> Build()
    {
        var all = new List<(string, string)>
        {
            (Embeddings, "module/Embeddings_en"),
            (InverseTimescales, Apply + "Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1"),
            (MaxLength, Apply + "ClipToMaxLength/Less/y"),
            (LayerNormEpsilon, Apply + "Encode/TransformerStack/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x"),
            (ResidualKernel, Apply + "Encode/Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat"),
            (ResidualBias, Apply + "Encode/Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat"),
        };
        for (int layer = 0; layer < 2; layer++)
        {
            string encode = $"Encode/Layer_{layer}/TransformerLayer/";
            string stack = $"Encode/TransformerStack/Layer_{layer}/TransformerLayer/";
            all.Add((Layer(layer, "attention.norm.scale"), Apply + encode + "layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"));
            all.Add((Layer(layer, "attention.norm.bias"), Apply + encode + "layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"));
            all.Add((Layer(layer, "attention.qkv.kernel"), Variables + encode + "MultiheadAttention/qkv_transform_single/kernel/part_0"));
            all.Add((Layer(layer, "attention.qkv.bias"), Apply + encode + "MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat"));
            all.Add((Layer(layer, "attention.query_scale"), Apply + stack + "MultiheadAttention/mul/y"));
            all.Add((Layer(layer, "attention.output.kernel"), Variables + encode + "MultiheadAttention/output_transform_single/kernel/part_0"));
            all.Add((Layer(layer, "attention.output.bias"), Apply + encode + "MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat"));
            all.Add((Layer(layer, "ffn.norm.scale"), Apply + encode + "FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"));
            all.Add((Layer(layer, "ffn.norm.bias"), Apply + encode + "FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"));
            all.Add((Layer(layer, "ffn.inner.kernel"), Apply + stack + "FFN/conv1/Tensordot/Reshape_1"));
            all.Add((Layer(layer, "ffn.inner.bias"), Apply + encode + "FFN/conv1/bias/ConcatPartitions/concat"));
            all.Add((Layer(layer, "ffn.outer.kernel"), Apply + stack + "FFN/conv2/Tensordot/Reshape_1"));
            all.Add((Layer(layer, "ffn.outer.bias"), Apply + encode + "FFN/conv2/bias/ConcatPartitions/concat"));
        }
        all.Add((TanhKernel, "module/Encoder_en/hidden_layers/tanh_layer_0/weights"));
        all.Add((TanhBias, "module/Encoder_en/hidden_layers/tanh_layer_0/bias"));
        all.Add((NormalizeEpsilon, "module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y"));
        return all;
    }
}
