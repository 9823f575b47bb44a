using System.Numerics.Tensors;

namespace RagPlatform.FineTuning.Adapters;

/// <summary>
/// Trains q' = normalise((I + A) q) with a contrastive (InfoNCE) loss: each query against its
/// positive and, as negatives, every other document in its batch (the batch's positives and hard
/// negatives), except documents its own query calls positive, plus (λ/2)‖A‖², an L2 penalty on the
/// map's distance from the identity. Adam. Single-threaded and seeded, so a seed gives the same map on every run, resumed or not.
/// </summary>
public sealed class AdapterTrainer(AdapterTrainingSet train, AdapterValidationSet validation, float[][] documents,
    AdapterHyperparameters hyperparameters, long seed)
{
    private const float Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-8f;
    private readonly int dimension = documents[0].Length;

    public AdapterTrainerState Start()
    {
        var state = AdapterTrainerState.Identity(dimension);
        state.BaselineMetric = state.BestMetric = Validate(state.Residual);
        return state;
    }

    public double Validate(float[] residual) => RankingQuality.NdcgAt10(validation, documents, residual, dimension);

    /// <summary>One pass over the training pairs in a seeded order; returns the mean loss.</summary>
    public double TrainEpoch(AdapterTrainerState state, CancellationToken cancellationToken)
    {
        var order = Enumerable.Range(0, train.Count).ToArray();
        new Random(unchecked((int)seed * 7919 + state.Epoch)).Shuffle(order);
        var gradient = new float[dimension * dimension];
        double lossSum = 0;
        for (int start = 0; start < order.Length; start += hyperparameters.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = order.AsSpan(start, Math.Min(hyperparameters.BatchSize, order.Length - start));
            lossSum += BatchLoss(state.Residual, batch, gradient) * batch.Length;
            state.Step++;
            AdamStep(state, gradient);
        }
        state.Epoch++;
        return lossSum / order.Length;
    }

    /// <summary>Records the epoch's validation figure; returns whether it is the best so far.</summary>
    public bool RecordValidation(AdapterTrainerState state, double metric)
    {
        if (metric > state.BestMetric)
        {
            state.BestMetric = metric;
            state.BestEpoch = state.Epoch;
            state.EpochsSinceBest = 0;
            state.Residual.CopyTo(state.BestResidual, 0);
            return true;
        }
        state.EpochsSinceBest++;
        return false;
    }

    /// <summary>The batch's mean contrastive loss plus the identity penalty; its gradient with respect to A written to <paramref name="gradient"/>.</summary>
    public double BatchLoss(float[] residual, ReadOnlySpan<int> batch, float[] gradient)
    {
        Array.Clear(gradient);
        var columns = new List<int>();
        var columnOf = new Dictionary<int, int>();
        foreach (var pair in batch)
        {
            AddColumn(train.Positive[pair]);
            foreach (var negative in train.Negatives[pair]) AddColumn(negative);
        }
        var u = new float[dimension];
        var adapted = new float[dimension];
        var logits = new float[columns.Count];
        var g = new float[dimension];
        float inverseTemperature = 1 / hyperparameters.Temperature;
        float scale = 1f / batch.Length;
        double loss = 0;
        foreach (var pair in batch)
        {
            var query = train.Queries[pair];
            float norm = QueryAdapter.Apply(residual, dimension, query, u);
            TensorPrimitives.Divide(u, norm, adapted);
            int target = columnOf[train.Positive[pair]];
            var positives = train.PositivesOfQuery[pair];
            for (int c = 0; c < columns.Count; c++)
                logits[c] = c != target && positives.Contains(columns[c])
                    ? float.NegativeInfinity
                    : TensorPrimitives.Dot(adapted, documents[columns[c]]) * inverseTemperature;
            TensorPrimitives.SoftMax(logits, logits);
            loss -= Math.Log(Math.Max(logits[target], 1e-30f));
            // d loss / d q' = (1/τ) Σ_c (p_c − y_c) d_c
            Array.Clear(g);
            for (int c = 0; c < columns.Count; c++)
            {
                float weight = (logits[c] - (c == target ? 1f : 0f)) * inverseTemperature;
                if (weight != 0) TensorPrimitives.MultiplyAdd(documents[columns[c]], weight, g, g);
            }
            // Through the normalisation: d/du = (g − (g·q') q') / |u|.
            float along = TensorPrimitives.Dot(g, adapted);
            TensorPrimitives.MultiplyAdd(adapted, -along, g, g);
            TensorPrimitives.Multiply(g, scale / norm, g);
            // u = q + A q, so d/dA = (d/du) qᵀ.
            for (int r = 0; r < dimension; r++)
                if (g[r] != 0) TensorPrimitives.MultiplyAdd(query, g[r], gradient.AsSpan(r * dimension, dimension), gradient.AsSpan(r * dimension, dimension));
        }
        // (λ/2)‖A‖² adds λA to the gradient.
        float decay = hyperparameters.WeightDecay;
        TensorPrimitives.MultiplyAdd(residual, decay, gradient, gradient);
        float squaredNorm = TensorPrimitives.Dot(residual, residual);
        return loss / batch.Length + 0.5 * decay * squaredNorm;

        void AddColumn(int document)
        {
            if (columnOf.TryAdd(document, columns.Count)) columns.Add(document);
        }
    }

    private void AdamStep(AdapterTrainerState state, float[] gradient)
    {
        var a = state.Residual;
        TensorPrimitives.Multiply(state.FirstMoment, Beta1, state.FirstMoment);
        TensorPrimitives.MultiplyAdd(gradient, 1 - Beta1, state.FirstMoment, state.FirstMoment);
        TensorPrimitives.Multiply(gradient, gradient, gradient);
        TensorPrimitives.Multiply(state.SecondMoment, Beta2, state.SecondMoment);
        TensorPrimitives.MultiplyAdd(gradient, 1 - Beta2, state.SecondMoment, state.SecondMoment);
        double t = state.Step;
        float stepSize = (float)(hyperparameters.LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t)));
        // a -= stepSize · m / (√v + ε), with the gradient buffer reused as scratch.
        TensorPrimitives.Sqrt(state.SecondMoment, gradient);
        TensorPrimitives.Add(gradient, Epsilon, gradient);
        TensorPrimitives.Divide(state.FirstMoment, gradient, gradient);
        TensorPrimitives.MultiplyAdd(gradient, -stepSize, a, a);
    }
}
