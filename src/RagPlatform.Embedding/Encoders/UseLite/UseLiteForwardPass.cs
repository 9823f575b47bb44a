using System.Buffers;
using System.Numerics.Tensors;

namespace RagPlatform.Embedding.Encoders.UseLite;

/// <summary>
/// The graph's computation for a batch of piece sequences. The batch is packed, every sentence's
/// pieces back to back with no padding: the graph masks padding out of attention and out of the
/// mean, so leaving it out gives the same vectors and saves its cost. Per-piece work (layer norms,
/// projections, feed-forward) runs over all pieces at once; attention runs per sentence and head.
/// A pass may use several threads (one long batch) or one (a part of a batch split across threads).
/// </summary>
internal static class UseLiteForwardPass
{
    // Attention for fewer pieces than this is not worth a second thread.
    private const int ParallelAttentionPieces = 256;

    /// <summary>One L2-normalised vector per sentence; each sentence at most MaxLength pieces.</summary>
    public static float[][] Run(UseLiteModel model, IReadOnlyList<ReadOnlyMemory<int>> sentences, bool parallel = true)
    {
        var starts = new int[sentences.Count + 1];
        for (int s = 0; s < sentences.Count; s++)
        {
            if (sentences[s].Length > model.MaxLength) throw new ArgumentException("sentence longer than the model reads");
            starts[s + 1] = starts[s] + sentences[s].Length;
        }
        int pieces = starts[^1];
        int wide = model.Layers[1].Width;
        var pooled = new float[sentences.Count * wide];

        if (pieces > 0)
        {
            var pool = ArrayPool<float>.Shared;
            int widestProjection = model.Layers.Max(l => Math.Max(l.QueryKeyValue.Columns, l.FeedForwardInner.Columns));
            var embedded = pool.Rent(pieces * model.EmbeddingWidth);
            var normed = pool.Rent(pieces * wide);
            var projected = pool.Rent(pieces * widestProjection);
            var context = pool.Rent(pieces * wide);
            var stream = pool.Rent(pieces * wide);
            var scratch = pool.Rent(pieces * wide);
            try
            {
                Embed(model, sentences, starts, embedded);
                var first = model.Layers[0];
                Attend(model, first, embedded, pieces, starts, normed, projected, context, stream, parallel);
                model.Residual.Multiply(embedded, pieces, scratch, parallel);
                TensorPrimitives.Add(stream.AsSpan(0, pieces * wide), scratch.AsSpan(0, pieces * wide), stream.AsSpan(0, pieces * wide));
                FeedForward(model, first, stream, pieces, normed, projected, scratch, parallel);

                var second = model.Layers[1];
                Attend(model, second, stream, pieces, starts, normed, projected, context, scratch, parallel);
                TensorPrimitives.Add(stream.AsSpan(0, pieces * wide), scratch.AsSpan(0, pieces * wide), stream.AsSpan(0, pieces * wide));
                FeedForward(model, second, stream, pieces, normed, projected, scratch, parallel);

                Pool(stream, wide, sentences.Count, starts, pooled);
            }
            finally
            {
                pool.Return(embedded); pool.Return(normed); pool.Return(projected);
                pool.Return(context); pool.Return(stream); pool.Return(scratch);
            }
        }

        // An empty sentence pools to zeros (the graph divides by max(length, 1)): tanh of the bias.
        var hidden = new float[sentences.Count * model.Dimension];
        model.Tanh.Multiply(pooled, sentences.Count, hidden, parallel);
        var vectors = new float[sentences.Count][];
        for (int s = 0; s < sentences.Count; s++)
        {
            var vector = hidden.AsSpan(s * model.Dimension, model.Dimension).ToArray();
            TensorPrimitives.Tanh(vector, vector);
            float squares = TensorPrimitives.SumOfSquares(vector);
            TensorPrimitives.Multiply(vector, 1f / MathF.Sqrt(MathF.Max(squares, model.NormalizeEpsilon)), vector);
            vectors[s] = vector;
        }
        return vectors;
    }

    /// <summary>Piece embedding plus timing signal, added as the graph adds them: x + (x + timing).</summary>
    private static void Embed(UseLiteModel model, IReadOnlyList<ReadOnlyMemory<int>> sentences, int[] starts, float[] embedded)
    {
        int width = model.EmbeddingWidth;
        for (int s = 0; s < sentences.Count; s++)
        {
            var ids = sentences[s].Span;
            for (int position = 0; position < ids.Length; position++)
            {
                int id = ids[position];
                if ((uint)id >= (uint)model.PieceCount) throw new ArgumentOutOfRangeException(nameof(sentences), $"piece id {id}");
                var piece = model.Embeddings.AsSpan(id * width, width);
                var row = embedded.AsSpan((starts[s] + position) * width, width);
                TensorPrimitives.Add(piece, model.Timing.AsSpan(position * width, width), row);
                TensorPrimitives.Add(piece, row, row);
            }
        }
    }

    /// <summary>output = attention(layer norm(input)) projected to the layer's output width.</summary>
    private static void Attend(UseLiteModel model, UseLiteLayer layer, float[] input, int pieces, int[] starts,
        float[] normed, float[] projected, float[] context, float[] output, bool parallel)
    {
        LayerNorm(input, pieces, layer.Width, layer.AttentionNormScale, layer.AttentionNormBias, model.LayerNormEpsilon, normed);
        layer.QueryKeyValue.Multiply(normed, pieces, projected, parallel);
        int width = layer.Width, stride = 3 * width;
        for (int piece = 0; piece < pieces; piece++)
        {
            var query = projected.AsSpan(piece * stride, width);
            TensorPrimitives.Multiply(query, layer.QueryScale, query);
        }
        int sentences = starts.Length - 1;
        int jobs = sentences * layer.Heads;
        if (!parallel || pieces < ParallelAttentionPieces)
            for (int job = 0; job < jobs; job++) AttendHead(layer, projected, starts, job / layer.Heads, job % layer.Heads, context);
        else
            Parallel.For(0, jobs, job => AttendHead(layer, projected, starts, job / layer.Heads, job % layer.Heads, context));
        layer.AttentionOutput.Multiply(context, pieces, output, parallel);
    }

    private static void AttendHead(UseLiteLayer layer, float[] projected, int[] starts, int sentence, int head, float[] context)
    {
        int first = starts[sentence], length = starts[sentence + 1] - first;
        if (length == 0) return;
        int width = layer.Width, stride = 3 * width, headWidth = layer.HeadWidth, offset = head * headWidth;
        Span<float> weights = stackalloc float[length];
        for (int i = 0; i < length; i++)
        {
            var query = projected.AsSpan((first + i) * stride + offset, headWidth);
            for (int j = 0; j < length; j++)
                weights[j] = TensorPrimitives.Dot(query, projected.AsSpan((first + j) * stride + width + offset, headWidth));
            TensorPrimitives.Subtract(weights, TensorPrimitives.Max(weights), weights);
            TensorPrimitives.Exp(weights, weights);
            TensorPrimitives.Divide(weights, TensorPrimitives.Sum(weights), weights);
            var output = context.AsSpan((first + i) * width + offset, headWidth);
            output.Clear();
            for (int j = 0; j < length; j++)
                TensorPrimitives.MultiplyAdd(projected.AsSpan((first + j) * stride + 2 * width + offset, headWidth), weights[j], output, output);
        }
    }

    /// <summary>stream += feed-forward(layer norm(stream)).</summary>
    private static void FeedForward(UseLiteModel model, UseLiteLayer layer, float[] stream, int pieces,
        float[] normed, float[] inner, float[] scratch, bool parallel)
    {
        int width = layer.OutputWidth;
        LayerNorm(stream, pieces, width, layer.FeedForwardNormScale, layer.FeedForwardNormBias, model.LayerNormEpsilon, normed);
        layer.FeedForwardInner.Multiply(normed, pieces, inner, parallel);
        var activations = inner.AsSpan(0, pieces * layer.FeedForwardInner.Columns);
        TensorPrimitives.Max(activations, 0f, activations);
        layer.FeedForwardOuter.Multiply(inner, pieces, scratch, parallel);
        var all = stream.AsSpan(0, pieces * width);
        TensorPrimitives.Add(scratch.AsSpan(0, pieces * width), all, all);
    }

    /// <summary>Per row: scale · (x − mean) / sqrt(variance + epsilon) + bias.</summary>
    private static void LayerNorm(float[] input, int rows, int width, float[] scale, float[] bias, float epsilon, float[] output)
    {
        Span<float> rowScale = stackalloc float[width];
        for (int row = 0; row < rows; row++)
        {
            var x = input.AsSpan(row * width, width);
            var y = output.AsSpan(row * width, width);
            float mean = TensorPrimitives.Sum(x) / width;
            TensorPrimitives.Subtract(x, mean, y);
            float variance = TensorPrimitives.SumOfSquares(y) / width;
            TensorPrimitives.Multiply(scale, 1f / MathF.Sqrt(variance + epsilon), rowScale);
            TensorPrimitives.MultiplyAdd(y, rowScale, bias, y);
        }
    }

    /// <summary>The mean of each sentence's pieces.</summary>
    private static void Pool(float[] stream, int width, int sentences, int[] starts, float[] pooled)
    {
        for (int s = 0; s < sentences; s++)
        {
            var sum = pooled.AsSpan(s * width, width);
            for (int piece = starts[s]; piece < starts[s + 1]; piece++)
                TensorPrimitives.Add(sum, stream.AsSpan(piece * width, width), sum);
            TensorPrimitives.Divide(sum, Math.Max(starts[s + 1] - starts[s], 1), sum);
        }
    }
}
